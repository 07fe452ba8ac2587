"""Transactional outbox relay: publishes what ``add_to_outbox`` & co. (:mod:`.writer`) staged.

The relay takes unpublished rows in id order, sends them, waits for every broker acknowledgement and
only then marks them published, all inside one database transaction. A failed send (or a crash) rolls
the transaction back: nothing is marked, the rows are sent again later, and consumers drop the
duplicates through their inbox. Several relay replicas are safe: a relay publishes only while holding
the lease row lock (``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL), so the wire order is the outbox
id order — per-aggregate ordering is preserved.

Throughput: one transaction reads its rows in chunks of ``batch_size`` and queues each chunk on the
producer at once; the next chunk is read while the previous ones are in flight, up to
``max_batch_rows`` (or until no more rows come), and only then are all acknowledgements awaited and
the rows marked published in one statement (``id = ANY(…)``). Every guarantee is the transaction's, as
before: nothing is marked before the broker acknowledged it, and a failure re-sends the whole
transaction's rows (first copies keep their order; the inbox drops the repeats).

Wake-up: a commit that wrote outbox rows wakes the relay — in-process through an event, from any
process through PostgreSQL ``NOTIFY`` (issued in the writing transaction, :mod:`.writer`) on the
relay's ``LISTEN`` connection. While it listens — and the connection keeps hearing its own probe
notifications, which a transaction-mode pooler would not guarantee — the relay polls only as a
fallback (``listen_poll_s``); otherwise (SQLite, connection down, probe unheard) every
``idle_interval_s``.

Broker-loss detection (checkpoints of acknowledged offsets, read back after a suspicion, re-queue of
recent rows): :mod:`.loss`. Published rows are deleted after ``retention_s``, never inside the
re-queue window.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, NamedTuple

from aiokafka import AIOKafkaProducer
from prometheus_client import Counter, Gauge
from sqlalchemy import BigInteger, any_, delete, func, literal, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from cg_shared.db import utcnow
from cg_shared.events.envelope import KAFKA_HEADERS
from cg_shared.messaging.broker import bounded
from cg_shared.messaging.loss import (
    Ack,
    BrokerLossCheck,
    BrokerReset,
    BrokerSuspect,
    Checkpoint,
    _reconnected,
)
from cg_shared.messaging.tables import OutboxMessage, OutboxRelayLease
from cg_shared.messaging.writer import (
    OUTBOX_CHANNEL,
    add_all_to_outbox,
    add_raw_to_outbox,
    add_to_outbox,
    relay_wakeups,
)
from cg_shared.tracing import end_spans, kafka_trace_headers, start_producer_spans

__all__ = [
    "BrokerReset",
    "BrokerSuspect",
    "OutboxRelay",
    "add_all_to_outbox",
    "add_raw_to_outbox",
    "add_to_outbox",
    "pending_count",
    "purge_published",
]

log = logging.getLogger(__name__)

OUTBOX_PUBLISHED = Counter("cg_outbox_published_total", "Outbox rows published", ["service"])
OUTBOX_FAILURES = Counter("cg_outbox_publish_failures_total", "Failed relay batches", ["service"])
OUTBOX_PENDING = Gauge("cg_outbox_pending", "Unpublished outbox rows seen by the relay", ["service"])
OUTBOX_PURGED = Counter(
    "cg_outbox_purged_total", "Published outbox rows deleted after the retention period", ["service"]
)

DEFAULT_REQUEUE_WINDOW_S = 300.0
DEFAULT_RETENTION_S = 7 * 24 * 3600.0
LEASE_NAME = "default"
# How long the relay waits for its LISTEN connection before it reports ready anyway (it then polls).
LISTEN_START_TIMEOUT_S = 5.0
# How often, and how patiently, the LISTEN connection proves that it hears a probe NOTIFY.
LISTEN_PROBE_INTERVAL_S = 30.0
LISTEN_PROBE_TIMEOUT_S = 3.0
_ROW_COLUMNS = (
    OutboxMessage.id,
    OutboxMessage.topic,
    OutboxMessage.key,
    OutboxMessage.payload,
    OutboxMessage.event_type,
    OutboxMessage.event_id,
)


class _Sent(NamedTuple):
    """A record batch handed to the producer: its future and which of the rows it carries."""

    future: Any
    topic: str
    partition: int
    members: list[int]


class OutboxRelay(BrokerLossCheck):
    def __init__(
        self,
        *,
        service: str,
        sessions: async_sessionmaker[AsyncSession],
        producer: AIOKafkaProducer,
        batch_size: int = 200,
        max_batch_rows: int | None = None,
        idle_interval_s: float = 0.05,
        listen_poll_s: float = 2.0,
        on_unknown_topic: Callable[[], Awaitable[None]] | None = None,
        renew_producer: Callable[[AIOKafkaProducer], Awaitable[AIOKafkaProducer]] | None = None,
        requeue_window_s: float = DEFAULT_REQUEUE_WINDOW_S,
        retention_s: float | None = DEFAULT_RETENTION_S,
        purge_interval_s: float = 60.0,
        probe_timeout_s: float = 5.0,
        reader_kwargs: dict[str, Any] | None = None,
        send_timeout_s: float = 30.0,
    ) -> None:
        self.service = service
        self.sessions = sessions
        self.producer = producer
        # Rows per read; one transaction sends up to max_batch_rows of them before it awaits the acks.
        self.batch_size = batch_size
        self.max_batch_rows = max(batch_size, max_batch_rows or batch_size * 10)
        self.idle_interval_s = idle_interval_s
        # The fallback poll while LISTEN works (a missed notification waits at most this long).
        self.listen_poll_s = max(listen_poll_s, idle_interval_s)
        self.on_unknown_topic = on_unknown_topic
        self.renew_producer = renew_producer
        # How far back a broker may have lost acknowledged messages that nobody consumed yet: rows
        # published within it are re-sent when a loss is detected, and retention never deletes them.
        self.requeue_window_s = requeue_window_s
        self.retention_s = None if retention_s is None else max(retention_s, requeue_window_s)
        self.purge_interval_s = purge_interval_s
        self.probe_timeout_s = probe_timeout_s
        # Connection options of the consumer that reads acknowledged records back (client_kwargs).
        self.reader_kwargs = reader_kwargs
        self.send_timeout_s = send_timeout_s
        self._acked: dict[tuple[str, int], int] = {}
        # Last acknowledged record per partition, as stored in outbox_acks (loaded at the first check).
        self._checkpoints: dict[tuple[str, int], Checkpoint] | None = None
        self._connections: dict[Any, int] | None = None
        # Why the broker may have lost what it acknowledged (checked before the next send), or None.
        self._suspect: str | None = None
        # A detected loss whose re-queue has not committed yet (retried until it has).
        self._lost: str | None = None
        self._next_purge = 0.0
        self._next_count = 0.0
        self._draining = False
        self.requeued = 0
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._is_postgres: bool | None = None
        self._batch_checkpoints: dict[tuple[str, int], Checkpoint] = {}
        # Set once the first broker check (after a restart: reading the acknowledged records back)
        # has passed and the LISTEN connection is up, i.e. the next commit's rows go out at once;
        # /readyz waits for it.
        self.ready = asyncio.Event()
        self.listening = asyncio.Event()
        # Set once the first LISTEN attempt settled (listening, failed, or not PostgreSQL).
        self._listen_tried = asyncio.Event()
        self._lost_partitions: set[tuple[str, int]] = set()

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        relay_wakeups.add(self._wake)
        listener = asyncio.create_task(self._listen(), name=f"outbox-listen-{self.service}")
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._listen_tried.wait(), LISTEN_START_TIMEOUT_S)
            await self._loop()
        finally:
            relay_wakeups.discard(self._wake)
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await listener

    async def _loop(self) -> None:
        backoff = 0.2
        while not self._stopping.is_set():
            # Cleared before looking, so a commit that lands while a batch runs wakes the next sleep.
            self._wake.clear()
            try:
                await self.check_broker()
                if not self.ready.is_set():
                    await self.warm_up()
                    self.ready.set()
                sent = await self.publish_batch()
                backoff = 0.2
                if sent == 0:
                    await self._maybe_purge()
            except asyncio.CancelledError as exc:
                task = asyncio.current_task()
                if task is None or task.cancelling() > 0:
                    raise
                # A CancelledError leaking from aiokafka's internals is a failed batch, not a stop.
                OUTBOX_FAILURES.labels(self.service).inc()
                log.warning("outbox relay batch failed; will retry: stray %r", exc)
                await self._recover(RuntimeError("cancelled inside the Kafka client"))
                await asyncio.sleep(1.0)
                continue
            except Exception as exc:
                OUTBOX_FAILURES.labels(self.service).inc()
                log.warning("outbox relay batch failed; will retry: %r", exc)
                await self._recover(exc)
                # Back off for real: a commit's wake-up must not turn an outage into a busy loop.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            if not self._draining and sent == 0:
                poll = self.listen_poll_s if self.listening.is_set() else self.idle_interval_s
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), poll)

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    async def _listen(self) -> None:
        """Hold a ``LISTEN cg_outbox`` connection (PostgreSQL): every notification wakes the relay.
        Reconnects after a loss; meanwhile the relay polls at ``idle_interval_s``."""
        engine: AsyncEngine | None = self.sessions.kw.get("bind")
        if engine is None or engine.dialect.name != "postgresql":
            self._listen_tried.set()
            return
        backoff, failures = 0.5, 0
        while not self._stopping.is_set():
            try:
                await self._hold_listen(engine)
                backoff, failures = 0.5, 0
            except Exception as exc:
                failures += 1
                log.log(
                    logging.WARNING if failures == 1 else logging.DEBUG,
                    "outbox LISTEN unusable; polling every %.2f s meanwhile: %r",
                    self.idle_interval_s,
                    exc,
                )
            finally:
                self.listening.clear()
                self._listen_tried.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), backoff)
            backoff = min(backoff * 2, 60.0)

    async def _hold_listen(self, engine: AsyncEngine) -> None:
        """LISTEN, then prove it: a ``NOTIFY`` with a fresh token sent through another pooled connection
        must come back, at once and every ``LISTEN_PROBE_INTERVAL_S``. A transaction-mode pooler
        (PgBouncer in deploy/) hands the LISTEN's server connection to other clients, so notifications
        need not reach this one: the probe fails there and the relay keeps polling at
        ``idle_interval_s``; only a LISTEN that hears its probes slows the poll to ``listen_poll_s``."""
        conn = await engine.connect()
        try:
            driver: Any = (await conn.get_raw_connection()).driver_connection
            closed = asyncio.Event()
            heard: dict[str, asyncio.Event] = {}

            def on_notify(_conn: Any, _pid: int, _channel: str, payload: str) -> None:
                if payload in heard:
                    heard[payload].set()
                self._wake.set()

            await driver.add_listener(OUTBOX_CHANNEL, on_notify)
            driver.add_termination_listener(lambda _conn: closed.set())
            self._wake.set()  # rows committed before LISTEN took effect
            while not self._stopping.is_set() and not closed.is_set():
                token = uuid.uuid4().hex
                heard[token] = asyncio.Event()
                async with engine.connect() as sender:
                    await sender.exec_driver_sql(f"NOTIFY {OUTBOX_CHANNEL}, '{token}'")
                    await sender.commit()
                try:
                    await asyncio.wait_for(heard[token].wait(), LISTEN_PROBE_TIMEOUT_S)
                except TimeoutError:
                    raise RuntimeError("the LISTEN connection did not hear its own probe NOTIFY") from None
                finally:
                    heard.pop(token, None)
                self.listening.set()
                self._listen_tried.set()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(closed.wait(), LISTEN_PROBE_INTERVAL_S)
        finally:
            # Never back into the pool with a LISTEN on it.
            with contextlib.suppress(Exception):
                await conn.invalidate()
            with contextlib.suppress(Exception):
                await conn.close()

    async def _recover(self, exc: Exception) -> None:
        """After a failed batch: a reset is a detected loss (re-queue before anything else is sent);
        any other failure makes a loss possible (probe the log before the next send). Re-create
        missing topics (a broker that restarted empty fails sends with unknown-topic or timeout errors,
        or acknowledges into nothing) and start a fresh producer so no stale metadata survives."""
        if isinstance(exc, BrokerReset):
            self._lost = self._lost or str(exc)
        elif self._checkpoints:
            self._suspect = self._suspect or f"batch failed: {exc!r}"
        self._connections = None
        if self.on_unknown_topic is not None:
            try:
                await bounded(self.on_unknown_topic(), 30)
            except Exception:
                log.warning("topic re-creation failed", exc_info=True)
        if self.renew_producer is not None:
            try:
                self.producer = await bounded(self.renew_producer(self.producer), 30)
            except Exception:
                log.warning("producer renewal failed", exc_info=True)

    async def warm_up(self) -> None:
        """Before reporting ready, do once what the first batch would: compile and prepare the relay's
        statements (in a transaction that is rolled back) and connect to every broker its topics live
        on, so the first event after a start waits for neither (issue 19: cold start)."""
        await self._has_unpublished()
        async with self.sessions() as session:
            await session.begin()
            try:
                await self._acquire_lease(session)
                await self._read(session, after=None)
                await self._read(session, after=0)
                await OutboxRelay.mark_published(self, session, [])
                await pending_count(session)
            finally:
                await session.rollback()
        client: Any = getattr(self.producer, "client", None)
        if client is None:
            return
        for broker in client.cluster.brokers():
            with contextlib.suppress(Exception):
                await bounded(client.ready(broker.nodeId), 5)

    async def _maybe_purge(self) -> None:
        if self.retention_s is None:
            return
        now = asyncio.get_running_loop().time()
        if now < self._next_purge:
            return
        self._next_purge = now + self.purge_interval_s
        deleted = await purge_published(self.sessions, older_than_s=self.retention_s)
        if deleted:
            OUTBOX_PURGED.labels(self.service).inc(deleted)
            log.info("purged %d published outbox rows older than %.0f s", deleted, self.retention_s)

    async def publish_batch(self) -> int:
        """Publish one transaction's rows; returns how many (0 when idle or not the leader)."""
        # Draining a backlog (the last transaction stopped at its cap) goes straight to the lease; an
        # idle look first asks whether there is anything to do at all.
        if not self._draining and not await self._has_unpublished():
            OUTBOX_PENDING.labels(self.service).set(0)
            return 0
        self._draining = False
        async with self.sessions() as session, session.begin():
            if not await self._acquire_lease(session):
                return 0
            rows = await self._read(session, after=None)
            if not rows:
                OUTBOX_PENDING.labels(self.service).set(0)
                return 0
            if self._connections is not None and _reconnected(self._connections, self._broker_connections()):
                # The producer reconnected since the last batch: the broker may have restarted empty
                # and lost what it acknowledged. Settle that (and re-create topics) before sending.
                self._suspect = self._suspect or "producer reconnected while idle"
                raise BrokerSuspect(self._suspect)
            before = self._broker_connections()
            await self._gauge_pending(session, len(rows))
            sent, more = await self._send_all(session, rows)
            after = self._broker_connections()
            if _reconnected(before, after):
                # The acknowledgements may come from a broker that restarted in between: send the rows
                # again, after checking whether the broker kept what it acknowledged before.
                self._suspect = self._suspect or "producer reconnected during a batch"
                raise BrokerSuspect(self._suspect)
            self._connections = after
            await self.mark_published(session, [r.id for r in sent])
            await self.save_checkpoints(session, self._batch_checkpoints)
        OUTBOX_PUBLISHED.labels(self.service).inc(len(sent))
        self._draining = more
        return len(sent)

    async def _read(self, session: AsyncSession, *, after: int | None) -> list[Any]:
        """The next ``batch_size`` unpublished rows in id order (after ``after`` within a transaction).
        Plain rows, not ORM entities: the relay only reads these columns and marks by id."""
        query = select(*_ROW_COLUMNS).where(OutboxMessage.published_at.is_(None))
        if after is not None:
            query = query.where(OutboxMessage.id > after)
        return list((await session.execute(query.order_by(OutboxMessage.id).limit(self.batch_size))).all())

    async def _gauge_pending(self, session: AsyncSession, read: int) -> None:
        # The gauge the runbook alerts on: exact when the backlog fits in a read, otherwise counted
        # (at most once a second: counting a large backlog for every batch would slow draining it).
        if read < self.batch_size:
            OUTBOX_PENDING.labels(self.service).set(read)
        elif (now := asyncio.get_running_loop().time()) >= self._next_count:
            self._next_count = now + 1.0
            OUTBOX_PENDING.labels(self.service).set(await pending_count(session))

    async def _send_all(self, session: AsyncSession, rows: list[Any]) -> tuple[list[Any], bool]:
        """Queue ``rows``, then read and queue the next chunks while the earlier ones are in flight (up
        to ``max_batch_rows``); then wait for every acknowledgement: one failure fails them all.
        Returns the rows sent and whether more are waiting."""
        sent: list[Any] = []
        batches: list[_Sent] = []
        spans: list[Any] = []
        while rows:
            spans += start_producer_spans(self.service, rows)  # tracing: one PRODUCER span per event
            more = len(rows) == self.batch_size and len(sent) + len(rows) < self.max_batch_rows
            # The next read runs while this chunk is queued (only that task uses the session meanwhile).
            following = asyncio.ensure_future(self._read(session, after=rows[-1].id)) if more else None
            try:
                # Bounded: an idempotent aiokafka producer retries a batch without end after the only
                # broker restarted (the dev stack's relay waited for acknowledgements for good). A
                # timeout fails the transaction; the relay renews the producer and sends the rows again.
                batches += await bounded(self._queue(rows, first=len(sent)), self.send_timeout_s)
            except BaseException:
                if following is not None:
                    following.cancel()
                    with contextlib.suppress(BaseException):
                        await following
                raise
            sent += rows
            rows = await following if following is not None else []
        # Stopped at the cap: more are probably waiting (the next transaction skips the idle look).
        more = len(sent) >= self.max_batch_rows
        results = await bounded(asyncio.gather(*(b.future for b in batches)), self.send_timeout_s)
        end_spans(spans)
        self._batch_checkpoints = self.note_acks(sent, self._acks(sent, batches, results))
        return sent, more

    async def _queue(self, rows: list[Any], *, first: int = 0) -> list[_Sent]:
        """Hand the rows to the producer in order, as record batches per partition (``send_batch``):
        a record costs an append to a batch instead of a ``send`` call and a future of its own. The
        partition is the producer's own choice for the key (its partitioner, as ``send`` would pick);
        a partition's batches are queued in row order, so its records keep the outbox order. A batch
        lists the indices (from ``first``) of the rows it carries."""
        producer: Any = self.producer
        open_batches: dict[tuple[str, int], tuple[Any, list[int]]] = {}
        sent: list[_Sent] = []
        partition_of: dict[tuple[str, bytes | None], int] = {}

        async def submit(topic: str, partition: int) -> None:
            batch, members = open_batches.pop((topic, partition))
            future = await producer.send_batch(batch, topic, partition=partition)
            sent.append(_Sent(future, topic, partition, members))

        for topic in {row.topic for row in rows}:
            await producer.client._wait_on_metadata(topic)
        for index, row in enumerate(rows, start=first):
            key = row.key.encode() if row.key else None
            partition = partition_of.get((row.topic, key)) if key is not None else None
            if partition is None:
                partition = producer._partition(row.topic, None, None, None, key, None)
                if key is not None:
                    partition_of[(row.topic, key)] = partition
            value = row.payload.encode()
            headers = [*KAFKA_HEADERS, *kafka_trace_headers(row.payload)]
            for _ in range(2):
                if (row.topic, partition) not in open_batches:
                    open_batches[(row.topic, partition)] = (producer.create_batch(), [])
                batch, members = open_batches[(row.topic, partition)]
                if batch.append(timestamp=None, key=key, value=value, headers=headers) is not None:
                    members.append(index)
                    break
                await submit(row.topic, partition)  # full: queue it, start the next one
            else:
                raise ValueError(f"outbox row {row.id} does not fit in a record batch")
        for topic, partition in list(open_batches):
            await submit(topic, partition)
        return sent

    @staticmethod
    def _acks(rows: list[Any], sent: list[_Sent], results: list[Any]) -> list[Ack]:
        """Per row, where the broker put it: a batch's records sit at consecutive offsets from its base."""
        acks: list[Ack | None] = [None] * len(rows)
        for batch, metadata in zip(sent, results, strict=True):
            for position, index in enumerate(batch.members):
                acks[index] = Ack(batch.topic, batch.partition, metadata.offset + position)
        return [ack for ack in acks if ack is not None]

    async def mark_published(self, session: AsyncSession, ids: list[int]) -> None:
        """One statement for the whole transaction: ``id = ANY(array)`` on PostgreSQL (one parameter
        and one prepared statement whatever the count), ``IN`` on SQLite."""
        if self._is_postgres is None:
            self._is_postgres = session.get_bind().dialect.name == "postgresql"
        if self._is_postgres:
            match = OutboxMessage.id == any_(literal(ids, ARRAY(BigInteger)))
        else:
            match = OutboxMessage.id.in_(ids)
        await session.execute(
            update(OutboxMessage)
            .where(match)
            .values(published_at=utcnow(), attempts=OutboxMessage.attempts + 1)
            .execution_options(synchronize_session=False)
        )

    async def _has_unpublished(self) -> bool:
        """One indexed read, no lock and no write: an idle relay polls with this alone (taking the lease
        on every poll wrote, and so fsynced, the lease row 20 times a second per service)."""
        async with self.sessions() as session:
            found = await session.scalar(
                select(OutboxMessage.id).where(OutboxMessage.published_at.is_(None)).limit(1)
            )
            await session.rollback()
        return found is not None

    async def _acquire_lease(self, session: AsyncSession) -> bool:
        if self._is_postgres is None:
            self._is_postgres = session.get_bind().dialect.name == "postgresql"
        if not self._is_postgres:
            return True  # SQLite serialises writers itself; there is one process per database file
        lease = (
            await session.execute(
                select(OutboxRelayLease)
                .where(OutboxRelayLease.name == LEASE_NAME)
                .with_for_update(skip_locked=True)
            )
        ).scalar_one_or_none()
        if lease is None:
            exists = await session.scalar(
                select(func.count()).select_from(OutboxRelayLease).where(OutboxRelayLease.name == LEASE_NAME)
            )
            if exists:
                return False  # another relay holds it right now
            session.add(OutboxRelayLease(name=LEASE_NAME, holder=self.holder, renewed_at=utcnow()))
            await session.flush()
            return True
        now = utcnow()
        # The row lock is what excludes other relays; the row itself only says who holds it (for
        # operators), so it is rewritten when the holder changes or once a second, not every batch.
        renewed = lease.renewed_at
        if lease.holder != self.holder or renewed is None or (now - renewed).total_seconds() >= 1.0:
            lease.holder = self.holder
            lease.renewed_at = now
        return True


async def purge_published(
    sessions: async_sessionmaker[AsyncSession], *, older_than_s: float, chunk: int = 5000
) -> int:
    """Delete published rows older than ``older_than_s`` (at most ``chunk`` per call); returns how many.

    Callers keep ``older_than_s`` at or above the relay's re-queue window: a row inside it may still
    have to be sent again."""
    cutoff = utcnow() - timedelta(seconds=older_than_s)
    async with sessions() as session, session.begin():
        ids = (
            select(OutboxMessage.id)
            .where(OutboxMessage.published_at.is_not(None), OutboxMessage.published_at < cutoff)
            .order_by(OutboxMessage.id)
            .limit(chunk)
            .scalar_subquery()
        )
        result: Any = await session.execute(
            delete(OutboxMessage)
            .where(OutboxMessage.id.in_(ids))
            .execution_options(synchronize_session=False)
        )
    return int(result.rowcount or 0)


async def pending_count(session: AsyncSession) -> int:
    value: Any = await session.scalar(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.published_at.is_(None))
    )
    return int(value or 0)
