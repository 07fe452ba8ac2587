"""Event-bus guarantees of issue 2, through real PostgreSQL, real services and the session's 3-broker
Apache Kafka cluster (replication 3, ``min.insync.replicas=2``, idempotent ``acks=all`` producers):

- the same event delivered twice changes the read model once;
- a malformed message lands in the dead-letter topic and table with its error, later messages flow;
- a poisoned record redelivered after a consumer crash is dead-lettered once, not once per delivery;
- batch handlers get each run of consecutive new events at once, in partition order;
- a relay that crashes after sending but before marking published re-sends; consumers apply once;
- two relays on PostgreSQL publish every row exactly once, in outbox order (one key: one partition);
- a broker that lost acknowledged messages gets the recently published rows again, and outbox retention
  never deletes a row inside that re-queue window.

Outages are proven with real processes: the whole cluster frozen and killed mid-stream (POSTs answer
201, everything arrives once after the restart) in tests/reliability/test_fault_injection.py, and a
broker that comes back empty (Tansu's memory engine) in tests/reliability/test_broker_state_loss.py.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord
from sqlalchemy import func, select

from cg_planning.main import create_app as create_planning
from cg_planning.registry_projects.models import RegistryProject
from cg_planning.settings import PlanningSettings
from cg_registry.settings import RegistrySettings
from cg_shared.db import create_engine, make_sessionmaker, utcnow
from cg_shared.events import make_event, topics
from cg_shared.events.envelope import CloudEvent
from cg_shared.events.registry import ProjectRegistered, ProjectUpdated
from cg_shared.messaging.broker import ensure_topics, make_producer
from cg_shared.messaging.consumer import EventConsumer
from cg_shared.messaging.handlers import HandlerMap
from cg_shared.messaging.outbox import OutboxRelay, add_to_outbox, purge_published
from cg_shared.messaging.tables import DeadLetter, InboxMessage, OutboxMessage
from cg_shared.testing.helpers import eventually, migrate, running_app
from cg_shared.testing.kafka import KafkaCluster

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]


def project_event(title: str = "테스트 사업", *, version: int = 1, project_id: str | None = None):
    payload = ProjectRegistered(
        project_id=project_id or str(uuid.uuid4()),
        code=f"T-{uuid.uuid4().hex[:8]}",
        title_ko=title,
        sgg_code="11200",
        total_krw=5_000_000,
        version=version,
    )
    return make_event(payload, subject=payload.project_id)


async def count(sessions, model, *where) -> int:
    async with sessions() as s:
        return int(await s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def read_topic(
    bootstrap: str,
    topic: str,
    until: Callable[[list[ConsumerRecord[bytes, bytes]]], bool],
    *,
    key: bytes | None = None,
    timeout_s: float = 30,
) -> list[ConsumerRecord[bytes, bytes]]:
    """The topic's records from the beginning (only ``key``'s, if given) until ``until`` holds for them.

    The session's cluster holds other tests' records too: tests pick theirs by key or content."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    records: list[ConsumerRecord[bytes, bytes]] = []
    try:
        deadline = asyncio.get_running_loop().time() + timeout_s
        while not until(records):
            assert asyncio.get_running_loop().time() < deadline, f"{topic}: condition not met in {timeout_s}s"
            batch = await consumer.getmany(timeout_ms=300)
            for part in sorted(batch, key=lambda tp: tp.partition):
                records.extend(r for r in batch[part] if key is None or r.key == key)
    finally:
        await consumer.stop()
    return records


@pytest.fixture(scope="module")
def broker(kafka_cluster: KafkaCluster) -> KafkaCluster:
    """The session's 3-broker cluster (``broker.bootstrap``, ``broker.service_settings``)."""
    return kafka_cluster


@pytest.fixture(scope="module")
async def planning_stack(database_factory, broker: KafkaCluster):
    url = await database_factory("postgresql")
    await migrate("planning", url)
    app = create_planning(PlanningSettings(database_url=url, **broker.service_settings, log_json=False))
    async with running_app(app) as client:
        yield app, client


async def send_raw(bootstrap: str, topic: str, values: list[bytes], key: bytes = b"k") -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for value in values:
            await producer.send_and_wait(topic, value, key=key)
    finally:
        await producer.stop()


async def test_same_event_twice_changes_read_model_once(planning_stack, broker) -> None:
    app, client = planning_stack
    event = project_event("중복 전달 사업")
    await send_raw(broker.bootstrap, topics.REGISTRY_PROJECT, [event.to_json(), event.to_json()], key=b"dup")
    sentinel = project_event("뒤따르는 사업")
    await send_raw(broker.bootstrap, topics.REGISTRY_PROJECT, [sentinel.to_json()], key=b"dup")
    await eventually(
        lambda: client.get(f"/v1/registry-projects/{sentinel.subject}"),
        until=lambda r: r.status_code == 200,
        timeout_s=30,
        what="sentinel in read model",
    )
    sessions = app.state.sessions
    assert await count(sessions, RegistryProject, RegistryProject.project_id == event.subject) == 1
    assert await count(sessions, InboxMessage, InboxMessage.event_id == event.id) == 1
    assert app.state.consumer.processed >= 2


async def test_malformed_message_dead_lettered_and_flow_continues(planning_stack, broker) -> None:
    app, client = planning_stack
    good = project_event("정상 사업")
    bad_payload = project_event("형식 오류").model_copy(update={"data": {"project_id": 42}})
    await send_raw(
        broker.bootstrap,
        topics.REGISTRY_PROJECT,
        [b"{not json at all", bad_payload.to_json(), good.to_json()],
        key=b"poison",
    )
    await eventually(
        lambda: client.get(f"/v1/registry-projects/{good.subject}"),
        until=lambda r: r.status_code == 200,
        timeout_s=30,
        what="good message after poison",
    )
    sessions = app.state.sessions
    async with sessions() as s:
        letters = list((await s.execute(select(DeadLetter).order_by(DeadLetter.id))).scalars())
    assert [d.raw for d in letters][-2:] == ["{not json at all", bad_payload.to_json().decode()]
    assert "undecodable" in letters[-2].error
    assert "invalid payload" in letters[-1].error and letters[-1].event_id == bad_payload.id

    def both_dead_lettered(records: list[ConsumerRecord[bytes, bytes]]) -> bool:
        values = [r.value or b"" for r in records]
        return any(b"undecodable" in v for v in values) and any(bad_payload.id.encode() in v for v in values)

    dlq = await read_topic(broker.bootstrap, "cg.dlq.planning", both_dead_lettered)
    assert any(b"invalid payload" in (r.value or b"") for r in dlq)


async def test_relay_crash_after_send_resends_and_consumer_applies_once(
    planning_stack, broker, database_factory
):
    app, client = planning_stack
    url = await database_factory("postgresql")
    await migrate("registry", url)
    engine = create_engine(url)
    sessions = make_sessionmaker(engine)
    event = project_event("재전송 사업")
    async with sessions() as s, s.begin():
        add_to_outbox(s, ProjectRegistered.model_validate(event.data), subject=event.subject)
    settings = RegistrySettings(database_url=url, **broker.service_settings)
    producer = make_producer(settings)
    await producer.start()
    try:
        relay = OutboxRelay(service="registry", sessions=sessions, producer=producer)

        async def crash(session, ids):  # the process dies after the broker acknowledged
            raise RuntimeError("simulated crash before marking published")

        relay.mark_published = crash  # type: ignore[method-assign]
        with pytest.raises(RuntimeError):
            await relay.publish_batch()
        assert await count(sessions, OutboxMessage, OutboxMessage.published_at.is_(None)) == 1
        healthy = OutboxRelay(service="registry", sessions=sessions, producer=producer)
        assert await healthy.publish_batch() == 1
        assert await count(sessions, OutboxMessage, OutboxMessage.published_at.is_(None)) == 0
    finally:
        await producer.stop()
        await engine.dispose()
    project_id = ProjectRegistered.model_validate(event.data).project_id
    await eventually(
        lambda: client.get(f"/v1/registry-projects/{project_id}"),
        until=lambda r: r.status_code == 200,
        timeout_s=30,
    )
    # Both copies reach the consumer; only one is applied.
    inbox = app.state.sessions
    await eventually(
        lambda: count(inbox, InboxMessage),
        until=lambda n: n >= 1,
    )
    async with inbox() as s:
        applied = await s.scalar(
            select(func.count()).select_from(InboxMessage).where(InboxMessage.event_type == event.type)
        )
        rows = await s.scalar(
            select(func.count()).select_from(RegistryProject).where(RegistryProject.project_id == project_id)
        )
    assert rows == 1 and applied >= 1


async def test_two_relays_publish_each_row_once_in_order(database_factory, broker: KafkaCluster) -> None:
    url = await database_factory("postgresql")
    await migrate("registry", url)
    engine = create_engine(url)
    sessions = make_sessionmaker(engine)
    settings = RegistrySettings(database_url=url, **broker.service_settings)
    await ensure_topics(settings, [topics.REGISTRY_PROJECT])
    total = 120
    aggregate = f"same-aggregate-{uuid.uuid4().hex[:8]}"  # one key → one partition → order visible
    async with sessions() as s, s.begin():
        for i in range(total):
            payload = ProjectRegistered(
                project_id=f"{aggregate}-{i:04d}", code=f"C{i}", title_ko=f"사업 {i}", version=i
            )
            add_to_outbox(s, payload, subject=aggregate)
    producers = [make_producer(settings), make_producer(settings)]
    for p in producers:
        await p.start()
    relays = [
        OutboxRelay(service="registry", sessions=sessions, producer=p, batch_size=17) for p in producers
    ]
    try:

        async def drain(relay: OutboxRelay) -> int:
            sent = 0
            while await count(sessions, OutboxMessage, OutboxMessage.published_at.is_(None)):
                sent += await relay.publish_batch()
            return sent

        sent = await asyncio.gather(*(drain(r) for r in relays))
        assert sum(sent) == total
        records = await read_topic(
            broker.bootstrap, topics.REGISTRY_PROJECT, lambda rs: len(rs) >= total, key=aggregate.encode()
        )
    finally:
        for p in producers:
            await p.stop()
        await engine.dispose()
    assert len({r.partition for r in records}) == 1
    versions = [
        ProjectRegistered.model_validate(CloudEvent.from_json(r.value or b"").data).version for r in records
    ]
    assert Counter(versions) == Counter(range(total)), "every row once"
    assert versions == sorted(versions), "outbox order must be kept on the wire"


async def test_requeue_and_retention_respect_the_window(database_factory, broker) -> None:
    url = await database_factory("postgresql")
    await migrate("registry", url)
    engine = create_engine(url)
    sessions = make_sessionmaker(engine)
    ages = {"old": timedelta(days=10), "recent": timedelta(minutes=2), "pending": None}
    async with sessions() as s, s.begin():
        for name in ages:
            add_to_outbox(s, ProjectRegistered(project_id=name, code=name, title_ko=name), subject=name)
    async with sessions() as s, s.begin():
        for row in (await s.execute(select(OutboxMessage))).scalars():
            age = ages[row.key or ""]
            row.published_at = None if age is None else utcnow() - age

    async def state() -> dict[str, bool]:
        async with sessions() as s:
            rows = (await s.execute(select(OutboxMessage.key, OutboxMessage.published_at))).all()
        return {key: published is not None for key, published in rows}

    settings = RegistrySettings(database_url=url, **broker.service_settings)
    # Retention asked for 1 minute, but the re-queue window (5 minutes) is the floor.
    relay = OutboxRelay(
        service="registry",
        sessions=sessions,
        producer=make_producer(settings),
        requeue_window_s=300,
        retention_s=60,
    )
    try:
        assert relay.retention_s == 300
        await relay._maybe_purge()
        assert await state() == {"recent": True, "pending": False}, "only the 10-day-old row may go"
        assert await purge_published(sessions, older_than_s=300) == 0
        # A detected loss re-queues what was published inside the window, nothing older.
        assert await relay.requeue_recent() == 1
        assert await state() == {"recent": False, "pending": False}
    finally:
        await engine.dispose()


def consumer_record(offset: int, value: bytes, key: bytes = b"k") -> ConsumerRecord[bytes, bytes]:
    return ConsumerRecord(
        topic=topics.REGISTRY_PROJECT,
        partition=0,
        offset=offset,
        timestamp=0,
        timestamp_type=0,
        key=key,
        value=value,
        checksum=None,
        serialized_key_size=len(key),
        serialized_value_size=len(value),
        headers=[],
    )


async def test_poisoned_records_redelivered_after_a_crash_are_dead_lettered_once(
    database_factory, broker
) -> None:
    url = await database_factory("postgresql")
    await migrate("planning", url)
    engine = create_engine(url)
    sessions = make_sessionmaker(engine)
    settings = PlanningSettings(database_url=url, **broker.service_settings, consumer_max_attempts=2)
    handlers = HandlerMap()
    applied: list[str] = []

    @handlers.on(ProjectRegistered, name="test.bus.poison_sensitive")
    async def handle(session, event, payload) -> None:
        if payload.code == "POISON":
            raise ValueError("this record can never be applied")
        applied.append(event.id)

    poison = make_event(
        ProjectRegistered(project_id=(pid := str(uuid.uuid4())), code="POISON", title_ko="독"), subject=pid
    )
    good = project_event("정상 사업")
    invalid = project_event("형식 오류").model_copy(update={"data": {"project_id": 42}})
    records = [
        consumer_record(0, poison.to_json()),
        consumer_record(1, good.to_json()),
        consumer_record(2, b"{not json at all"),
        consumer_record(3, invalid.to_json()),
    ]
    try:
        # Each delivery by a fresh consumer, as after a crash between the database commits and the offset
        # commit; both the batch path and the record-by-record path see every record again.
        for _delivery in range(3):
            consumer = EventConsumer(
                settings=settings, sessions=sessions, handlers=handlers, topics=[topics.REGISTRY_PROJECT]
            )
            await consumer.process_batch(records)
            for record in records:
                await consumer.process(record)
        async with sessions() as s:
            letters = list((await s.execute(select(DeadLetter).order_by(DeadLetter.id))).scalars())
            dlq_rows = await s.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.topic == settings.dlq_topic)
            )
    finally:
        await engine.dispose()
    assert [(d.event_id, d.handler) for d in letters] == [
        (poison.id, "test.bus.poison_sensitive"),
        (None, None),
        (invalid.id, "test.bus.poison_sensitive"),
    ]
    assert dlq_rows == 3, "one dead-letter event per poisoned record, however often it was delivered"
    assert applied == [good.id]


async def test_batch_handlers_get_consecutive_new_events_in_order(database_factory, broker) -> None:
    url = await database_factory("postgresql")
    await migrate("planning", url)
    engine = create_engine(url)
    sessions = make_sessionmaker(engine)
    settings = PlanningSettings(database_url=url, **broker.service_settings)
    handlers = HandlerMap()
    calls: list[tuple[str, list[str]]] = []

    @handlers.on_batch(ProjectRegistered, name="test.bus.registered_batch")
    async def registered(session, items) -> None:
        if any(payload.code == "POISON" for _, payload in items):
            raise ValueError("this record can never be applied")
        calls.append(("batch", [payload.title_ko for _, payload in items]))

    @handlers.on(ProjectUpdated, name="test.bus.updated_single")
    async def updated(session, event, payload) -> None:
        calls.append(("single", [payload.title_ko]))

    def registered_event(title: str, code: str = "C") -> CloudEvent:
        return make_event(ProjectRegistered(project_id=title, code=code, title_ko=title), subject=title)

    a, b, c = registered_event("a"), registered_event("b"), registered_event("c")
    a_updated = make_event(ProjectUpdated(project_id="a", code="C", title_ko="a2", version=2), subject="a")
    consumer = EventConsumer(
        settings=settings, sessions=sessions, handlers=handlers, topics=[topics.REGISTRY_PROJECT]
    )
    try:
        # a twice (the copy is a duplicate within the batch); an update between a and b splits the run.
        batch = [a, a, a_updated, b, c]
        await consumer.process_batch([consumer_record(i, e.to_json()) for i, e in enumerate(batch)])
        assert calls == [("batch", ["a"]), ("single", ["a2"]), ("batch", ["b", "c"])]
        calls.clear()
        # Redelivered: nothing runs again.
        await consumer.process_batch([consumer_record(i, e.to_json()) for i, e in enumerate(batch)])
        assert calls == []
        # A failing run rolls the whole batch back; record by record the good ones apply, once each.
        d, poison, e = registered_event("d"), registered_event("poison", "POISON"), registered_event("e")
        await consumer.process_batch(
            [consumer_record(10 + i, x.to_json()) for i, x in enumerate([d, poison, e])]
        )
        assert calls == [("batch", ["d"]), ("batch", ["e"])]
        async with sessions() as s:
            inbox = {tuple(r) for r in await s.execute(select(InboxMessage.handler, InboxMessage.event_id))}
            letters = list((await s.execute(select(DeadLetter.event_id))).scalars())
    finally:
        await engine.dispose()
    assert inbox == {
        ("test.bus.registered_batch", a.id),
        ("test.bus.updated_single", a_updated.id),
        ("test.bus.registered_batch", b.id),
        ("test.bus.registered_batch", c.id),
        ("test.bus.registered_batch", d.id),
        ("test.bus.registered_batch", e.id),
        ("test.bus.registered_batch#dead-letter", poison.id),
    }
    assert letters == [poison.id]


async def test_a_commit_from_another_process_wakes_the_relay_through_notify(
    database_factory, broker: KafkaCluster
) -> None:
    """The bulk writer's rows go out in outbox order, woken by PostgreSQL NOTIFY alone: the relay is
    taken out of this process's in-process wake-ups (as if the writer were another process) and its
    polls are set far beyond the test's patience, so only the notification can start the batch."""
    from cg_shared.messaging.outbox import add_all_to_outbox
    from cg_shared.messaging.writer import relay_wakeups

    url = await database_factory("postgresql")
    await migrate("registry", url)
    relay_engine, writer_engine = create_engine(url), create_engine(url)
    sessions = make_sessionmaker(relay_engine)
    settings = RegistrySettings(database_url=url, **broker.service_settings)
    await ensure_topics(settings, [topics.REGISTRY_PROJECT])
    producer = make_producer(settings)
    await producer.start()
    relay = OutboxRelay(
        service="registry", sessions=sessions, producer=producer, idle_interval_s=600, listen_poll_s=600
    )
    task = asyncio.create_task(relay.run())
    aggregate = f"notify-{uuid.uuid4().hex[:8]}"
    try:
        await asyncio.wait_for(relay.ready.wait(), 60)
        assert relay.listening.is_set()
        relay_wakeups.discard(relay._wake)
        payloads = [
            ProjectRegistered(project_id=f"{aggregate}-{i}", code=f"N{i}", title_ko=f"사업 {i}", version=i)
            for i in range(3)
        ]
        async with make_sessionmaker(writer_engine)() as s, s.begin():
            written = await add_all_to_outbox(s, [(p, aggregate) for p in payloads])
        await eventually(
            lambda: count(sessions, OutboxMessage, OutboxMessage.published_at.is_(None)),
            until=lambda n: n == 0,
            timeout_s=60,
        )
        records = await read_topic(
            broker.bootstrap, topics.REGISTRY_PROJECT, lambda rs: len(rs) >= 3, key=aggregate.encode()
        )
    finally:
        relay.stop()
        await asyncio.wait_for(task, 30)
        await producer.stop()
        await relay_engine.dispose()
        await writer_engine.dispose()
    assert [CloudEvent.from_json(r.value or b"").id for r in records] == [e.id for e in written]
