"""Money and spending from budget (consumer of AllocationFinalized, RequestCreated, RequestExecuted and
SMG block grants): items are marked funded, and their proposers' timelines move."""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cg_planning.items.models import ItemFunding, PlanItem
from cg_planning.plans.rows import load_plan
from cg_planning.plans.workflow import PlanState
from cg_planning.timeline import service as timeline
from cg_planning.timeline.schemas import Stage
from cg_shared.audit import audit_row
from cg_shared.db import utcnow
from cg_shared.events import CloudEvent
from cg_shared.events.budget import AllocationFinalized, AllocationLine, RequestCreated, RequestExecuted
from cg_shared.events.planning import PlanItemFunded
from cg_shared.messaging import add_to_outbox
from cg_shared.rows import bump_version, snapshot

log = logging.getLogger(__name__)

# Money may arrive for items of plans that are adopted or already running (supplementary allocations).
FUNDABLE_STATES = frozenset({PlanState.ADOPTED, PlanState.IN_EXECUTION})


async def _fundable_item(
    session: AsyncSession, item_id: str, allocation: AllocationFinalized
) -> PlanItem | None:
    """The item, locked, if it exists, is of the allocation's borough and its plan can take money."""
    item = await session.get(PlanItem, item_id, with_for_update=True)
    if item is None:
        log.warning("allocation line for an unknown plan item", extra={"item_id": item_id})
        return None
    if item.sgg_code != allocation.sgg_code:
        log.warning(
            "allocation of another borough names this item; ignored",
            extra={"item_id": item_id, "allocation_sgg": allocation.sgg_code},
        )
        return None
    plan = await load_plan(session, item.plan_id)
    if PlanState(plan.state) not in FUNDABLE_STATES:
        log.warning(
            "allocation for an item whose plan is not adopted; ignored",
            extra={"item_id": item_id, "plan_state": plan.state},
        )
        return None
    return item


async def _fresh_lines(
    session: AsyncSession, item_id: str, allocation: AllocationFinalized, lines: list[AllocationLine]
) -> list[AllocationLine]:
    """The lines not recorded yet (a redelivered allocation finds them all recorded)."""
    known = set(
        await session.scalars(
            select(ItemFunding.request_id).where(
                ItemFunding.allocation_id == allocation.allocation_id, ItemFunding.item_id == item_id
            )
        )
    )
    return [line for line in lines if line.request_id not in known]


async def _fund(
    session: AsyncSession,
    event: CloudEvent,
    allocation: AllocationFinalized,
    item: PlanItem,
    fresh: list[AllocationLine],
) -> None:
    """Record the lines on the item: funding rows, amount, timeline, event, audit."""
    before = snapshot(item)
    amount = sum(line.amount_krw for line in fresh)
    for line in fresh:
        session.add(
            ItemFunding(
                item_id=item.id,
                plan_id=item.plan_id,
                allocation_id=allocation.allocation_id,
                request_id=line.request_id,
                fiscal_year=allocation.fiscal_year,
                source=line.source,
                amount_krw=line.amount_krw,
                recorded_at=utcnow(),
            )
        )
    item.funded_krw += amount
    bump_version(item)
    await timeline.record_for_items(
        session,
        {item.id: amount},
        stage=Stage.FUNDED,
        at=event.time or utcnow(),
        detail=f"{allocation.fiscal_year}년 예산이 배정되었습니다",
        dedupe_key=f"funded:{allocation.allocation_id}",
        plan_id=item.plan_id,
    )
    add_to_outbox(
        session,
        PlanItemFunded(
            plan_id=item.plan_id,
            sgg_code=item.sgg_code,
            item_id=item.id,
            allocation_id=allocation.allocation_id,
            fiscal_year=allocation.fiscal_year,
            amount_krw=amount,
        ),
        subject=item.id,
    )
    audit_row(
        session,
        actor=f"budget:{event.source}",
        action="plan_item.funded",
        entity_type="plan_item",
        row=item,
        before=before,
    )


async def record_funding(
    *, session: AsyncSession, event: CloudEvent, allocation: AllocationFinalized
) -> None:
    """Mark items funded. Idempotent by design: a line already recorded is skipped (unique key too)."""
    per_item: dict[str, list[Any]] = defaultdict(list)
    for line in allocation.lines:
        if line.plan_item_id and line.amount_krw > 0:
            per_item[line.plan_item_id].append(line)
    for item_id, lines in per_item.items():
        item = await _fundable_item(session, item_id, allocation)
        if item is None:
            continue
        fresh = await _fresh_lines(session, item_id, allocation, lines)
        if fresh:
            await _fund(session, event, allocation, item, fresh)


async def record_request(*, session: AsyncSession, event: CloudEvent, request: RequestCreated) -> None:
    """Budget opened a request for an item: the proposers of that item see "requested" with the amount."""
    item = await session.get(PlanItem, request.plan_item_id)
    if item is None or item.sgg_code != request.sgg_code:
        log.warning(
            "budget request for an unknown item (or another borough's); not in any timeline",
            extra={"item_id": request.plan_item_id, "request_id": request.request_id},
        )
        return
    await timeline.record_for_items(
        session,
        {item.id: request.amount_krw},
        stage=Stage.REQUESTED,
        at=event.time or utcnow(),
        detail=f"{request.fiscal_year}년 예산 요청이 열렸습니다",
        dedupe_key=f"requested:{request.request_id}",
        plan_id=item.plan_id,
    )


async def record_execution(*, session: AsyncSession, event: CloudEvent, execution: RequestExecuted) -> None:
    """Borough IT reported spending on an item's request: "executed" (each import that changed it), then
    "completed" once the allocation is spent in full."""
    item = await session.get(PlanItem, execution.plan_item_id) if execution.plan_item_id else None
    if item is None or item.sgg_code != execution.sgg_code:
        log.warning(
            "execution for an unknown item (or another borough's); not in any timeline",
            extra={"item_id": execution.plan_item_id, "request_id": execution.request_id},
        )
        return
    at = event.time or utcnow()
    steps = [
        (
            Stage.EXECUTED,
            f"{execution.fiscal_year}년 예산 집행 보고, 배정 {execution.allocated_krw:,}원 중",
            f"executed:{execution.request_id}:{execution.import_id}",
        )
    ]
    if execution.completed:
        steps.append(
            (
                Stage.COMPLETED,
                f"{execution.fiscal_year}년 배정 예산을 모두 집행했습니다",
                f"completed:{execution.request_id}",
            )
        )
    for stage, detail, dedupe_key in steps:
        await timeline.record_for_items(
            session,
            {item.id: execution.executed_krw},
            stage=stage,
            at=at,
            detail=detail,
            dedupe_key=dedupe_key,
            plan_id=item.plan_id,
        )
