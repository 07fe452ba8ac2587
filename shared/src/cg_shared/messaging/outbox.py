"""Transactional outbox: ``add_to_outbox`` in the caller's transaction; ``OutboxRelay`` publishes.

The relay takes a batch of unpublished rows in id order, sends them, waits for every broker
acknowledgement and only then marks them published, all inside one database transaction. A failed
send (or a crash) rolls the transaction back: nothing is marked, the whole batch is sent again later,
and consumers drop the duplicates through their inbox. Several relay replicas are safe: a relay
publishes only while holding the lease row lock (``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL), so
the wire order is the outbox id order — per-aggregate ordering is preserved.

An acknowledgement is not the end of the story: a broker can lose what it acknowledged (Tansu's memory
engine on restart, an unclean leader election, a recreated topic). In the transaction that marks a batch
published the relay also stores, per partition, the offset and CloudEvent id of the last record the
broker acknowledged (``outbox_acks``), so the evidence survives a relay restart. Whenever the relay has
reason to suspect a loss (it just started, its producer reconnected, a batch failed, an acknowledgement
came back at an offset it had already seen), it reads the record at each stored offset back from the
broker and compares ids. It concludes "lost" only on the broker's own word: the topic or partition is
gone, the offset is past the log's end and not below its start (retention), or another record sits
there. A broker that merely stalls answers nothing, which settles nothing: the question is asked again
and no new row is sent meanwhile, but nothing is re-queued. A reported log end offset (which a broker
may under-report) is never consulted. On a loss the rows published within ``requeue_window_s`` are
marked unpublished again (logged, counted in ``cg_outbox_requeued_total``) and re-sent; consumers'
inboxes drop the repeats. Published rows are deleted after ``retention_s``, never inside the re-queue
window.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError, OffsetOutOfRangeError
from prometheus_client import Counter, Gauge
from sqlalchemy import delete, event, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from cg_shared.db import utcnow
from cg_shared.events.envelope import KAFKA_HEADERS, CloudEvent, EventPayload, make_event
from cg_shared.messaging.broker import bounded
from cg_shared.messaging.tables import OutboxAck, OutboxMessage, OutboxRelayLease
from cg_shared.tracing import end_spans, kafka_trace_headers, start_producer_spans

log = logging.getLogger(__name__)

OUTBOX_PUBLISHED = Counter("cg_outbox_published_total", "Outbox rows published", ["service"])
OUTBOX_FAILURES = Counter("cg_outbox_publish_failures_total", "Failed relay batches", ["service"])
OUTBOX_PENDING = Gauge("cg_outbox_pending", "Unpublished outbox rows seen by the relay", ["service"])
OUTBOX_REQUEUED = Counter(
    "cg_outbox_requeued_total",
    "Published outbox rows marked unpublished again because the broker lost acknowledged messages",
    ["service"],
)
BROKER_STATE_LOSSES = Counter(
    "cg_outbox_broker_state_losses_total",
    "Times the relay found the broker's log shorter than what it had acknowledged",
    ["service"],
)
OUTBOX_PURGED = Counter(
    "cg_outbox_purged_total", "Published outbox rows deleted after the retention period", ["service"]
)

DEFAULT_REQUEUE_WINDOW_S = 300.0
DEFAULT_RETENTION_S = 7 * 24 * 3600.0
Checkpoint = tuple[int, str]  # offset, CloudEvent id of the last acknowledged record of a partition

LEASE_NAME = "default"
_WAKE_FLAG = "cg_outbox_written"
_relay_wakeups: set[asyncio.Event] = set()


@event.listens_for(Session, "after_commit")
def _wake_relays(session: Session) -> None:
    # A committed outbox row should go out now, not at the next poll: keeps propagation latency low.
    if session.info.pop(_WAKE_FLAG, False):
        for wake in _relay_wakeups:
            wake.set()


@event.listens_for(Session, "after_rollback")
def _forget_wake(session: Session) -> None:
    session.info.pop(_WAKE_FLAG, None)


def add_to_outbox(
    session: AsyncSession,
    payload: EventPayload,
    *,
    subject: str,
    key: str | None = None,
    topic: str | None = None,
) -> CloudEvent:
    """Stage an event in the caller's transaction. Nothing touches the broker here."""
    cloud_event = make_event(payload, subject=subject)
    add_raw_to_outbox(
        session,
        cloud_event,
        topic=topic or payload.topic,
        key=key or subject,
    )
    return cloud_event


def add_raw_to_outbox(session: AsyncSession, cloud_event: CloudEvent, *, topic: str, key: str | None) -> None:
    session.add(
        OutboxMessage(
            event_id=cloud_event.id,
            event_type=cloud_event.type,
            topic=topic,
            key=key,
            payload=cloud_event.to_json().decode(),
            created_at=utcnow(),
        )
    )
    session.info[_WAKE_FLAG] = True


class BrokerReset(Exception):
    """An acknowledgement came back at an offset at or below one already acknowledged for that
    partition: the broker lost its log (Tansu's memory engine restarted, or the topic was recreated).
    Tansu even acknowledges writes to topics it no longer has and drops them, so the batch is not
    marked published; recently published rows are re-queued, topics are re-created and the batch is
    sent again."""


class BrokerSuspect(Exception):
    """The producer reconnected: whether the broker kept what it acknowledged is checked first."""


def _event_id(value: bytes | None) -> str | None:
    try:
        return CloudEvent.from_json(value or b"").id
    except ValueError:
        return None


def _reconnected(before: dict[Any, int], after: dict[Any, int]) -> bool:
    """A connection that existed before was replaced or dropped (new connections alone are normal)."""
    return any(after.get(key) != ident for key, ident in before.items() if "bootstrap" not in str(key))


class OutboxRelay:
    def __init__(
        self,
        *,
        service: str,
        sessions: async_sessionmaker[AsyncSession],
        producer: AIOKafkaProducer,
        batch_size: int = 200,
        idle_interval_s: float = 0.05,
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
        self.batch_size = batch_size
        self.idle_interval_s = idle_interval_s
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
        # has passed, i.e. the next commit's rows go out at once; /readyz waits for it.
        self.ready = asyncio.Event()
        self._lost_partitions: set[tuple[str, int]] = set()

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        _relay_wakeups.add(self._wake)
        backoff = 0.2
        try:
            while not self._stopping.is_set():
                try:
                    await self.check_broker()
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
                if sent < self.batch_size:
                    await self._sleep(self.idle_interval_s if sent == 0 else 0)
        finally:
            _relay_wakeups.discard(self._wake)

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    async def _sleep(self, seconds: float) -> None:
        if seconds <= 0:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)
        self._wake.clear()

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

    async def check_broker(self) -> None:
        """Make sure the broker still holds what it acknowledged; re-queue recent rows if it does not.

        Cheap when nothing happened (a comparison of connection identities). At the first call (a relay
        restart), after a reconnection or after a failed batch it reads the last acknowledged record of
        every partition back; raises (the caller retries) while the broker cannot answer, so nothing
        new is sent before the question is settled."""
        if self._checkpoints is None:
            self._checkpoints = await self.load_checkpoints()
            if self._checkpoints:
                self._suspect = self._suspect or "relay started"
        if self._lost is None and self._checkpoints:
            now = self._broker_connections()
            if self._connections is not None and _reconnected(self._connections, now):
                self._suspect = self._suspect or "producer reconnected"
            self._connections = now
            if self._suspect is not None:
                lost = await bounded(
                    self.verify_checkpoints(dict(self._checkpoints)), self.probe_timeout_s * 3
                )
                if lost:
                    self._lost = f"{self._suspect}; " + "; ".join(
                        f"{t}[{p}]: {why}" for (t, p), why in sorted(lost.items())
                    )
                    self._lost_partitions = set(lost)
                self._suspect = None
        if self._lost is not None:
            reason = self._lost
            requeued = await self.requeue_recent(forget=self._lost_partitions)
            self._lost = None
            self._lost_partitions = set()
            self._acked.clear()
            BROKER_STATE_LOSSES.labels(self.service).inc()
            log.warning(
                "broker lost acknowledged messages (%s): re-queued %d outbox rows published in the last "
                "%.0f s; consumers drop the ones they already applied",
                reason,
                requeued,
                self.requeue_window_s,
                extra={"requeued": requeued, "window_s": self.requeue_window_s},
            )
            # The broker restarted empty: re-create topics and drop stale metadata before sending.
            await self._recover(RuntimeError("broker state lost"))
            self._suspect = None
            self._connections = None

    async def load_checkpoints(self) -> dict[tuple[str, int], Checkpoint]:
        async with self.sessions() as session:
            rows = (
                await session.execute(
                    select(OutboxAck.topic, OutboxAck.partition, OutboxAck.offset, OutboxAck.event_id)
                )
            ).all()
            await session.rollback()
        return {(r.topic, r.partition): (int(r.offset), r.event_id) for r in rows}

    def _reader(self) -> AIOKafkaConsumer:
        kwargs = dict(self.reader_kwargs or {})
        if "bootstrap_servers" not in kwargs:
            kwargs["bootstrap_servers"] = getattr(
                self.producer.client, "_bootstrap_servers", "127.0.0.1:9092"
            )
        kwargs.pop("client_id", None)
        return AIOKafkaConsumer(
            **kwargs,
            client_id=f"cg-{self.service}-relay-check",
            enable_auto_commit=False,
            auto_offset_reset="none",
            fetch_max_wait_ms=100,
            max_partition_fetch_bytes=1_048_576,
            request_timeout_ms=int(self.probe_timeout_s * 1000) + 1000,
        )

    async def verify_checkpoints(
        self, checkpoints: dict[tuple[str, int], Checkpoint]
    ) -> dict[tuple[str, int], str]:
        """Read the record at every checkpoint back; returns the partitions the broker lost (and why).

        Only the broker's own answers count as a loss: no such topic or partition, an out-of-range
        offset that is not below the log start (retention removed it), or another record at that
        offset. Silence raises ``KafkaError`` (inconclusive: asked again later)."""
        reader = self._reader()
        lost: dict[tuple[str, int], str] = {}
        try:
            await reader.start()
            await reader._client.force_metadata_update()
            pending: dict[TopicPartition, Checkpoint] = {}
            for (topic, partition), checkpoint in checkpoints.items():
                known = reader._client.cluster.partitions_for_topic(topic)
                if not known or partition not in known:
                    lost[(topic, partition)] = "the broker no longer has this topic/partition"
                else:
                    pending[TopicPartition(topic, partition)] = checkpoint
            if not pending:
                return lost
            reader.assign(list(pending))
            for tp, (offset, _) in pending.items():
                reader.seek(tp, offset)
            deadline = asyncio.get_running_loop().time() + self.probe_timeout_s
            while pending:
                if asyncio.get_running_loop().time() > deadline:
                    raise KafkaError(
                        f"no answer for the acknowledged records of {sorted(map(tuple, pending))}"
                    )
                try:
                    batches = await reader.getmany(*pending, timeout_ms=300, max_records=len(pending) * 4)
                except OffsetOutOfRangeError as exc:
                    out: dict[TopicPartition, int] = exc.args[0] if exc.args else {}
                    starts = await reader.beginning_offsets(list(out))
                    for tp, offset in out.items():
                        if offset >= starts.get(tp, 0):
                            lost[(tp.topic, tp.partition)] = f"offset {offset} is past the end of the log"
                        pending.pop(tp, None)
                    if pending:
                        reader.assign(list(pending))
                        for tp, (offset, _) in pending.items():
                            reader.seek(tp, offset)
                    continue
                for tp in list(pending):
                    # The broker answered a fetch of this partition and says it is empty (high watermark
                    # 0) although it acknowledged a record there: its log was wiped (a memory broker
                    # restarted). An empty answer, not silence; a broker that under-reports its end
                    # offset by a few records still reports more than 0 for a partition it holds.
                    if not batches.get(tp) and reader.highwater(tp) == 0:
                        lost[(tp.topic, tp.partition)] = (
                            f"the partition is empty although offset {pending[tp][0]} was acknowledged"
                        )
                        pending.pop(tp)
                        reader.pause(tp)
                for tp, records in batches.items():
                    if tp not in pending or not records:
                        continue
                    offset, event_id = pending.pop(tp)
                    first = records[0]
                    found = _event_id(first.value) if first.offset == offset else None
                    if found != event_id:
                        lost[(tp.topic, tp.partition)] = (
                            f"offset {offset} holds {found!r} instead of {event_id!r}"
                            if first.offset == offset
                            else f"offset {offset} is gone (next record at {first.offset})"
                        )
                    reader.pause(tp)
            return lost
        finally:
            with contextlib.suppress(Exception):
                await bounded(reader.stop(), 5)

    async def requeue_recent(self, *, forget: set[tuple[str, int]] | None = None) -> int:
        """Mark rows published within the re-queue window unpublished again; returns how many.
        ``forget``: checkpoints of partitions found lost, deleted in the same transaction."""
        since = utcnow() - timedelta(seconds=self.requeue_window_s)
        async with self.sessions() as session, session.begin():
            for topic, partition in forget or ():
                await session.execute(
                    delete(OutboxAck).where(OutboxAck.topic == topic, OutboxAck.partition == partition)
                )
                if self._checkpoints is not None:
                    self._checkpoints.pop((topic, partition), None)
            result: Any = await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.published_at.is_not(None), OutboxMessage.published_at >= since)
                .values(published_at=None, last_error="re-queued: the broker lost acknowledged messages")
                .execution_options(synchronize_session=False)
            )
        count = int(result.rowcount or 0)
        self.requeued += count
        OUTBOX_REQUEUED.labels(self.service).inc(count)
        return count

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
        """Publish one batch; returns how many rows were published (0 when idle or not the leader)."""
        # Draining a backlog (the last batch was full) goes straight to the lease; an idle poll first
        # looks whether there is anything to do at all.
        if not self._draining and not await self._has_unpublished():
            OUTBOX_PENDING.labels(self.service).set(0)
            return 0
        self._draining = False
        async with self.sessions() as session, session.begin():
            if not await self._acquire_lease(session):
                return 0
            # Plain rows, not ORM entities: the relay only reads these columns and marks by id.
            rows: list[Any] = list(
                (
                    await session.execute(
                        select(
                            OutboxMessage.id,
                            OutboxMessage.topic,
                            OutboxMessage.key,
                            OutboxMessage.payload,
                            OutboxMessage.event_type,
                            OutboxMessage.event_id,
                        )
                        .where(OutboxMessage.published_at.is_(None))
                        .order_by(OutboxMessage.id)
                        .limit(self.batch_size)
                    )
                ).all()
            )
            if not rows:
                OUTBOX_PENDING.labels(self.service).set(0)
                return 0
            if self._connections is not None and _reconnected(self._connections, self._broker_connections()):
                # The producer reconnected since the last batch: the broker may have restarted empty
                # and lost what it acknowledged. Settle that (and re-create topics) before sending.
                self._suspect = self._suspect or "producer reconnected while idle"
                raise BrokerSuspect(self._suspect)
            before = self._broker_connections()
            # The gauge the runbook alerts on: exact when the backlog fits in a batch, otherwise counted
            # (at most once a second: counting a large backlog for every batch would slow draining it).
            if len(rows) < self.batch_size:
                OUTBOX_PENDING.labels(self.service).set(len(rows))
            elif (now := asyncio.get_running_loop().time()) >= self._next_count:
                self._next_count = now + 1.0
                OUTBOX_PENDING.labels(self.service).set(await pending_count(session))
            await self.send(rows)
            after = self._broker_connections()
            if _reconnected(before, after):
                # The acknowledgements may come from a broker that restarted in between: send the batch
                # again, after checking whether the broker kept what it acknowledged before.
                self._suspect = self._suspect or "producer reconnected during a batch"
                raise BrokerSuspect(self._suspect)
            self._connections = after
            await self.mark_published(session, [r.id for r in rows])
            await self.save_checkpoints(session, self._batch_checkpoints)
        OUTBOX_PUBLISHED.labels(self.service).inc(len(rows))
        self._draining = len(rows) == self.batch_size
        return len(rows)

    async def _has_unpublished(self) -> bool:
        """One indexed read, no lock and no write: an idle relay polls with this alone (taking the lease
        on every poll wrote, and so fsynced, the lease row 20 times a second per service)."""
        async with self.sessions() as session:
            found = await session.scalar(
                select(OutboxMessage.id).where(OutboxMessage.published_at.is_(None)).limit(1)
            )
            await session.rollback()
        return found is not None

    def _broker_connections(self) -> dict[Any, int]:
        """Identity of the producer's broker connections; a change means it reconnected."""
        conns = getattr(getattr(self.producer, "client", None), "_conns", None) or {}
        return {key: id(conn) for key, conn in conns.items()}

    async def send(self, rows: list[Any]) -> None:
        spans = start_producer_spans(self.service, rows)  # tracing: one PRODUCER span per event

        # Queue the whole batch, then wait for every acknowledgement: one failure fails the batch.
        async def queue() -> list[Any]:
            return [
                await self.producer.send(
                    row.topic,
                    value=row.payload.encode(),
                    key=row.key.encode() if row.key else None,
                    headers=[*KAFKA_HEADERS, *kafka_trace_headers(row.payload)],
                )
                for row in rows
            ]

        # Bounded: an idempotent aiokafka producer retries a batch without end after the only broker
        # restarted (the dev stack's relay waited for acknowledgements for good). A timeout fails the
        # batch; the relay renews the producer and sends the batch again.
        futures = await bounded(queue(), self.send_timeout_s)
        acks = await bounded(asyncio.gather(*futures), self.send_timeout_s)
        end_spans(spans)
        latest: dict[tuple[str, int], Checkpoint] = {}
        for row, md in zip(rows, acks, strict=True):
            key = (md.topic, md.partition)
            if key not in latest or md.offset > latest[key][0]:
                latest[key] = (md.offset, row.event_id)
        self._batch_checkpoints = latest
        reset = [
            (md.topic, md.partition)
            for md in acks
            if (md.topic, md.partition) in self._acked and md.offset <= self._acked[(md.topic, md.partition)]
        ]
        if reset:
            self._lost_partitions |= set(reset)
            raise BrokerReset(f"broker log went backwards on {sorted(set(reset))}")
        for md in acks:
            key = (md.topic, md.partition)
            self._acked[key] = max(md.offset, self._acked.get(key, -1))

    async def mark_published(self, session: AsyncSession, ids: list[int]) -> None:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids))
            .values(published_at=utcnow(), attempts=OutboxMessage.attempts + 1)
        )

    async def save_checkpoints(
        self, session: AsyncSession, latest: dict[tuple[str, int], Checkpoint]
    ) -> None:
        """Upsert the last acknowledged record per partition (same transaction as the published mark)."""
        if not latest:
            return
        dialect = session.get_bind().dialect.name
        insert: Any = pg_insert if dialect == "postgresql" else sqlite_insert
        now = utcnow()
        stmt = insert(OutboxAck).values(
            [
                {"topic": t, "partition": p, "offset": o, "event_id": e, "acked_at": now}
                for (t, p), (o, e) in sorted(latest.items())
            ]
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["topic", "partition"],
            set_={
                "offset": stmt.excluded.offset,
                "event_id": stmt.excluded.event_id,
                "acked_at": stmt.excluded.acked_at,
            },
        )
        await session.execute(stmt)
        if self._checkpoints is not None:
            self._checkpoints.update(latest)

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
