"""Idempotent consumer: manual offset commits, an inbox keyed by (handler, event id), retries, DLQ.

For each message, every handler registered for its CloudEvents type runs in its own transaction
together with the insert of its inbox row, so a redelivered event is skipped per handler and a crash
between the database commit and the offset commit applies nothing twice. A message that cannot be
decoded, or whose handler keeps failing, is written to the ``dead_letters`` table and — through the
outbox, so in the same transaction — to the service's dead-letter topic; then the consumer moves on.
The decision is recorded in the inbox in that same transaction (handler ``<name>#dead-letter``), so a
poisoned record redelivered after a crash is recognised and never dead-lettered twice.
Infrastructure faults (database unreachable) are not the message's fault: the consumer waits and
retries the same message instead of dead-lettering it.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import hashlib
import logging
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, cast

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError
from prometheus_client import Counter
from pydantic import ValidationError
from sqlalchemy import Table, insert, select
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cg_shared.db import utcnow
from cg_shared.events.envelope import CloudEvent, EventPayload
from cg_shared.messaging.broker import bounded
from cg_shared.messaging.handlers import HandlerMap, Subscription
from cg_shared.messaging.heap import freeze_startup_heap
from cg_shared.messaging.tables import DeadLetter, InboxMessage
from cg_shared.messaging.writer import add_raw_to_outbox
from cg_shared.settings import ServiceSettings
from cg_shared.tracing import batch_consumer_span, consumer_span

log = logging.getLogger(__name__)

CONSUMED = Counter(
    "cg_consumer_events_total", "Consumed events by handler and outcome", ["handler", "outcome"]
)
DEAD_LETTERS = Counter("cg_dead_letters_total", "Messages sent to the dead-letter store", ["service"])

# The inbox as a Core table: a batch's rows go in as one plain multi-row INSERT (no ORM bulk machinery).
_INBOX = cast(Table, InboxMessage.__table__)


@dataclass(frozen=True)
class _Decoded:
    record: ConsumerRecord[Any, Any]
    event: CloudEvent | None
    payload: EventPayload | None
    subs: list[Subscription]
    error: str | None


class BrokerStateLost(Exception):
    """The broker no longer knows this group's committed offsets (or the group itself)."""


GROUP_CHECK_INTERVAL_S = 3.0
# A group-coordinator request (commit, committed offsets, leave) that gets no answer this long means the
# coordinator is gone or confused (a broker restart mid-request): rebuild the consumer rather than wait.
# Safe: offsets not committed only cause a redelivery, which the inbox drops.
COORDINATOR_TIMEOUT_S = 15.0
MAX_POLL_RECORDS = 500
CONSUMER_START_TIMEOUT_S = 15.0


class _AlreadyApplied(Exception):
    pass


class _JoinListener(ConsumerRebalanceListener):  # type: ignore[misc]
    """Sets ``joined`` once the group gave this member its share of partitions (possibly none: more
    members than partitions), i.e. the consumer fetches from now on."""

    def __init__(self, joined: asyncio.Event) -> None:
        self.joined = joined

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        return None

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        self.joined.set()


DEAD_LETTER_SUFFIX = "#dead-letter"


def dead_letter_marker(handler: str | None) -> str:
    """The inbox ``handler`` under which dead-lettering an event for ``handler`` is recorded.

    (An operator replaying a dead letter deletes this inbox row with the dead letter.)"""
    return f"{handler or '-'}{DEAD_LETTER_SUFFIX}"


def _dead_letter_key(record: ConsumerRecord[Any, Any], event: CloudEvent | None) -> str:
    """The inbox ``event_id`` of a dead letter: the event's id, or for a message without one (not
    decodable) a digest of its topic and bytes — a redelivery carries the same bytes."""
    if event is not None:
        return event.id
    return hashlib.sha256(record.topic.encode() + b"\0" + (record.value or b"")).hexdigest()


class TransientError(Exception):
    """Raised by a handler for a fault that is not the message's (retry forever, never dead-letter)."""


def _is_transient(exc: BaseException) -> bool:
    if isinstance(exc, TransientError | OperationalError | InterfaceError | ConnectionError | TimeoutError):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


def _dlq_event(service: str, *, raw: str, error: str, record: ConsumerRecord[Any, Any]) -> CloudEvent:
    return CloudEvent(
        source=f"/cg/{service}",
        type=f"kr.seoul.cg.{service}.dead_letter.recorded.v1",
        subject=f"{record.topic}/{record.partition}/{record.offset}",
        data={
            "topic": record.topic,
            "partition": record.partition,
            "offset": record.offset,
            "error": error,
            "raw": raw,
        },
    )


def _really_cancelled() -> bool:
    """Whether the running task itself is being cancelled (not a CancelledError leaking from a library)."""
    task = asyncio.current_task()
    return task is None or task.cancelling() > 0


class EventConsumer:
    def __init__(
        self,
        *,
        settings: ServiceSettings,
        sessions: async_sessionmaker[AsyncSession],
        handlers: HandlerMap,
        topics: Iterable[str] | None = None,
        consumer_factory: Callable[..., AIOKafkaConsumer] = AIOKafkaConsumer,
    ) -> None:
        from cg_shared.messaging.broker import client_kwargs

        self.settings = settings
        self.service = settings.service_name
        self.sessions = sessions
        self.handlers = handlers
        self.topics = sorted(set(topics) if topics is not None else handlers.topics())
        self.max_attempts = settings.consumer_max_attempts
        self._consumer_kwargs = {
            **client_kwargs(settings),
            "group_id": settings.consumer_group,
            "enable_auto_commit": False,
            "auto_offset_reset": "earliest",
            "max_poll_records": MAX_POLL_RECORDS,
            "metadata_max_age_ms": 5_000,
            # Tansu does not answer a waiting fetch early when data arrives, so the wait bounds latency.
            "fetch_max_wait_ms": settings.kafka_fetch_max_wait_ms,
        }
        self._consumer_factory = consumer_factory
        self._consumer: AIOKafkaConsumer | None = None
        self._stopping = asyncio.Event()
        # Set after the first group join (and kept: a later rebalance is not a cold start): /readyz
        # waits for it, so the first event after a service reports ready is not held by the join.
        self.joined = asyncio.Event()
        self.processed = 0

    async def run(self) -> None:
        if not self.topics:
            return
        with contextlib.suppress(Exception):
            await bounded(self.warm_up(), 10)
        freeze_startup_heap()
        backoff = 0.5
        while not self._stopping.is_set():
            consumer = self._consumer_factory(**self._consumer_kwargs)
            consumer.subscribe(self.topics, listener=_JoinListener(self.joined))
            self._consumer = consumer
            failed = False
            try:
                # A start racing a broker restart can hang in the group join: bound it and rebuild.
                await bounded(consumer.start(), CONSUMER_START_TIMEOUT_S)
                log.info("consumer started for %s", ", ".join(self.topics))
                backoff = 0.5
                await self._poll(consumer)
            except asyncio.CancelledError as exc:
                if _really_cancelled():
                    raise
                # aiokafka lets a CancelledError of its own internal tasks escape right after a broker
                # restart; re-raising it ended this loop for good and the service consumed nothing more.
                log.warning("consumer loop failed; reconnecting: stray %r", exc)
                failed = True
            except Exception as exc:
                log.warning("consumer loop failed; reconnecting: %r", exc)
                failed = True
            finally:
                # Leave the group BEFORE a replacement joins: a member left half-joined would keep
                # partitions assigned that nobody fetches.
                try:
                    await bounded(consumer.stop(), COORDINATOR_TIMEOUT_S)
                except Exception:
                    log.debug("consumer stop failed", exc_info=True)
                self._consumer = None
            if failed:
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    def stop(self) -> None:
        self._stopping.set()

    async def warm_up(self) -> None:
        """Compile and prepare the inbox statements of both apply paths once, in a transaction that is
        rolled back, before the group join that /readyz waits for: the first event after a start
        does not pay for them (issue 19: cold start)."""
        probe = {"handler": "-#warm-up", "event_id": "-", "event_type": "-", "processed_at": utcnow()}
        async with self.sessions() as session:
            await session.begin()
            try:
                await session.execute(
                    select(InboxMessage.handler).where(
                        InboxMessage.handler.in_(["-", "-#dead-letter"]), InboxMessage.event_id == "-"
                    )
                )
                session.add(InboxMessage(**probe))
                await session.flush()
                await session.execute(insert(_INBOX), [{**probe, "event_id": "--"}])
            finally:
                await session.rollback()

    async def _poll(self, consumer: AIOKafkaConsumer) -> None:
        committed: dict[TopicPartition, int] = {}
        next_check = time.monotonic() + GROUP_CHECK_INTERVAL_S
        while not self._stopping.is_set():
            batches = await consumer.getmany(timeout_ms=200, max_records=MAX_POLL_RECORDS)
            if batches:
                # Partitions are independent (the key — the aggregate — picks the partition): their
                # batches are applied concurrently, each in its own transaction and in its own order,
                # so one partition's database round trips overlap another's.
                if len(batches) == 1:
                    for records in batches.values():
                        await self.process_batch(records)
                else:
                    async with asyncio.TaskGroup() as group:
                        for records in batches.values():
                            group.create_task(self.process_batch(records))
                # Commit only after every handler's transaction committed: at-least-once delivery.
                offsets = {
                    TopicPartition(tp.topic, tp.partition): records[-1].offset + 1
                    for tp, records in batches.items()
                }
                try:
                    await bounded(consumer.commit(offsets), COORDINATOR_TIMEOUT_S)
                except (CommitFailedError, IllegalStateError) as exc:
                    # The group was rebalanced or forgotten (e.g. the broker restarted empty).
                    raise BrokerStateLost(f"offset commit failed: {exc!r}") from exc
                except TimeoutError as exc:
                    raise BrokerStateLost("offset commit got no answer from the group coordinator") from exc
                committed.update(offsets)
            if time.monotonic() >= next_check:
                next_check = time.monotonic() + GROUP_CHECK_INTERVAL_S
                await self._check_broker_remembers(consumer, committed)

    async def _check_broker_remembers(
        self, consumer: AIOKafkaConsumer, committed: dict[TopicPartition, int]
    ) -> None:
        """Detect a broker that lost its state (Tansu's memory engine after a restart, or a recreated
        topic): it no longer knows the offsets we committed. Our in-memory fetch positions then point
        into a different log and would silently skip its first records, so the consumer is rebuilt
        and starts again from what the broker knows (the earliest offset; the inbox drops repeats)."""
        assigned = consumer.assignment()
        for tp, ours in list(committed.items()):
            if tp not in assigned:
                continue
            try:
                theirs = await bounded(consumer.committed(tp), COORDINATOR_TIMEOUT_S)
            except TimeoutError as exc:
                raise BrokerStateLost("the group coordinator does not answer for committed offsets") from exc
            except Exception:
                return
            if theirs is None or theirs < ours:
                raise BrokerStateLost(f"broker forgot committed offset {ours} of {tp.topic}[{tp.partition}]")

    def _decode(self, record: ConsumerRecord[Any, Any]) -> _Decoded:
        """Parse one record; returns what to apply, or why it cannot be applied."""
        fast = self.handlers.decode(record.value or b"")
        if fast is not None:
            return _Decoded(record, fast[0], fast[1], fast[2], None)
        # Not a valid event of a subscribed type: the generic two-step decoding says which (an ignored
        # type, an undecodable envelope, an invalid payload) with the reason the dead letter records.
        try:
            cloud_event = CloudEvent.from_json(record.value or b"")
        except (ValidationError, ValueError) as exc:
            return _Decoded(record, None, None, [], f"undecodable message: {exc}")
        subs = self.handlers.for_type(cloud_event.type)
        if not subs:
            return _Decoded(record, cloud_event, None, [], None)
        try:
            payload = cloud_event.payload()
        except ValidationError as exc:
            return _Decoded(record, cloud_event, None, subs, f"invalid payload: {exc}")
        return _Decoded(record, cloud_event, payload, subs, None)

    async def process(self, record: ConsumerRecord[Any, Any]) -> None:
        """Apply one record: each handler in its own transaction with its inbox row."""
        await self._apply_decoded(self._decode(record))

    async def process_batch(self, records: list[ConsumerRecord[Any, Any]]) -> None:
        """Apply a partition's batch in ONE transaction (one commit instead of one per event).

        Catching up on a backlog is dominated by per-transaction round trips; batching keeps the same
        guarantees because the inbox rows commit together with the effects. If anything in the batch
        fails, the transaction rolls back and every record is re-applied one by one through
        :meth:`process`, which retries, waits out infrastructure faults, and dead-letters.
        """
        decoded = [self._decode(r) for r in records]
        applicable = [d for d in decoded if d.error is None and d.subs]
        if len(applicable) < 2:
            for item in decoded:
                await self._apply_decoded(item)
            return
        try:
            with batch_consumer_span(self.service, [d.event for d in applicable], records[0].topic):
                applied = await self._apply_together(applicable)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.info("batch apply failed; re-applying record by record", exc_info=True)
            for item in decoded:
                await self._apply_decoded(item)
            return
        for item in decoded:
            if item.error is not None or not item.subs:
                await self._apply_decoded(item)
        # One counter update per (handler, outcome), not one per event: labels() is a locked lookup.
        for (name, outcome), n in collections.Counter(applied).items():
            CONSUMED.labels(name, outcome).inc(n)
        self.processed += len(applicable)

    async def _apply_together(self, items: list[_Decoded]) -> list[tuple[str, str]]:
        outcomes: list[tuple[str, str]] = []
        async with self.sessions() as session, session.begin():
            event_ids = sorted({d.event.id for d in items if d.event is not None})
            names = {sub.name for d in items for sub in d.subs}
            # Both columns of the inbox's primary key (handler, event_id) are bound, so the lookup is an
            # index scan; by event id alone it read the whole inbox, which only ever grows.
            seen = {
                (handler, event_id)
                for handler, event_id in (
                    await session.execute(
                        select(InboxMessage.handler, InboxMessage.event_id).where(
                            InboxMessage.handler.in_(
                                sorted(names | {dead_letter_marker(name) for name in names})
                            ),
                            InboxMessage.event_id.in_(event_ids),
                        )
                    )
                ).all()
            }
            inbox: list[dict[str, Any]] = []
            now = utcnow()
            # Consecutive new events of one batch subscription, applied together when the run ends.
            run: list[tuple[CloudEvent, EventPayload]] = []
            run_sub: Subscription | None = None

            async def flush_run() -> None:
                nonlocal run, run_sub
                if run_sub is not None and run_sub.batch_handler is not None and run:
                    await run_sub.batch_handler(session, run)
                run, run_sub = [], None

            for item in items:
                assert item.event is not None
                for sub in item.subs:
                    if (sub.name, item.event.id) in seen:
                        outcomes.append((sub.name, "duplicate"))
                        continue
                    if (dead_letter_marker(sub.name), item.event.id) in seen:
                        outcomes.append((sub.name, "dead_lettered_before"))
                        continue
                    seen.add((sub.name, item.event.id))
                    inbox.append(
                        {
                            "handler": sub.name,
                            "event_id": item.event.id,
                            "event_type": item.event.type,
                            "topic": item.record.topic,
                            "partition": item.record.partition,
                            "offset": item.record.offset,
                            "processed_at": now,
                        }
                    )
                    assert item.payload is not None
                    if sub.batch_handler is not None:
                        if run_sub is not sub:
                            await flush_run()
                            run_sub = sub
                        run.append((item.event, item.payload))
                    else:
                        await flush_run()
                        await sub.handler(session, item.event, item.payload)
                    outcomes.append((sub.name, "applied"))
            await flush_run()
            if inbox:
                # One multi-row insert for the batch's inbox rows, in the same transaction (a duplicate
                # raised here rolls the batch back and the per-record path sorts it out).
                await session.execute(insert(_INBOX), inbox)
        return outcomes

    async def _apply_decoded(self, item: _Decoded) -> None:
        record, cloud_event = item.record, item.event
        if cloud_event is None:
            await self._dead_letter(record, handler=None, error=item.error or "undecodable", event=None)
            CONSUMED.labels("-", "undecodable").inc()
            return
        if not item.subs:
            CONSUMED.labels("-", "ignored").inc()
            return
        if item.error is not None:
            for sub in item.subs:
                await self._dead_letter(record, handler=sub.name, error=item.error, event=cloud_event)
            CONSUMED.labels("-", "invalid").inc()
            return
        for sub in item.subs:
            with consumer_span(
                self.service,
                sub.name,
                cloud_event.id,
                cloud_event.type,
                cloud_event.traceparent,
                record.topic,
            ):
                await self._run_handler(sub, record, cloud_event, item.payload)
        self.processed += 1

    async def _run_handler(
        self,
        sub: Subscription,
        record: ConsumerRecord[Any, Any],
        cloud_event: CloudEvent,
        payload: EventPayload | None,
    ) -> None:
        attempt = 0
        transient_wait = 0.2
        while True:
            try:
                outcome = await self._apply_once(sub, record, cloud_event, payload)
                CONSUMED.labels(sub.name, outcome).inc()
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if _is_transient(exc) and not self._stopping.is_set():
                    log.warning("transient fault in handler; retrying", extra={"handler": sub.name})
                    await asyncio.sleep(transient_wait)
                    transient_wait = min(transient_wait * 2, 5.0)
                    continue
                attempt += 1
                if attempt < self.max_attempts:
                    await asyncio.sleep(0.05 * attempt)
                    continue
                error = "".join(traceback.format_exception_only(type(exc), exc)).strip()
                stored = await self._dead_letter(
                    record, handler=sub.name, error=error, event=cloud_event, attempts=attempt
                )
                CONSUMED.labels(sub.name, "dead_lettered" if stored else "dead_lettered_before").inc()
                return

    async def _apply_once(
        self,
        sub: Subscription,
        record: ConsumerRecord[Any, Any],
        cloud_event: CloudEvent,
        payload: EventPayload | None,
    ) -> str:
        try:
            async with self.sessions() as session, session.begin():
                marker = dead_letter_marker(sub.name)
                seen = set(
                    (
                        await session.execute(
                            select(InboxMessage.handler).where(
                                InboxMessage.handler.in_([sub.name, marker]),
                                InboxMessage.event_id == cloud_event.id,
                            )
                        )
                    ).scalars()
                )
                if sub.name in seen:
                    return "duplicate"
                if marker in seen:
                    # Dead-lettered before a crash; redelivered since. It stays in the dead-letter store.
                    return "dead_lettered_before"
                session.add(
                    InboxMessage(
                        handler=sub.name,
                        event_id=cloud_event.id,
                        event_type=cloud_event.type,
                        topic=record.topic,
                        partition=record.partition,
                        offset=record.offset,
                        processed_at=utcnow(),
                    )
                )
                try:
                    await session.flush()
                except IntegrityError as exc:
                    raise _AlreadyApplied from exc
                await sub.handler(session, cloud_event, payload)
        except _AlreadyApplied:
            # A concurrent consumer of the same group applied it first; our transaction rolled back.
            return "duplicate"
        return "applied"

    async def _dead_letter(
        self,
        record: ConsumerRecord[Any, Any],
        *,
        handler: str | None,
        error: str,
        event: CloudEvent | None,
        attempts: int = 1,
    ) -> bool:
        """Store the dead letter and its DLQ event once; returns False if it was stored before (a
        redelivery after a crash between the dead-letter commit and the offset commit)."""
        raw = (record.value or b"").decode("utf-8", errors="replace")
        marker, key = dead_letter_marker(handler), _dead_letter_key(record, event)
        while True:
            try:
                async with self.sessions() as session, session.begin():
                    before = await session.scalar(
                        select(InboxMessage.event_id).where(
                            InboxMessage.handler == marker, InboxMessage.event_id == key
                        )
                    )
                    if before is not None:
                        log.info(
                            "message was dead-lettered before; not again",
                            extra={"topic": record.topic, "offset": record.offset, "handler": handler},
                        )
                        return False
                    log.error(
                        "dead-lettering message",
                        extra={"topic": record.topic, "offset": record.offset, "error": error},
                    )
                    session.add(
                        InboxMessage(
                            handler=marker,
                            event_id=key,
                            event_type=event.type if event else "-",
                            topic=record.topic,
                            partition=record.partition,
                            offset=record.offset,
                            processed_at=utcnow(),
                        )
                    )
                    session.add(
                        DeadLetter(
                            handler=handler,
                            topic=record.topic,
                            partition=record.partition,
                            offset=record.offset,
                            key=record.key.decode("utf-8", errors="replace") if record.key else None,
                            event_id=event.id if event else None,
                            event_type=event.type if event else None,
                            raw=raw,
                            error=error,
                            attempts=attempts,
                            created_at=utcnow(),
                        )
                    )
                    add_raw_to_outbox(
                        session,
                        _dlq_event(self.service, raw=raw, error=error, record=record),
                        topic=self.settings.dlq_topic,
                        key=event.subject if event else None,
                    )
                DEAD_LETTERS.labels(self.service).inc()
                return True
            except IntegrityError:
                # A concurrent member of the group recorded the same dead letter first (inbox key).
                return False
            except Exception:
                if self._stopping.is_set():
                    raise
                log.warning("could not store dead letter; retrying", exc_info=True)
                await asyncio.sleep(1.0)
