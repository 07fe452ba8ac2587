"""The test kit every service's tests share: an in-process client of an app, events fed to the real
consumer without a broker, and what a use case left in the outbox and the audit log.

Each service's ``tests/conftest.py`` gives the same core fixtures on top of it: ``app`` (the service's
app on a migrated database, without its lifespan: no relay, no consumer) and ``client`` (an
``httpx.AsyncClient`` speaking to it in-process).
"""

from __future__ import annotations

import contextlib
import itertools
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
from aiokafka.structs import ConsumerRecord
from fastapi import FastAPI
from sqlalchemy import func, select

from cg_shared.events import CloudEvent, EventPayload, make_event
from cg_shared.messaging import EventConsumer
from cg_shared.messaging.tables import AuditEntry, OutboxMessage

_offsets = itertools.count()


@contextlib.asynccontextmanager
async def app_client(
    app: FastAPI, *, base_url: str = "http://testserver", timeout_s: float = 30
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of ``app`` in process (the lifespan is not run)."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=base_url, timeout=timeout_s) as client:
        yield client


# --- events in ----------------------------------------------------------------------------------


def record_of(event: CloudEvent, topic: str, *, offset: int | None = None) -> ConsumerRecord[bytes, bytes]:
    """The Kafka record a relay would have published for ``event`` (offsets count up unless given)."""
    value = event.to_json()
    key = (event.subject or "").encode()
    return ConsumerRecord(
        topic=topic,
        partition=0,
        offset=next(_offsets) if offset is None else offset,
        timestamp=0,
        timestamp_type=0,
        key=key,
        value=value,
        checksum=None,
        serialized_key_size=len(key),
        serialized_value_size=len(value),
        headers=[],
    )


def event_record(payload: EventPayload, subject: str) -> ConsumerRecord[bytes, bytes]:
    return record_of(make_event(payload, subject=subject), payload.topic)


def consumer_for(app: FastAPI) -> EventConsumer:
    """The service's real idempotent consumer (inbox, handlers, retries, DLQ) without a broker."""
    return EventConsumer(
        settings=app.state.settings, sessions=app.state.sessions, handlers=app.state.handlers
    )


async def consume(app: FastAPI, record: ConsumerRecord[bytes, bytes]) -> None:
    """Run the consumer on one record, as if the broker had delivered it (again, if it did before)."""
    await consumer_for(app).process(record)


async def deliver(
    app: FastAPI, payload: EventPayload, *, subject: str, event: CloudEvent | None = None
) -> CloudEvent:
    """Wrap ``payload`` in an event (or take ``event``), deliver it to the consumer, return the event."""
    event = event or make_event(payload, subject=subject)
    await consume(app, record_of(event, payload.topic))
    return event


# --- what a use case left behind ------------------------------------------------------------------


async def outbox_messages(app: FastAPI, event_type: str = "", subject: str | None = None) -> list[str]:
    """The staged events (JSON text, in order) whose type contains ``event_type``, e.g.
    ``"plan.adopted.v1"`` or ``"project.registered"``; only those about ``subject`` if given."""
    async with app.state.sessions() as session:
        rows = await session.execute(
            select(OutboxMessage.event_type, OutboxMessage.payload).order_by(OutboxMessage.id)
        )
        staged = [(kind, payload) for kind, payload in rows if event_type in kind]
    return [p for _, p in staged if subject is None or json.loads(p).get("subject") == subject]


async def outbox_rows(app: FastAPI, event_type: str = "", subject: str | None = None) -> list[dict[str, Any]]:
    """As :func:`outbox_messages`, parsed: each a CloudEvent as a dict (``["data"]`` the payload)."""
    return [json.loads(p) for p in await outbox_messages(app, event_type, subject)]


async def outbox_types(app: FastAPI) -> list[str]:
    async with app.state.sessions() as session:
        return list(
            (await session.execute(select(OutboxMessage.event_type).order_by(OutboxMessage.id))).scalars()
        )


async def audit_actions(app: FastAPI, entity_id: str) -> list[str]:
    """The audit log's actions on one entity, oldest first."""
    async with app.state.sessions() as session:
        rows = await session.execute(
            select(AuditEntry.action).where(AuditEntry.entity_id == entity_id).order_by(AuditEntry.id)
        )
        return list(rows.scalars())


async def audit_count(app: FastAPI) -> int:
    async with app.state.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(AuditEntry)) or 0)
