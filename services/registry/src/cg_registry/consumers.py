"""Event type → handler map for what the registry service consumes."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from cg_registry.projects import intake
from cg_shared.events import CloudEvent
from cg_shared.events.budget import AllocationFinalized
from cg_shared.events.planning import PlanAdopted
from cg_shared.messaging import HandlerMap

handlers = HandlerMap()


@handlers.on(PlanAdopted, name="registry.plan_adopted.register_items")
async def on_plan_adopted(session: AsyncSession, event: CloudEvent, payload: PlanAdopted) -> None:
    await intake.register_adopted_items(session, payload)


@handlers.on(AllocationFinalized, name="registry.allocation_finalized.add_funding")
async def on_allocation_finalized(
    session: AsyncSession, event: CloudEvent, payload: AllocationFinalized
) -> None:
    await intake.add_allocation_lines(session, payload)
