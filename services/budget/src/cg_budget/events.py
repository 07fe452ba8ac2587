"""Emitting budget events: the outbox row and the webhook deliveries are written in the caller's
transaction, so an event exists on Kafka and for webhook subscribers exactly when its change committed."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from cg_budget.webhooks import service as webhooks
from cg_shared.events import EventPayload
from cg_shared.events import budget as budget_events
from cg_shared.events.envelope import CloudEvent
from cg_shared.messaging import add_to_outbox

PRODUCED: tuple[type[EventPayload], ...] = (
    budget_events.CycleOpened,
    budget_events.EnvelopeSet,
    budget_events.RequestCreated,
    budget_events.ElectionClosed,
    budget_events.AllocationFinalized,
    budget_events.AppropriationImported,
    budget_events.SmgAwardDecided,
    budget_events.BlockGrantAssigned,
)


def short_name(event_type: str) -> str:
    """``kr.seoul.cg.budget.allocation.finalized.v1`` → ``allocation.finalized`` (webhook event names)."""
    parts = event_type.split(".")
    return ".".join(parts[4:-1])


WEBHOOK_EVENT_TYPES: tuple[str, ...] = tuple(short_name(p.event_type) for p in PRODUCED)


async def emit(
    session: AsyncSession, payload: EventPayload, *, subject: str, sgg_code: str | None
) -> CloudEvent:
    cloud_event = add_to_outbox(session, payload, subject=subject)
    await webhooks.enqueue(
        session, cloud_event=cloud_event, event_name=short_name(cloud_event.type), sgg_code=sgg_code
    )
    return cloud_event
