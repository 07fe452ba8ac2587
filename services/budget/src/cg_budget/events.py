"""Emitting budget events: the outbox row and the webhook deliveries are written in the caller's
transaction, so an event exists on Kafka and for webhook subscribers exactly when its change committed."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from cg_budget.webhooks.catalogue import short_name
from cg_budget.webhooks.queue import enqueue
from cg_shared.events import EventPayload
from cg_shared.events.envelope import CloudEvent
from cg_shared.messaging import add_to_outbox


async def emit(
    session: AsyncSession, payload: EventPayload, *, subject: str, sgg_code: str | None
) -> CloudEvent:
    cloud_event = add_to_outbox(session, payload, subject=subject)
    await enqueue(
        session, cloud_event=cloud_event, event_name=short_name(cloud_event.type), sgg_code=sgg_code
    )
    return cloud_event
