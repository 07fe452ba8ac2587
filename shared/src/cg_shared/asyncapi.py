"""Generate ``docs/asyncapi.yaml`` (AsyncAPI 3.0) from the event payload models.

``python -m cg_shared.asyncapi > docs/asyncapi.yaml`` (``make asyncapi``); a test fails when the
checked-in file differs from what the models say.
"""

from __future__ import annotations

import sys
from typing import Any

import yaml

from cg_shared.events import EVENT_TYPES, topics
from cg_shared.events.envelope import CloudEvent


def _message_name(event_type: str) -> str:
    # kr.seoul.cg.registry.project.registered.v1 -> registry.project.registered.v1
    return ".".join(event_type.split(".")[3:])


def build() -> dict[str, Any]:
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    envelope = CloudEvent.model_json_schema(ref_template="#/components/schemas/{model}")
    envelope.pop("$defs", None)
    schemas["CloudEvent"] = envelope
    for topic in topics.EVENT_TOPICS:
        channels[topic] = {
            "address": topic,
            "messages": {},
            "description": f"Key: aggregate id. Topic {topic}.",
        }
    for service in topics.SERVICES:
        dlq = topics.dead_letter_topic(service)
        channels[dlq] = {
            "address": dlq,
            "description": f"Dead letters of the {service} consumer: the raw message and the error.",
            "messages": {"DeadLetter": {"$ref": "#/components/messages/DeadLetter"}},
        }
    messages["DeadLetter"] = {
        "name": "dead_letter.recorded",
        "contentType": "application/cloudevents+json",
        "summary": "kr.seoul.cg.<service>.dead_letter.recorded.v1: a message the consumer could not apply",
        "payload": {
            "type": "object",
            "properties": {
                "topic": {"type": "string"},
                "partition": {"type": "integer"},
                "offset": {"type": "integer"},
                "error": {"type": "string"},
                "raw": {"type": "string"},
            },
        },
    }
    for event_type in sorted(EVENT_TYPES):
        model = EVENT_TYPES[event_type]
        name = _message_name(event_type)
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for def_name, definition in schema.pop("$defs", {}).items():
            schemas[def_name] = definition
        schemas[model.__name__] = schema
        messages[name] = {
            "name": event_type,
            "title": model.__name__,
            "summary": model.description,
            "contentType": "application/cloudevents+json",
            "correlationId": {"location": "$message.payload#/subject"},
            "payload": {
                "allOf": [
                    {"$ref": "#/components/schemas/CloudEvent"},
                    {
                        "type": "object",
                        "properties": {
                            "type": {"const": event_type},
                            "source": {"const": f"/cg/{model.producer}"},
                            "data": {"$ref": f"#/components/schemas/{model.__name__}"},
                        },
                    },
                ]
            },
        }
        channels[model.topic]["messages"][name] = {"$ref": f"#/components/messages/{name}"}
    for topic in topics.EVENT_TOPICS:
        producer = topic.split(".")[1]
        refs = [{"$ref": f"#/channels/{topic}/messages/{m}"} for m in channels[topic]["messages"]]
        operations[f"{producer}.publish.{topic}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{topic}"},
            "summary": f"{producer} publishes through its transactional outbox",
            "messages": refs,
        }
        for consumer, consumed in topics.CONSUMES.items():
            if topic in consumed:
                operations[f"{consumer}.consume.{topic}"] = {
                    "action": "receive",
                    "channel": {"$ref": f"#/channels/{topic}"},
                    "summary": f"{consumer} consumes idempotently (consumer group cg-{consumer})",
                    "messages": refs,
                }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Seoul Collaborative Governance Platform — events",
            "version": "1.0.0",
            "description": (
                "CloudEvents 1.0 (structured JSON) on Kafka. One topic per producing service and aggregate; "
                "message key = aggregate id. Within a .v1 type only additive, optional changes. "
                "Generated from cg_shared.events — do not edit by hand (make asyncapi)."
            ),
        },
        "defaultContentType": "application/cloudevents+json",
        "servers": {
            "local": {"host": "127.0.0.1:9092", "protocol": "kafka", "description": "Tansu (make run)"},
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }


def render() -> str:
    text: str = yaml.safe_dump(build(), sort_keys=False, allow_unicode=True, width=110)
    return text


def main() -> None:
    sys.stdout.write(render())


if __name__ == "__main__":
    main()
