"""Outside clients read our records as CloudEvents (issue 15 §4): the contract with borough IT.

The registry service (real app, real outbox relay) writes events to the 3-broker Apache Kafka cluster.
Two clients that share no code with ours read them back:

- confluent-kafka (librdkafka) in a consumer group with default settings, subscribed to the topic;
- the ``cloudevents`` SDK's Kafka binding (``from_kafka``), which picks structured or binary mode from
  the headers, on each record librdkafka returned.

Every record must parse as a CloudEvent 1.0 and its value, key and headers must validate against the
AsyncAPI document (docs/asyncapi.yaml, generated from the event models).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import jsonschema_rs
import pytest
import yaml
from cloudevents.core.bindings.kafka import KafkaMessage, from_kafka
from cloudevents.core.formats.json import JSONFormat
from confluent_kafka import Consumer, KafkaError
from sqlalchemy import select

from cg_registry.main import create_app as create_registry
from cg_registry.settings import RegistrySettings
from cg_shared.events import topics
from cg_shared.messaging.tables import OutboxMessage
from cg_shared.testing.helpers import auth, migrate, repo_root, running_app
from cg_shared.testing.kafka import KafkaCluster

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]

OFFICER = auth("borough_officer", "11200", sub="contract-officer")


def asyncapi() -> dict[str, Any]:
    return yaml.safe_load((repo_root() / "docs" / "asyncapi.yaml").read_text(encoding="utf-8"))


def validator_for(doc: dict[str, Any], pointer: str) -> Any:
    """A JSON Schema validator for ``#/<pointer>`` of the AsyncAPI document (its $refs resolve in it)."""
    return jsonschema_rs.Draft202012Validator({"$ref": f"#/{pointer}", "components": doc["components"]})


def consume_with_librdkafka(bootstrap: str, topic: str, want: set[str], timeout_s: float = 60) -> list[Any]:
    """A consumer group with librdkafka's defaults (plus earliest, since the group is new)."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"borough-it-{uuid.uuid4().hex[:8]}",
            "auto.offset.reset": "earliest",
        }
    )
    consumer.subscribe([topic])
    records: list[Any] = []
    seen: set[str] = set()
    deadline = time.monotonic() + timeout_s
    try:
        while not want <= seen and time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            if msg.error():
                assert msg.error().code() == KafkaError._PARTITION_EOF, msg.error()
                continue
            records.append(msg)
            seen.add(json.loads(msg.value())["id"])
        consumer.commit(asynchronous=False)
    finally:
        consumer.close()
    return records


async def test_outside_clients_read_every_record_as_a_valid_cloudevent(
    database_factory, kafka_cluster: KafkaCluster
) -> None:
    url = await database_factory("postgresql")
    await migrate("registry", url)
    settings = RegistrySettings(
        database_url=url,
        kafka_bootstrap_servers=kafka_cluster.bootstrap,
        kafka_topic_replication=3,
        kafka_idempotence=True,
        log_json=False,
    )
    app = create_registry(settings)
    async with running_app(app) as client:
        etags = []
        for i in range(5):
            title = f"외부 소비자 계약 {uuid.uuid4().hex[:10]} {i}"
            body = {"title_ko": title, "sgg_code": "11200", "total_krw": 1_000_000}
            r = await client.post("/v1/projects", json=body, headers=OFFICER)
            assert r.status_code == 201, r.text
            etags.append((r.json()["id"], r.headers["ETag"]))
        project_id, etag = etags[0]
        r = await client.patch(
            f"/v1/projects/{project_id}", json={"title_en": "contract"}, headers={**OFFICER, "If-Match": etag}
        )
        assert r.status_code == 200, r.text
        sessions = app.state.sessions
        deadline = asyncio.get_running_loop().time() + 60
        while True:
            async with sessions() as s:
                rows = (
                    await s.execute(
                        select(OutboxMessage.event_id, OutboxMessage.published_at, OutboxMessage.topic)
                    )
                ).all()
            if rows and all(r.published_at is not None for r in rows):
                break
            assert asyncio.get_running_loop().time() < deadline, "outbox not published in 60 s"
            await asyncio.sleep(0.2)
    want = {r.event_id for r in rows if r.topic == topics.REGISTRY_PROJECT}
    assert len(want) >= 5

    records = await asyncio.to_thread(
        consume_with_librdkafka, kafka_cluster.bootstrap, topics.REGISTRY_PROJECT, want
    )
    doc = asyncapi()
    by_type = {m["name"]: name for name, m in doc["components"]["messages"].items()}
    headers_schema = validator_for(doc, "components/messages/registry.project.registered.v1/headers")
    read: set[str] = set()
    for msg in records:
        headers = {k: v for k, v in (msg.headers() or [])}
        # cloudevents SDK, Kafka binding: mode from the headers, attributes from the value.
        event = from_kafka(KafkaMessage(headers=headers, key=msg.key(), value=msg.value()), JSONFormat())
        assert event.get_specversion() == "1.0"
        assert event.get_id() and event.get_source().startswith("/cg/")
        assert msg.key().decode() == event.get_subject()  # key = aggregate id
        value = json.loads(msg.value())
        assert value["id"] == event.get_id() and value["type"] == event.get_type()
        assert event.get_data() == value["data"]
        name = by_type[event.get_type()]
        errors = [
            e.message for e in validator_for(doc, f"components/messages/{name}/payload").iter_errors(value)
        ]
        assert errors == [], (name, errors)
        header_values = {k: v.decode() for k, v in headers.items()}
        assert list(headers_schema.iter_errors(header_values)) == []
        assert not any(k.startswith("ce_") for k in headers)
        read.add(event.get_id())
    assert want <= read, f"librdkafka group did not receive {len(want - read)} of {len(want)} events"
