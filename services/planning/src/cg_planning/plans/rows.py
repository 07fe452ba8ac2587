"""Loading a plan and refusing changes outside its editable states — used by every planning
aggregate that hangs off a plan (items, proposals, deliberations) and by the plan use cases."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from cg_planning.plans.models import Plan
from cg_planning.plans.workflow import EDITABLE_STATES, PlanState, allowed_moves
from cg_shared.http import Conflict
from cg_shared.i18n import msg
from cg_shared.rows import get_or_404


async def load_plan(session: AsyncSession, plan_id: str, *, for_update: bool = False) -> Plan:
    return await get_or_404(
        session, Plan, plan_id, msg("no plan with id {plan_id}", plan_id=plan_id), for_update=for_update
    )


def state_conflict(plan: Plan, doing: str) -> Conflict:
    state = PlanState(plan.state)
    moves = [m.target.value for m in allowed_moves(state)]
    return Conflict(
        msg(
            "plan {plan_id} is {state}: {doing} is only possible while the plan is in {allowed}",
            plan_id=plan.id,
            state=state.value,
            doing=msg(doing),
            allowed=", ".join(sorted(s.value for s in EDITABLE_STATES)),
        ),
        slug="plan-state",
        extra={"current_state": state.value, "allowed_moves": moves},
    )


def ensure_editable(plan: Plan, doing: str) -> None:
    if PlanState(plan.state) not in EDITABLE_STATES:
        raise state_conflict(plan, doing)
