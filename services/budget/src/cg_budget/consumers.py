"""Event type → handler map for what the budget service consumes."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from cg_budget.budget_requests import service as budget_requests
from cg_budget.envelopes import service as envelopes
from cg_shared.events import CloudEvent
from cg_shared.events.planning import PlanAdopted, PlanEvaluated
from cg_shared.messaging import HandlerMap

handlers = HandlerMap()


@handlers.on(PlanAdopted, name="budget.plan.adopted")
async def on_plan_adopted(session: AsyncSession, event: CloudEvent, payload: PlanAdopted) -> None:
    """Open one budget request per adopted item and fiscal-year amount (idempotent by plan item + year)."""
    await budget_requests.open_from_plan(session=session, payload=payload)


@handlers.on(PlanEvaluated, name="budget.plan.evaluated")
async def on_plan_evaluated(session: AsyncSession, event: CloudEvent, payload: PlanEvaluated) -> None:
    """Remember the city's grade (가/나/다): the SMG grant formula's bonus for the next year."""
    await envelopes.record_evaluation(session=session, payload=payload)
