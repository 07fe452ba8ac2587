"""Participation and tokenism metrics of a plan: the facts loaded here, the arithmetic in
:mod:`cg_planning.plans.metrics`."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cg_planning.deliberations.models import Deliberation
from cg_planning.items import service as items
from cg_planning.plans import metrics as plan_metrics
from cg_planning.plans.models import Plan
from cg_planning.plans.rows import load_plan
from cg_planning.plans.schemas import PlanMetricsRead
from cg_planning.plans.workflow import PlanState
from cg_planning.proposals.models import Proposal


async def compute(session: AsyncSession, plan: Plan) -> plan_metrics.PlanMetrics:
    plan_items = await items.items_of_plan(session, plan.id)
    item_ids = [i.id for i in plan_items]
    records = (await session.scalars(select(Deliberation).where(Deliberation.plan_id == plan.id))).all()
    proposal_where = Proposal.plan_id == plan.id
    if item_ids:
        proposal_where = proposal_where | Proposal.item_id.in_(item_ids)
    statuses = list(await session.scalars(select(Proposal.status).where(proposal_where)))
    return plan_metrics.compute_metrics(
        items=[
            plan_metrics.ItemFacts(i.id, i.title_ko, i.origin, len(i.partner_organisations))
            for i in plan_items
        ],
        deliberations=[
            plan_metrics.DeliberationFacts(r.item_id, r.kind, r.participants_count, r.changed_item)
            for r in records
        ],
        proposal_statuses=statuses,
    )


async def metrics(*, session: AsyncSession, plan_id: str) -> PlanMetricsRead:
    plan = await load_plan(session, plan_id)
    m = await compute(session, plan)
    # The schema is the metrics (items included) plus the plan's id, borough and state.
    return PlanMetricsRead(
        plan_id=plan.id, sgg_code=plan.sgg_code, state=PlanState(plan.state), **dataclasses.asdict(m)
    )
