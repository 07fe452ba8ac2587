"""The write side of the transactional outbox: the only way rows enter the ``outbox`` table.

``add_to_outbox`` / ``add_raw_to_outbox`` stage one event in the caller's transaction (an ORM row);
``add_all_to_outbox`` writes many at once (one Core multi-row insert: imports, scans, seeds). Nothing
touches the broker here. A transaction that wrote outbox rows wakes the relay when it commits:

- in this process, through an ``asyncio.Event`` per running relay (``after_commit``);
- in every process, on PostgreSQL, through ``NOTIFY cg_outbox`` issued in the writing transaction
  itself (``before_commit``): PostgreSQL delivers it to the relays' ``LISTEN`` only if and when the
  transaction commits, so a commit from any process (another replica, a CLI, a benchmark) wakes the
  relay at once without polling, and a rolled-back one wakes nobody.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import Table, event, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from cg_shared.db import utcnow
from cg_shared.events.envelope import CloudEvent, EventPayload, make_event
from cg_shared.messaging.tables import OutboxMessage

# The PostgreSQL notification channel the relays LISTEN on.
OUTBOX_CHANNEL = "cg_outbox"
_WAKE_FLAG = "cg_outbox_written"
_OUTBOX = cast(Table, OutboxMessage.__table__)
# Rows per INSERT statement of the bulk writer (a few thousand parameters per statement).
_CHUNK = 500
relay_wakeups: set[asyncio.Event] = set()


@event.listens_for(Session, "before_commit")
def _notify_relays(session: Session) -> None:
    # In the writing transaction: delivered to LISTENers on commit, never on rollback. PostgreSQL
    # folds identical notifications of one transaction into one.
    if session.info.get(_WAKE_FLAG) and session.get_bind().dialect.name == "postgresql":
        session.connection().exec_driver_sql(f"NOTIFY {OUTBOX_CHANNEL}")


@event.listens_for(Session, "after_commit")
def _wake_relays(session: Session) -> None:
    # A committed outbox row should go out now, not at the next poll: keeps propagation latency low.
    if session.info.pop(_WAKE_FLAG, False):
        for wake in relay_wakeups:
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
    session.add(_row(cloud_event, topic=topic, key=key, now=utcnow(), orm=True))
    session.info[_WAKE_FLAG] = True


async def add_all_to_outbox(
    session: AsyncSession, events: Iterable[tuple[EventPayload, str]]
) -> list[CloudEvent]:
    """Stage many events — ``(payload, subject)`` pairs, keyed by subject, on the payload's topic — in
    the caller's transaction with multi-row INSERTs (no ORM objects): what ``add_to_outbox`` does for
    each, at bulk speed. Returns the CloudEvents in order."""
    now = utcnow()
    cloud_events: list[CloudEvent] = []
    rows: list[dict[str, Any]] = []
    for payload, subject in events:
        cloud_event = make_event(payload, subject=subject)
        cloud_events.append(cloud_event)
        rows.append(_row(cloud_event, topic=payload.topic, key=subject, now=now, orm=False))
    for start in range(0, len(rows), _CHUNK):
        await session.execute(insert(_OUTBOX), rows[start : start + _CHUNK])
    if rows:
        session.info[_WAKE_FLAG] = True
    return cloud_events


def outbox_values(
    session: AsyncSession, payload: EventPayload, *, subject: str, at: Any = None
) -> dict[str, Any]:
    """The ``outbox`` row of one event (keyed by ``subject``, on the payload's topic) for a caller that
    inserts it together with its other rows in one Core statement (a registration's single CTE): the row
    ``add_to_outbox`` would write, and the relay is woken when ``session``'s transaction commits. The
    caller inserts it in that transaction."""
    session.info[_WAKE_FLAG] = True
    values: dict[str, Any] = _row(
        make_event(payload, subject=subject), topic=payload.topic, key=subject, now=at or utcnow(), orm=False
    )
    return values


def _row(cloud_event: CloudEvent, *, topic: str, key: str | None, now: Any, orm: bool) -> Any:
    values = {
        "event_id": cloud_event.id,
        "event_type": cloud_event.type,
        "topic": topic,
        "key": key,
        "payload": cloud_event.to_json().decode(),
        "created_at": now,
        "attempts": 0,
    }
    return OutboxMessage(**values) if orm else values
