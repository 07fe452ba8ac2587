"""Broker-loss detection of the outbox relay (mixed into :class:`~cg_shared.messaging.outbox.OutboxRelay`).

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
inboxes drop the repeats.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from typing import Any, NamedTuple

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError, OffsetOutOfRangeError
from prometheus_client import Counter
from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cg_shared.db import utcnow
from cg_shared.events.envelope import CloudEvent
from cg_shared.messaging.broker import bounded
from cg_shared.messaging.tables import OutboxAck, OutboxMessage

log = logging.getLogger("cg_shared.messaging.outbox")

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

Checkpoint = tuple[int, str]  # offset, CloudEvent id of the last acknowledged record of a partition


class Ack(NamedTuple):
    """Where the broker put one record."""

    topic: str
    partition: int
    offset: int


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


class BrokerLossCheck:
    """The relay's evidence of what the broker acknowledged, and the check that it still holds it."""

    service: str
    sessions: async_sessionmaker[AsyncSession]
    producer: AIOKafkaProducer
    requeue_window_s: float
    probe_timeout_s: float
    reader_kwargs: dict[str, Any] | None
    requeued: int
    _acked: dict[tuple[str, int], int]
    _checkpoints: dict[tuple[str, int], Checkpoint] | None
    _connections: dict[Any, int] | None
    _suspect: str | None
    _lost: str | None
    _lost_partitions: set[tuple[str, int]]

    async def _recover(self, exc: Exception) -> None:
        raise NotImplementedError

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

    def _broker_connections(self) -> dict[Any, int]:
        """Identity of the producer's broker connections; a change means it reconnected."""
        conns = getattr(getattr(self.producer, "client", None), "_conns", None) or {}
        return {key: id(conn) for key, conn in conns.items()}

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

    def note_acks(self, rows: list[Any], acks: list[Ack]) -> dict[tuple[str, int], Checkpoint]:
        """The last acknowledged record per partition of a batch (stored with its published mark);
        raises :class:`BrokerReset` if an acknowledgement came back at or below an offset already
        acknowledged for its partition (the broker's log went backwards)."""
        latest: dict[tuple[str, int], Checkpoint] = {}
        for row, md in zip(rows, acks, strict=True):
            key = (md.topic, md.partition)
            if key not in latest or md.offset > latest[key][0]:
                latest[key] = (md.offset, row.event_id)
        reset = [
            (md.topic, md.partition)
            for md in acks
            if (md.topic, md.partition) in self._acked and md.offset <= self._acked[(md.topic, md.partition)]
        ]
        if reset:
            self._lost_partitions |= set(reset)
            raise BrokerReset(f"broker log went backwards on {sorted(set(reset))}")
        for key, (offset, _) in latest.items():
            self._acked[key] = max(offset, self._acked.get(key, -1))
        return latest
