"""Transactional outbox: ``add_to_outbox`` in the caller's transaction; ``OutboxRelay`` publishes.

The relay takes a batch of unpublished rows in id order, sends them, waits for every broker
acknowledgement and only then marks them published, all inside one database transaction. A failed
send (or a crash) rolls the transaction back: nothing is marked, the whole batch is sent again later,
and consumers drop the duplicates through their inbox. Several relay replicas are safe: a relay
publishes only while holding the lease row lock (``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL), so
the wire order is the outbox id order — per-aggregate ordering is preserved.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from typing import Any

from aiokafka import AIOKafkaProducer
from prometheus_client import Counter, Gauge
from sqlalchemy import event, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from cg_shared.db import utcnow
from cg_shared.events.envelope import CloudEvent, EventPayload, make_event
from cg_shared.messaging.tables import OutboxMessage, OutboxRelayLease

log = logging.getLogger(__name__)

OUTBOX_PUBLISHED = Counter("cg_outbox_published_total", "Outbox rows published", ["service"])
OUTBOX_FAILURES = Counter("cg_outbox_publish_failures_total", "Failed relay batches", ["service"])
OUTBOX_PENDING = Gauge("cg_outbox_pending", "Unpublished outbox rows seen by the relay", ["service"])

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
    marked published; topics are re-created and the batch is sent again."""


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
    ) -> None:
        self.service = service
        self.sessions = sessions
        self.producer = producer
        self.batch_size = batch_size
        self.idle_interval_s = idle_interval_s
        self.on_unknown_topic = on_unknown_topic
        self.renew_producer = renew_producer
        self._acked: dict[tuple[str, int], int] = {}
        self._connections: dict[Any, int] | None = None
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._is_postgres: bool | None = None

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        _relay_wakeups.add(self._wake)
        backoff = 0.2
        try:
            while not self._stopping.is_set():
                try:
                    sent = await self.publish_batch()
                    backoff = 0.2
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    OUTBOX_FAILURES.labels(self.service).inc()
                    log.warning("outbox relay batch failed; will retry: %r", exc)
                    await self._recover(exc)
                    await self._sleep(backoff)
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
        """After a failed batch: forget acknowledged offsets if the broker reset, re-create missing
        topics (a broker that restarted empty fails sends with unknown-topic or timeout errors, or
        acknowledges into nothing), and start a fresh producer so no stale metadata survives."""
        if isinstance(exc, BrokerReset):
            self._acked.clear()
        self._connections = None
        if self.on_unknown_topic is not None:
            try:
                await self.on_unknown_topic()
            except Exception:
                log.warning("topic re-creation failed", exc_info=True)
        if self.renew_producer is not None:
            try:
                self.producer = await self.renew_producer(self.producer)
            except Exception:
                log.warning("producer renewal failed", exc_info=True)

    async def publish_batch(self) -> int:
        """Publish one batch; returns how many rows were published (0 when idle or not the leader)."""
        async with self.sessions() as session, session.begin():
            if not await self._acquire_lease(session):
                return 0
            rows = list(
                (
                    await session.execute(
                        select(OutboxMessage)
                        .where(OutboxMessage.published_at.is_(None))
                        .order_by(OutboxMessage.id)
                        .limit(self.batch_size)
                    )
                ).scalars()
            )
            if not rows:
                OUTBOX_PENDING.labels(self.service).set(0)
                return 0
            if self._connections is not None and _reconnected(self._connections, self._broker_connections()):
                # The producer reconnected since the last batch: the broker may have restarted empty
                # and would acknowledge writes to topics it no longer has. Re-create them first.
                await self._recover(BrokerReset("producer reconnected while idle"))
            before = self._broker_connections()
            # The gauge the runbook alerts on: exact when the backlog fits in a batch, counted otherwise.
            backlog = len(rows) if len(rows) < self.batch_size else await pending_count(session)
            OUTBOX_PENDING.labels(self.service).set(backlog)
            await self.send(rows)
            after = self._broker_connections()
            if _reconnected(before, after):
                raise BrokerReset("producer reconnected during the batch; sending it again")
            self._connections = after
            await self.mark_published(session, [r.id for r in rows])
        OUTBOX_PUBLISHED.labels(self.service).inc(len(rows))
        return len(rows)

    def _broker_connections(self) -> dict[Any, int]:
        """Identity of the producer's broker connections; a change means it reconnected."""
        conns = getattr(getattr(self.producer, "client", None), "_conns", None) or {}
        return {key: id(conn) for key, conn in conns.items()}

    async def send(self, rows: list[OutboxMessage]) -> None:
        # Queue the whole batch, then wait for every acknowledgement: one failure fails the batch.
        futures = [
            await self.producer.send(
                row.topic,
                value=row.payload.encode(),
                key=row.key.encode() if row.key else None,
                headers=[("ce_type", row.event_type.encode()), ("ce_id", row.event_id.encode())],
            )
            for row in rows
        ]
        acks = await asyncio.gather(*futures)
        reset = [
            (md.topic, md.partition)
            for md in acks
            if (md.topic, md.partition) in self._acked and md.offset <= self._acked[(md.topic, md.partition)]
        ]
        if reset:
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
        lease.holder = self.holder
        lease.renewed_at = utcnow()
        return True


async def pending_count(session: AsyncSession) -> int:
    value: Any = await session.scalar(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.published_at.is_(None))
    )
    return int(value or 0)
