"""What the budget service produces, and the short names webhook subscribers use for it.

A leaf module: the emitter (``cg_budget.events``) and the webhook service both read it, so neither
imports the other to learn the event names.
"""

from __future__ import annotations

from cg_shared.events import EventPayload
from cg_shared.events import budget as budget_events

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
