"""Outside clients read our records as CloudEvents (issue 15 §4): the contract with borough IT.

The four services (real apps with their outbox relays and consumers, each on its own PostgreSQL
database) run a borough's CG year over the session's 3-broker Apache Kafka cluster: the demo scenario's
adoption cycle (``demo.scenario.CgYear.run_adoption_cycle``: registry projects → committee and roster →
proposals and plan → agenda, named vote and decision → adopted plan → budget requests, participatory
election and allocation → funded items and new registry projects), so every kind of event the system
writes in a year goes over the bus. Two clients that share no code with ours read them back:

- confluent-kafka (librdkafka) in a consumer group with librdkafka's default settings (only
  ``bootstrap.servers`` and ``group.id`` set), subscribed to every declared topic, its offsets committed
  at the topics' ends before the flow starts — so it takes exactly the records the flow writes;
- the ``cloudevents`` SDK's Kafka binding (``from_kafka``), which picks structured or binary mode from
  the headers, on each record librdkafka returned.

Every record must parse as a CloudEvent 1.0; its value, key and headers must validate against the
AsyncAPI document (docs/asyncapi.yaml, generated from the event models) and its data against our own
payload model of its type; and every event the four outboxes published must be among them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
import uuid
from collections import Counter
from typing import Any

import httpx
import jsonschema_rs
import pytest
import yaml
from cloudevents.core.bindings.kafka import KafkaMessage, from_kafka
from cloudevents.core.formats.json import JSONFormat
from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition
from fastapi import FastAPI
from sqlalchemy import select

from cg_shared.events import EVENT_TYPES, CloudEvent, topics
from cg_shared.messaging.broker import ensure_topics
from cg_shared.messaging.tables import OutboxMessage
from cg_shared.testing.helpers import auth, eventually, migrate, repo_root
from cg_shared.testing.kafka import KafkaCluster
from demo.scenario import SERVICES, CgApi, CgYear, RecordingNarrator, ServiceUrls
from tests.contract.apps import SPECS

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.e2e, pytest.mark.timeout(420)]

SGG = "11200"
OFFICER = auth("borough_officer", SGG, sub="contract-officer")


def asyncapi() -> dict[str, Any]:
    return yaml.safe_load((repo_root() / "docs" / "asyncapi.yaml").read_text(encoding="utf-8"))


def validator_for(doc: dict[str, Any], pointer: str) -> Any:
    """A JSON Schema validator for ``#/<pointer>`` of the AsyncAPI document (its $refs resolve in it)."""
    return jsonschema_rs.Draft202012Validator({"$ref": f"#/{pointer}", "components": doc["components"]})


class AppRouter(httpx.AsyncBaseTransport):
    """One transport for the scenario's four clients: ``http://<service>.test`` → that app, in process."""

    def __init__(self, apps: dict[str, FastAPI]) -> None:
        self.transports = {f"{name}.test": httpx.ASGITransport(app=app) for name, app in apps.items()}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.transports[request.url.host].handle_async_request(request)


class GroupReader:
    """A librdkafka consumer group with default settings, polling on its own thread.

    A new group with the default ``auto.offset.reset=latest`` starts wherever a partition's end is when
    its assignment arrives, which may be after the first records were written. So the group's offsets
    are committed at the topics' ends first (as a borough IT client that has been running holds them):
    from there the group receives every record written after :meth:`start`."""

    def __init__(self, bootstrap: str, subscribed: list[str]) -> None:
        self.consumer = Consumer(
            {"bootstrap.servers": bootstrap, "group.id": f"borough-it-{uuid.uuid4().hex[:8]}"}
        )
        self.subscribed = subscribed
        self.records: list[Any] = []
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="librdkafka-group", daemon=True)

    def start(self) -> None:
        metadata = self.consumer.list_topics(timeout=30)
        ends = []
        for topic in self.subscribed:
            for partition in metadata.topics[topic].partitions:
                ends.append(TopicPartition(topic, partition, self._end(topic, partition)))
        self.consumer.commit(offsets=ends, asynchronous=False)
        self.consumer.subscribe(self.subscribed)
        self._thread.start()

    def _end(self, topic: str, partition: int, timeout_s: float = 60) -> int:
        """The partition's end offset (topics just created may still be electing their leaders)."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                _low, high = self.consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=10)
                return int(high)
            except KafkaException as exc:
                if time.monotonic() > deadline:
                    raise AssertionError(f"no end offset for {topic}[{partition}]: {exc}") from exc
                time.sleep(0.2)

    def _run(self) -> None:
        while not self._stop.is_set():
            msg = self.consumer.poll(0.2)
            if msg is None:
                continue
            if msg.error():
                if msg.error().code() != KafkaError._PARTITION_EOF:
                    self.errors.append(str(msg.error()))
                continue
            with self._lock:
                self.records.append(msg)

    def ids(self) -> set[str]:
        with self._lock:
            return {json.loads(m.value())["id"] for m in self.records}

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)
        with contextlib.suppress(Exception):
            self.consumer.commit(asynchronous=False)
        self.consumer.close()


def build(service: str, database_url: str, cluster: KafkaCluster) -> FastAPI:
    """A service as ``serve`` builds it (relay, consumer, sweeps), on the 3-broker cluster."""
    spec = SPECS[service]
    settings = spec.settings(
        database_url=database_url, **cluster.service_settings, log_json=False, log_level="WARNING"
    )
    return spec.create_app(settings)


async def published_event_ids(apps: dict[str, FastAPI]) -> dict[str, str]:
    """event id → topic of every row the four outboxes hold, once every row is published."""

    async def rows() -> list[Any]:
        found: list[Any] = []
        for app in apps.values():
            async with app.state.sessions() as s:
                found += (
                    await s.execute(
                        select(OutboxMessage.event_id, OutboxMessage.topic, OutboxMessage.published_at)
                    )
                ).all()
        return found

    done = await eventually(
        rows,
        until=lambda rs: bool(rs) and all(r.published_at is not None for r in rs),
        timeout_s=120,
        interval_s=0.2,
        what="every outbox row published",
    )
    return {r.event_id: r.topic for r in done}


async def test_outside_clients_read_every_record_of_a_cg_year(
    database_factory, kafka_cluster: KafkaCluster
) -> None:
    urls = {name: await database_factory("postgresql") for name in SERVICES}
    for name, url in urls.items():
        await migrate(name, url)
    apps = {name: build(name, urls[name], kafka_cluster) for name in SERVICES}
    declared = list(topics.ALL_TOPICS)
    await ensure_topics(
        SPECS["registry"].settings(database_url=urls["registry"], **kafka_cluster.service_settings), declared
    )
    reader = GroupReader(kafka_cluster.bootstrap, declared)
    await asyncio.to_thread(reader.start)
    try:
        async with contextlib.AsyncExitStack() as lifespans:
            for app in apps.values():
                await lifespans.enter_async_context(app.router.lifespan_context(app))
            router = AppRouter(apps)
            api = CgApi(ServiceUrls(**{n: f"http://{n}.test" for n in SERVICES}), transport=router)
            async with api:
                # The borough's registry: a few projects with their funding lines (an allocation adds lines to
                # the one the plan continues), one of them edited (project.updated).
                for i in range(3):
                    created = await api.post(
                        "registry",
                        "/v1/projects",
                        {
                            "title_ko": f"외부 소비자 계약 {uuid.uuid4().hex[:8]} {i}",
                            "sgg_code": SGG,
                            "funding_lines": [
                                {"source": "borough", "fiscal_year": 2026, "amount_krw": 1_000_000}
                            ],
                        },
                        headers=OFFICER,
                    )
                await api.write(
                    "registry",
                    "PATCH",
                    f"/v1/projects/{created['id']}",
                    {"title_en": "contract"},
                    headers=OFFICER,
                )
                narrator = RecordingNarrator()
                year = CgYear(
                    api, sgg_code=SGG, run_id=uuid.uuid4().hex[:6], narrator=narrator, timeout_s=120
                )
                report = await year.run_adoption_cycle()
                assert report.funded_items, "the scenario funded nothing"
            want = await published_event_ids(apps)
        # Every published event reaches the group (the apps are stopped: nothing new is written).
        await eventually(
            lambda: asyncio.to_thread(reader.ids),
            until=lambda seen: set(want) <= seen,
            timeout_s=60,
            interval_s=0.2,
            what=f"the librdkafka group to receive all {len(want)} published events",
        )
    finally:
        await asyncio.to_thread(reader.close)
    assert reader.errors == []

    doc = asyncapi()
    by_type = {m["name"]: name for name, m in doc["components"]["messages"].items()}
    per_topic: Counter[str] = Counter()
    read: set[str] = set()
    for msg in reader.records:
        headers = {k: v for k, v in (msg.headers() or [])}
        # cloudevents SDK, Kafka binding: mode from the headers, attributes from the value.
        event = from_kafka(KafkaMessage(headers=headers, key=msg.key(), value=msg.value()), JSONFormat())
        assert event.get_specversion() == "1.0"
        assert event.get_id() and event.get_source().startswith("/cg/")
        assert msg.key().decode() == event.get_subject()  # key = aggregate id
        value = json.loads(msg.value())
        assert value["id"] == event.get_id() and value["type"] == event.get_type()
        assert event.get_data() == value["data"]
        # A dead letter in a healthy CG year would be a bug: say which.
        assert not msg.topic().startswith("cg.dlq."), f"dead letter on {msg.topic()}: {value}"
        name = by_type[event.get_type()]
        errors = [
            e.message for e in validator_for(doc, f"components/messages/{name}/payload").iter_errors(value)
        ]
        assert errors == [], (name, errors)
        header_values = {k: v.decode() for k, v in headers.items()}
        header_errors = validator_for(doc, f"components/messages/{name}/headers").iter_errors(header_values)
        assert [e.message for e in header_errors] == [], name
        assert not any(k.startswith("ce_") for k in headers)
        # Our own models: the envelope, and the payload model registered for the type.
        ours = CloudEvent.from_json(msg.value())
        assert ours.type in EVENT_TYPES and ours.payload().event_type == ours.type
        assert EVENT_TYPES[ours.type].topic == msg.topic()
        per_topic[msg.topic()] += 1
        read.add(event.get_id())
    print(
        f"\n[outside clients] {len(reader.records)} records, {len(read)} events: {dict(sorted(per_topic.items()))}"
    )
    missing = {e: t for e, t in want.items() if e not in read}
    assert missing == {}, f"librdkafka group did not receive {len(missing)} of {len(want)} published events"
    # The year writes on every producer's topics, not one service's.
    assert {t.split(".")[1] for t in per_topic} == set(SERVICES)
