"""Moving a plan through its workflow: the facts the guards need, the pure decision (409 when illegal or
guarded), and the commit of a move — state, history row, audit row and the events of entering a state."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cg_planning.deliberations.models import Deliberation
from cg_planning.items.models import PlanItem
from cg_planning.plans import workflow
from cg_planning.plans.models import Plan, PlanEvaluation, PlanTransition
from cg_planning.plans.views import move_view
from cg_planning.plans.workflow import (
    DecisionFacts,
    GuardFailed,
    IllegalTransition,
    ItemRef,
    PlanFacts,
    PlanState,
    Transition,
    Trigger,
)
from cg_shared.audit import audit_row
from cg_shared.auth import Principal
from cg_shared.db import utcnow
from cg_shared.events.planning import PlanDrafted
from cg_shared.http import Conflict, FieldError
from cg_shared.i18n import msg
from cg_shared.messaging import add_to_outbox
from cg_shared.rows import bump_version, snapshot


async def plan_facts(session: AsyncSession, plan: Plan, decision: DecisionFacts | None = None) -> PlanFacts:
    rows = (
        await session.execute(
            select(PlanItem.id, PlanItem.title_ko, func.count(Deliberation.id))
            .outerjoin(Deliberation, Deliberation.item_id == PlanItem.id)
            .where(PlanItem.plan_id == plan.id)
            .group_by(PlanItem.id, PlanItem.title_ko, PlanItem.created_at)
            .order_by(PlanItem.created_at, PlanItem.id)
        )
    ).all()
    last_year = await session.scalar(
        select(func.max(PlanEvaluation.fiscal_year)).where(PlanEvaluation.plan_id == plan.id)
    )
    return PlanFacts(
        kind=plan.kind,
        item_count=len(rows),
        items_without_deliberation=tuple(ItemRef(r[0], r[1]) for r in rows if r[2] == 0),
        decision=decision,
        term_end_year=plan.term_end_year,
        last_evaluated_year=last_year,
    )


def plan_event_fields(plan: Plan) -> dict[str, Any]:
    """What every plan event says about its plan."""
    return {
        "plan_id": plan.id,
        "sgg_code": plan.sgg_code,
        "kind": plan.kind,
        "fiscal_year": plan.fiscal_year,
        "title_ko": plan.title_ko,
    }


def _illegal(plan: Plan, exc: IllegalTransition) -> Conflict:
    return Conflict(
        exc.message,
        slug="illegal-transition",
        extra={
            "current_state": exc.current.value,
            "requested": exc.target.value,
            "allowed_moves": [move_view(t).model_dump() for t in exc.allowed],
        },
    )


def _guard_failed(plan: Plan, exc: GuardFailed) -> Conflict:
    if exc.items:
        names = ", ".join(f"'{i.title_ko}' ({i.item_id})" for i in exc.items)
        return Conflict(
            msg(
                "plan {plan_id} cannot go to committee review: items without any deliberation record: {names}",
                plan_id=plan.id,
                names=names,
            ),
            slug="deliberation-missing",
            errors=[
                FieldError(
                    field=f"items.{i.item_id}",
                    message=msg("'{title_ko}' has no deliberation record", title_ko=i.title_ko),
                )
                for i in exc.items
            ],
            extra={
                "current_state": plan.state,
                "items_without_deliberation": [
                    {"item_id": i.item_id, "title_ko": i.title_ko} for i in exc.items
                ],
            },
        )
    return Conflict(
        exc.message,
        slug="transition-guard",
        extra={"current_state": plan.state, "reasons": [str(r) for r in exc.reasons]},
    )


def decide(plan: Plan, target: PlanState, trigger: Trigger, facts: PlanFacts) -> Transition:
    try:
        return workflow.plan_move(PlanState(plan.state), target, trigger, facts)
    except IllegalTransition as exc:
        raise _illegal(plan, exc) from exc
    except GuardFailed as exc:
        raise _guard_failed(plan, exc) from exc


def apply_move(
    session: AsyncSession,
    plan: Plan,
    transition: Transition,
    *,
    actor: Principal | str,
    reason: str,
    decision_id: str | None = None,
) -> None:
    """Move the plan and write the history row, the audit row and the events of entering a state."""
    before = snapshot(plan)
    now = utcnow()
    plan.state = transition.target.value
    bump_version(plan, at=now)
    actor_sub = actor.sub if isinstance(actor, Principal) else actor
    actor_role = actor.role.value if isinstance(actor, Principal) else transition.actor.value
    session.add(
        PlanTransition(
            plan_id=plan.id,
            from_state=transition.source.value,
            to_state=transition.target.value,
            trigger=transition.trigger.value,
            actor=actor_sub,
            actor_role=actor_role,
            reason=reason,
            decision_id=decision_id,
            at=now,
        )
    )
    if transition.target is PlanState.DRAFTING:
        add_to_outbox(
            session,
            PlanDrafted(**plan_event_fields(plan)),
            subject=plan.id,
        )
    audit_row(
        session,
        actor=actor,
        action=f"plan.transition.{transition.target.value.lower()}",
        entity_type="plan",
        row=plan,
        before=before,
    )
