"""Event type → handler map for what the committee service consumes."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from cg_committee.agenda import service as agenda
from cg_shared.events import CloudEvent
from cg_shared.events.planning import PlanSubmitted
from cg_shared.messaging import HandlerMap

handlers = HandlerMap()


@handlers.on(PlanSubmitted, name="committee.plan_submitted")
async def on_plan_submitted(session: AsyncSession, event: CloudEvent, payload: PlanSubmitted) -> None:
    """A submitted plan becomes an agenda item of its borough committee's next meeting."""
    await agenda.receive_plan_submission(session=session, event=event, payload=payload)
