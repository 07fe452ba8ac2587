"""How plans are shown: the plan with its allowed next moves and adoption timing, the workflow rules."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cg_planning.items.models import PlanItem
from cg_planning.plans import workflow
from cg_planning.plans.models import Plan
from cg_planning.plans.schemas import (
    AdoptionTimingRead,
    Coordinator,
    MoveRead,
    PlanKind,
    PlanRead,
    WorkflowRuleRead,
)
from cg_planning.plans.workflow import PlanState, Transition
from cg_shared.clock import seoul_date


def move_view(t: Transition) -> MoveRead:
    return MoveRead(to=t.target, trigger=t.trigger.value, via=t.via, actor=t.actor.value, guard=t.guard_text)


def workflow_rules() -> list[WorkflowRuleRead]:
    return [WorkflowRuleRead(source=t.source, **move_view(t).model_dump()) for t in workflow.TRANSITIONS]


def _adoption_timing(plan: Plan) -> AdoptionTimingRead | None:
    if plan.adopted_at is None or plan.fiscal_year is None or plan.kind != PlanKind.ANNUAL.value:
        return None
    check = workflow.adoption_check(fiscal_year=plan.fiscal_year, adopted_on=seoul_date(plan.adopted_at))
    return AdoptionTimingRead(
        timing=check.timing.value,
        window_from=check.window_from,
        window_to=check.window_to,
        budget_bill_due=check.budget_bill_due,
        warnings=list(check.warnings),
    )


async def plan_views(session: AsyncSession, plans: Sequence[Plan]) -> list[PlanRead]:
    """PlanRead for many plans with one item-count query."""
    ids = [p.id for p in plans]
    counts: dict[str, int] = {}
    if ids:
        counts = {
            plan_id: int(n)
            for plan_id, n in (
                await session.execute(
                    select(PlanItem.plan_id, func.count())
                    .where(PlanItem.plan_id.in_(ids))
                    .group_by(PlanItem.plan_id)
                )
            ).all()
        }
    return [
        PlanRead(
            id=plan.id,
            sgg_code=plan.sgg_code,
            kind=PlanKind(plan.kind),
            master_plan_id=plan.master_plan_id,
            fiscal_year=plan.fiscal_year,
            term_start_year=plan.term_start_year,
            term_end_year=plan.term_end_year,
            title_ko=plan.title_ko,
            title_en=plan.title_en,
            themes=list(plan.themes),
            goals=list(plan.goals),
            coordinator=(
                Coordinator(name=plan.coordinator_name, organisation=plan.coordinator_organisation or "")
                if plan.coordinator_name
                else None
            ),
            state=PlanState(plan.state),
            allowed_moves=[move_view(t) for t in workflow.allowed_moves(PlanState(plan.state))],
            item_count=counts.get(plan.id, 0),
            submitted_at=plan.submitted_at,
            adopted_at=plan.adopted_at,
            adoption_timing=_adoption_timing(plan),
            decision_id=plan.decision_id,
            version=plan.version,
            created_at=plan.created_at,
            updated_at=plan.updated_at,
        )
        for plan in plans
    ]


async def plan_view(session: AsyncSession, plan: Plan) -> PlanRead:
    return (await plan_views(session, [plan]))[0]
