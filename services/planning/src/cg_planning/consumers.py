"""Event type → handler map for what the planning service consumes."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from cg_planning.items import funding
from cg_planning.plans import decisions as plan_decisions
from cg_planning.registry_projects import service as registry_projects
from cg_shared.events import CloudEvent
from cg_shared.events.budget import (
    AllocationFinalized,
    AllocationLine,
    BlockGrantAssigned,
    RequestCreated,
    RequestExecuted,
)
from cg_shared.events.committee import DecisionRecorded
from cg_shared.events.registry import ProjectDeleted, ProjectRegistered, ProjectUpdated
from cg_shared.messaging import HandlerMap

handlers = HandlerMap()


# The registry read model is applied a run at a time: each run of consecutive snapshots (or deletions)
# in a partition batch is one set-based upsert. A deletion ends a run of snapshots, so it keeps its
# place between the snapshots of its project.
@handlers.on_batch(ProjectRegistered, name="planning.registry_project.registered")
async def on_projects_registered(
    session: AsyncSession, events: list[tuple[CloudEvent, ProjectRegistered]]
) -> None:
    await registry_projects.apply_snapshots(session=session, snapshots=[payload for _, payload in events])


@handlers.on_batch(ProjectUpdated, name="planning.registry_project.updated")
async def on_projects_updated(session: AsyncSession, events: list[tuple[CloudEvent, ProjectUpdated]]) -> None:
    await registry_projects.apply_snapshots(session=session, snapshots=[payload for _, payload in events])


@handlers.on_batch(ProjectDeleted, name="planning.registry_project.deleted")
async def on_projects_deleted(session: AsyncSession, events: list[tuple[CloudEvent, ProjectDeleted]]) -> None:
    await registry_projects.apply_deletions(session=session, deletions=[payload for _, payload in events])


@handlers.on(DecisionRecorded, name="planning.committee_decision.recorded")
async def on_decision_recorded(session: AsyncSession, event: CloudEvent, payload: DecisionRecorded) -> None:
    await plan_decisions.apply_committee_decision(session=session, event=event, decision=payload)


@handlers.on(AllocationFinalized, name="planning.budget_allocation.finalized")
async def on_allocation_finalized(
    session: AsyncSession, event: CloudEvent, payload: AllocationFinalized
) -> None:
    await funding.record_funding(session=session, event=event, allocation=payload)


@handlers.on(RequestCreated, name="planning.budget_request.created")
async def on_request_created(session: AsyncSession, event: CloudEvent, payload: RequestCreated) -> None:
    await funding.record_request(session=session, event=event, request=payload)


@handlers.on(RequestExecuted, name="planning.budget_request.executed")
async def on_request_executed(session: AsyncSession, event: CloudEvent, payload: RequestExecuted) -> None:
    await funding.record_execution(session=session, event=event, execution=payload)


@handlers.on(BlockGrantAssigned, name="planning.smg_block_grant.assigned")
async def on_block_grant_assigned(
    session: AsyncSession, event: CloudEvent, payload: BlockGrantAssigned
) -> None:
    """SMG block-grant money put on an adopted item funds it like an allocation line: the item's funded
    amount and its proposers' timelines move the same way (idempotent per block-grant use)."""
    await funding.record_funding(
        session=session,
        event=event,
        allocation=AllocationFinalized(
            allocation_id=f"smg-block-grant:{payload.use_id}",
            cycle_id=payload.block_grant_id,
            sgg_code=payload.sgg_code,
            fiscal_year=payload.fiscal_year,
            method="smg_block_grant",
            lines=[
                AllocationLine(
                    request_id=payload.request_id,
                    plan_id=payload.plan_id,
                    plan_item_id=payload.plan_item_id,
                    source="smg_grant",
                    amount_krw=payload.amount_krw,
                    envelope_kind="smg_block_grant",
                )
            ],
            total_krw=payload.amount_krw,
        ),
    )
