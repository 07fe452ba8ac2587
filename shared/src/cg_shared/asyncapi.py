"""Generate ``docs/asyncapi.yaml`` (AsyncAPI 3.0) from the event payload models.

``python -m cg_shared.asyncapi > docs/asyncapi.yaml`` (``make asyncapi``); a test fails when the
checked-in file differs from what the models say.
"""

from __future__ import annotations

import sys
from typing import Any

import yaml

from cg_shared.events import EVENT_TYPES, topics
from cg_shared.events.envelope import SPEC_VERSION, STRUCTURED_CONTENT_TYPE, CloudEvent

KAFKA_BINDING_VERSION = "0.5.0"
PRODUCTION_BOOTSTRAP = "cg-kafka-kafka-bootstrap.cg.svc:9093"

# Structured content mode (CloudEvents Kafka protocol binding §3.2): one header, the event in the value.
RECORD_HEADERS: dict[str, Any] = {
    "type": "object",
    "required": ["content-type"],
    "properties": {
        "content-type": {
            "const": STRUCTURED_CONTENT_TYPE,
            "description": "CloudEvents structured content mode; no ce_* headers are written",
        }
    },
}


def _message_bindings() -> dict[str, Any]:
    return {
        "kafka": {
            "key": {"type": "string", "description": "aggregate id (= the event's subject)"},
            "bindingVersion": KAFKA_BINDING_VERSION,
        }
    }


def _channel_bindings(topic: str) -> dict[str, Any]:
    spec = topics.TOPIC_SPECS[topic]
    configs = spec.configs(topics.PRODUCTION_REPLICATION)
    return {
        "kafka": {
            "topic": topic,
            "partitions": spec.partitions,
            "replicas": topics.PRODUCTION_REPLICATION,
            "topicConfiguration": {
                "cleanup.policy": configs["cleanup.policy"].split(","),
                "retention.ms": int(configs["retention.ms"]),
                "max.message.bytes": int(configs["max.message.bytes"]),
            },
            "bindingVersion": KAFKA_BINDING_VERSION,
        }
    }


def _envelope_schema() -> dict[str, Any]:
    schema = CloudEvent.model_json_schema(ref_template="#/components/schemas/{model}")
    schema.pop("$defs", None)
    # A CloudEvent without these is not one (CloudEvents 1.0 §3.1 REQUIRED attributes).
    schema["required"] = ["specversion", "id", "source", "type"]
    schema["properties"]["specversion"] = {"const": SPEC_VERSION, "title": "Specversion", "type": "string"}
    schema["properties"]["id"]["minLength"] = 1
    schema["properties"]["source"]["minLength"] = 1
    schema["properties"]["type"]["minLength"] = 1
    return schema


def _message_name(event_type: str) -> str:
    # kr.seoul.cg.registry.project.registered.v1 -> registry.project.registered.v1
    return ".".join(event_type.split(".")[3:])


def _payload(data: dict[str, Any], **properties: Any) -> dict[str, Any]:
    """The CloudEvent envelope with these members (``data`` last) made precise."""
    return {
        "allOf": [
            {"$ref": "#/components/schemas/CloudEvent"},
            {"type": "object", "properties": {**properties, "data": data}},
        ]
    }


def _channels() -> dict[str, Any]:
    channels: dict[str, Any] = {}
    for topic in topics.EVENT_TOPICS:
        channels[topic] = {
            "address": topic,
            "messages": {},
            "description": f"Key: aggregate id. Topic {topic}.",
            "bindings": _channel_bindings(topic),
        }
    for service in topics.SERVICES:
        dlq = topics.dead_letter_topic(service)
        channels[dlq] = {
            "address": dlq,
            "description": f"Dead letters of the {service} consumer: the raw message and the error.",
            "messages": {"DeadLetter": {"$ref": "#/components/messages/DeadLetter"}},
            "bindings": _channel_bindings(dlq),
        }
    return channels


def _dead_letter_message() -> dict[str, Any]:
    raw_fields = {
        "topic": "string",
        "partition": "integer",
        "offset": "integer",
        "error": "string",
        "raw": "string",
    }
    return {
        "name": "dead_letter.recorded",
        "contentType": "application/cloudevents+json",
        "summary": "kr.seoul.cg.<service>.dead_letter.recorded.v1: a message the consumer could not apply",
        "headers": RECORD_HEADERS,
        "bindings": _message_bindings(),
        "payload": _payload(
            {"type": "object", "properties": {field: {"type": kind} for field, kind in raw_fields.items()}}
        ),
    }


def _event_message(event_type: str, model: Any) -> dict[str, Any]:
    return {
        "name": event_type,
        "title": model.__name__,
        "summary": model.description,
        "contentType": "application/cloudevents+json",
        "correlationId": {"location": "$message.payload#/subject"},
        "headers": RECORD_HEADERS,
        "bindings": _message_bindings(),
        "payload": _payload(
            {"$ref": f"#/components/schemas/{model.__name__}"},
            type={"const": event_type},
            source={"const": f"/cg/{model.producer}"},
        ),
    }


def _operations(channels: dict[str, Any]) -> dict[str, Any]:
    """Each event topic is sent by its producer through the outbox and received by every consumer."""
    operations: dict[str, Any] = {}
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
                    "bindings": {
                        "kafka": {
                            "groupId": {"type": "string", "const": f"cg-{consumer}"},
                            "bindingVersion": KAFKA_BINDING_VERSION,
                        }
                    },
                }
    return operations


_INFO = {
    "title": "Seoul Collaborative Governance Platform — events",
    "version": "1.0.0",
    "description": (
        "CloudEvents 1.0 on Kafka in the Kafka protocol binding's structured content mode: the record "
        "value is the event in the JSON event format, the one header is content-type: "
        "application/cloudevents+json (no ce_* headers), the record key is the aggregate id. "
        "Read records with any CloudEvents SDK's Kafka binding (e.g. Python cloudevents "
        "from_kafka / from_structured). One topic per producing service and aggregate; producers "
        "are idempotent with acks=all on topics with replication 3 and min.insync.replicas 2. "
        "Within a .v1 type only additive, optional changes. "
        "Generated from cg_shared.events — do not edit by hand (make asyncapi)."
    ),
}

_SERVERS = {
    "production": {
        "host": PRODUCTION_BOOTSTRAP,
        "protocol": "kafka-secure",
        "protocolVersion": "4.1",
        "description": (
            "Apache Kafka (Strimzi, KRaft, 3 brokers) inside the cluster: SASL_SSL with SCRAM-SHA-512, "
            "one KafkaUser per service and per borough IT client (deploy/k8s)"
        ),
        "security": [{"type": "scramSha512"}],
        "bindings": {"kafka": {"bindingVersion": KAFKA_BINDING_VERSION}},
    },
    "local": {
        "host": "127.0.0.1:9092",
        "protocol": "kafka",
        "protocolVersion": "4.1",
        "description": "Apache Kafka single node, log under $CG_DATA_DIR/kafka (make run)",
    },
}


def build() -> dict[str, Any]:
    channels = _channels()
    messages: dict[str, Any] = {"DeadLetter": _dead_letter_message()}
    schemas: dict[str, Any] = {"CloudEvent": _envelope_schema()}
    for event_type in sorted(EVENT_TYPES):
        model = EVENT_TYPES[event_type]
        name = _message_name(event_type)
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for def_name, definition in schema.pop("$defs", {}).items():
            schemas[def_name] = definition
        schemas[model.__name__] = schema
        messages[name] = _event_message(event_type, model)
        channels[model.topic]["messages"][name] = {"$ref": f"#/components/messages/{name}"}
    return {
        "asyncapi": "3.0.0",
        "info": _INFO,
        "defaultContentType": "application/cloudevents+json",
        "servers": _SERVERS,
        "channels": channels,
        "operations": _operations(channels),
        "components": {"messages": messages, "schemas": schemas},
    }


def render() -> str:
    text: str = yaml.safe_dump(build(), sort_keys=False, allow_unicode=True, width=110)
    return text


def main() -> None:
    sys.stdout.write(render())


if __name__ == "__main__":
    main()
