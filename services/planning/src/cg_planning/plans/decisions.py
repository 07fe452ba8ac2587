"""Committee decisions on plans (consumer of committee's DecisionRecorded): a valid adopting decision
adopts the plan, anything else sends it back for revision; a decision that cannot apply is recorded."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cg_planning.items import service as items
from cg_planning.plans import workflow
from cg_planning.plans.models import CommitteeDecision, Plan
from cg_planning.plans.moves import apply_move, plan_event_fields, plan_facts
from cg_planning.plans.rows import load_plan
from cg_planning.plans.schemas import CommitteeDecisionRead, PlanKind
from cg_planning.plans.workflow import AdoptionCheck, DecisionFacts, PlanState, Trigger
from cg_planning.timeline import service as timeline
from cg_planning.timeline.schemas import Stage
from cg_shared.clock import seoul_date
from cg_shared.db import utcnow
from cg_shared.events import CloudEvent
from cg_shared.events.committee import DecisionRecorded
from cg_shared.events.planning import PlanAdopted, PlanRevisionRequested
from cg_shared.messaging import add_to_outbox

log = logging.getLogger(__name__)


def _adoption_timing(
    plan: Plan | None, facts: DecisionFacts, decision: DecisionRecorded
) -> AdoptionCheck | None:
    """When an annual plan would be adopted, relative to its fiscal year (None when nothing is adopted)."""
    if plan is None or not facts.adopts or plan.kind != PlanKind.ANNUAL.value or not plan.fiscal_year:
        return None
    return workflow.adoption_check(fiscal_year=plan.fiscal_year, adopted_on=seoul_date(decision.decided_at))


def _ignored(plan: Plan | None, plan_id: str | None, decision: DecisionRecorded) -> str | None:
    """Why the decision cannot move the plan, or None when it can."""
    if plan is None:
        return f"ignored: no plan {(plan_id or '')[:200]}"
    if plan.sgg_code != decision.sgg_code:
        # Only the plan's own borough committee can adopt it.
        return f"ignored: a committee of borough {decision.sgg_code} cannot decide a plan of {plan.sgg_code}"
    if plan.state != PlanState.COMMITTEE_REVIEW.value:
        return f"ignored: plan was {plan.state}, not COMMITTEE_REVIEW"
    return None


def _reasons(facts: DecisionFacts, decision: DecisionRecorded) -> list[str]:
    return (
        ([facts.refused] if facts.refused else [])
        or list(decision.reasons)
        or (
            ["the committee rejected the plan"]
            if decision.valid
            else ["the committee's decision was not valid"]
        )
    )


def _why(
    decision: DecisionRecorded, target: PlanState, timing: AdoptionCheck | None, reasons: list[str]
) -> str:
    """The history row's reason: the decision, its tally, and why it sent the plan back or came late."""
    t = decision.tally
    tally_text = f"yes {t.yes} / no {t.no} / abstain {t.abstain}; present {t.present} of {t.seated}"
    why = (
        f"committee decision {decision.decision_id}: {decision.outcome}, "
        f"{'valid' if decision.valid else 'invalid'} ({tally_text})"
    )
    if target is PlanState.REVISION:
        why += "; " + "; ".join(reasons)
    elif timing is not None and timing.warnings:
        why += "; late adoption: " + "; ".join(timing.warnings)
    return why


async def _move_plan(
    session: AsyncSession,
    plan: Plan,
    decision: DecisionRecorded,
    facts: DecisionFacts,
    timing: AdoptionCheck | None,
) -> PlanState:
    """Adopt the plan or send it back: the move, its event, and the proposers' timelines."""
    target = workflow.decision_target(facts)
    move = workflow.plan_move(
        PlanState(plan.state), target, Trigger.COMMITTEE_DECISION, await plan_facts(session, plan, facts)
    )
    reasons = _reasons(facts, decision)
    if target is PlanState.ADOPTED:
        plan.adopted_at = decision.decided_at
    plan.decision_id = decision.decision_id
    apply_move(
        session,
        plan,
        move,
        actor=f"committee:{decision.committee_id}",
        reason=_why(decision, target, timing, reasons),
        decision_id=decision.decision_id,
    )
    if target is PlanState.ADOPTED:
        event: PlanAdopted | PlanRevisionRequested = PlanAdopted(
            **plan_event_fields(plan),
            decision_id=decision.decision_id,
            items=await items.item_data(session, await items.items_of_plan(session, plan.id)),
        )
    else:
        event = PlanRevisionRequested(
            plan_id=plan.id, sgg_code=plan.sgg_code, decision_id=decision.decision_id, reasons=reasons
        )
    add_to_outbox(session, event, subject=plan.id)
    await _record_decision_in_timelines(session, plan, decision, target, reasons)
    return target


def _remember(
    session: AsyncSession,
    event: CloudEvent,
    decision: DecisionRecorded,
    plan_id: str | None,
    *,
    applied: bool,
    result: str,
) -> None:
    session.add(
        CommitteeDecision(
            decision_id=decision.decision_id,
            event_id=event.id,
            plan_id=(plan_id or "")[:200] or None,
            committee_id=decision.committee_id,
            meeting_id=decision.meeting_id,
            sgg_code=decision.sgg_code,
            outcome=decision.outcome,
            valid=decision.valid,
            reasons=list(decision.reasons),
            tally=decision.tally.model_dump(),
            decided_at=decision.decided_at,
            received_at=utcnow(),
            applied=applied,
            result=result,
        )
    )


async def apply_committee_decision(
    *, session: AsyncSession, event: CloudEvent, decision: DecisionRecorded
) -> None:
    """ADOPTED on a valid adopting decision, REVISION otherwise; anything else is recorded, not applied.

    Idempotent by design on top of the inbox: the decision id is remembered, and only a plan that is
    in COMMITTEE_REVIEW can move, so neither a redelivery nor a re-emitted decision changes anything.
    """
    if decision.subject_kind != "plan":
        return
    if await session.get(CommitteeDecision, decision.decision_id) is not None:
        log.info(
            "committee decision already seen; nothing to do", extra={"decision_id": decision.decision_id}
        )
        return
    plan_id = decision.subject_id
    plan = await session.get(Plan, plan_id, with_for_update=True) if plan_id else None
    facts = DecisionFacts(decision.decision_id, decision.outcome, decision.valid)
    timing = _adoption_timing(plan, facts, decision)
    if timing is not None and timing.timing is workflow.AdoptionTiming.TOO_LATE:
        # Refused: the year is over; the plan goes back so the officer can redraft it for a later year.
        facts = DecisionFacts(
            decision.decision_id, decision.outcome, decision.valid, refused=timing.warnings[0]
        )
    ignored = _ignored(plan, plan_id, decision)
    if plan is None or ignored is not None:
        result = ignored or ""
        log.warning(
            "committee decision not applied",
            extra={"decision_id": decision.decision_id, "plan_id": plan_id, "result": result},
        )
    else:
        target = await _move_plan(session, plan, decision, facts, timing)
        result = f"applied: {target.value}"
    _remember(session, event, decision, plan_id, applied=ignored is None, result=result)


async def _record_decision_in_timelines(
    session: AsyncSession, plan: Plan, decision: DecisionRecorded, target: PlanState, reasons: list[str]
) -> None:
    """Residents whose proposals are in the plan's items learn that it was adopted or sent back."""
    item_ids = [i.id for i in await items.items_of_plan(session, plan.id)]
    amounts: dict[str, int | None] = dict.fromkeys(item_ids)
    adopted = target is PlanState.ADOPTED
    await timeline.record_for_items(
        session,
        amounts,
        stage=Stage.ADOPTED if adopted else Stage.REVISION,
        at=decision.decided_at,
        detail=(
            f"민관협치위원회가 「{plan.title_ko}」을(를) 의결했습니다"
            if adopted
            else f"민관협치위원회 결정으로 「{plan.title_ko}」이(가) 보완 단계로 돌아갔습니다"
        ),
        reason=None if adopted else "; ".join(reasons)[:2000],
        dedupe_key=f"{'adopted' if adopted else 'revision'}:{decision.decision_id}",
        plan_id=plan.id,
    )


async def list_decisions(*, session: AsyncSession, plan_id: str) -> list[CommitteeDecisionRead]:
    await load_plan(session, plan_id)
    rows = await session.scalars(
        select(CommitteeDecision)
        .where(CommitteeDecision.plan_id == plan_id)
        .order_by(CommitteeDecision.received_at, CommitteeDecision.decision_id)
    )
    return [CommitteeDecisionRead.model_validate(r) for r in rows]
