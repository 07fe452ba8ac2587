"""Plan use cases: create, update, move through the workflow, submit, committee decisions, evaluation,
participation metrics. Each public function is one transaction's worth of work (the caller commits)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cg_planning.common import cursor_after, ensure_known_borough, ensure_officer, new_id
from cg_planning.deliberations.models import Deliberation
from cg_planning.items import service as items
from cg_planning.items.models import PlanItem
from cg_planning.plans import metrics as plan_metrics
from cg_planning.plans import workflow
from cg_planning.plans.models import CommitteeDecision, Plan, PlanEvaluation, PlanTransition
from cg_planning.plans.rows import ensure_editable, load_plan
from cg_planning.plans.schemas import (
    AdoptionTimingRead,
    CommitteeDecisionRead,
    Coordinator,
    EvaluationCreate,
    EvaluationRead,
    Grade,
    GradeUpdate,
    ItemParticipationRead,
    ItemResult,
    MoveRead,
    ParticipationFigures,
    PlanCreate,
    PlanKind,
    PlanMetricsRead,
    PlanRead,
    PlanUpdate,
    SubmitRequest,
    TransitionRead,
    TransitionRequest,
    WorkflowRuleRead,
)
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
from cg_planning.proposals.models import Proposal
from cg_planning.timeline import service as timeline
from cg_planning.timeline.schemas import Stage
from cg_shared.audit import record_audit
from cg_shared.auth import Principal, ensure_role
from cg_shared.clock import seoul_date, today_seoul
from cg_shared.db import utcnow
from cg_shared.events import CloudEvent
from cg_shared.events.committee import DecisionRecorded
from cg_shared.events.planning import (
    PlanAdopted,
    PlanDrafted,
    PlanEvaluated,
    PlanRevisionRequested,
    PlanSubmitted,
)
from cg_shared.http import (
    Conflict,
    FieldError,
    Forbidden,
    NotFound,
    Page,
    PageParams,
    Unprocessable,
    check_if_match,
    encode_cursor,
)
from cg_shared.i18n import Msg, msg
from cg_shared.messaging import add_to_outbox
from cg_shared.paging import keyset, make_page, parse_datetime
from cg_shared.rows import bump_version

log = logging.getLogger(__name__)

MASTER_TERM_YEARS = 3


# --- views ----------------------------------------------------------------------------------------


def _move(t: Transition) -> MoveRead:
    return MoveRead(to=t.target, trigger=t.trigger.value, via=t.via, actor=t.actor.value, guard=t.guard_text)


def workflow_rules() -> list[WorkflowRuleRead]:
    return [WorkflowRuleRead(source=t.source, **_move(t).model_dump()) for t in workflow.TRANSITIONS]


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


async def _views(session: AsyncSession, plans: Sequence[Plan]) -> list[PlanRead]:
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
            allowed_moves=[_move(t) for t in workflow.allowed_moves(PlanState(plan.state))],
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


async def _view(session: AsyncSession, plan: Plan) -> PlanRead:
    return (await _views(session, [plan]))[0]


def _snapshot(plan: Plan) -> dict[str, Any]:
    return {c.key: getattr(plan, c.key) for c in Plan.__table__.columns}


# --- create / read / update -----------------------------------------------------------------------


async def create(*, session: AsyncSession, principal: Principal, plan_in: PlanCreate) -> PlanRead:
    ensure_officer(principal, plan_in.sgg_code)
    ensure_known_borough(plan_in.sgg_code, field="body.sgg_code")
    errors: list[FieldError] = []
    master: Plan | None = None
    if plan_in.kind is PlanKind.MASTER:
        if plan_in.term_start_year is None:
            errors.append(
                FieldError(field="body.term_start_year", message="a master plan needs its first year")
            )
        if plan_in.fiscal_year is not None:
            errors.append(
                FieldError(field="body.fiscal_year", message="only annual plans have a fiscal_year")
            )
        if plan_in.master_plan_id is not None:
            errors.append(FieldError(field="body.master_plan_id", message="a master plan has no master plan"))
    else:
        if plan_in.fiscal_year is None:
            errors.append(
                FieldError(field="body.fiscal_year", message="an annual plan needs its fiscal year")
            )
        if plan_in.term_start_year is not None:
            errors.append(
                FieldError(field="body.term_start_year", message="only master plans have a 3-year term")
            )
        if plan_in.master_plan_id is None:
            errors.append(
                FieldError(field="body.master_plan_id", message="an annual plan belongs to a master plan")
            )
        else:
            master = await session.get(Plan, plan_in.master_plan_id)
            if master is None or master.kind != PlanKind.MASTER.value:
                errors.append(
                    FieldError(
                        field="body.master_plan_id",
                        message=msg("no master plan {master_plan_id}", master_plan_id=plan_in.master_plan_id),
                    )
                )
            elif master.sgg_code != plan_in.sgg_code:
                errors.append(
                    FieldError(
                        field="body.master_plan_id",
                        message=msg(
                            "master plan {master_id} belongs to borough {sgg_code}",
                            master_id=master.id,
                            sgg_code=master.sgg_code,
                        ),
                    )
                )
            elif plan_in.fiscal_year is not None and not (
                master.term_start_year <= plan_in.fiscal_year <= master.term_end_year
            ):
                errors.append(
                    FieldError(
                        field="body.fiscal_year",
                        message=msg(
                            "{fiscal_year} is outside the master plan's term {term_start_year}–{term_end_year}",
                            fiscal_year=plan_in.fiscal_year,
                            term_start_year=master.term_start_year,
                            term_end_year=master.term_end_year,
                        ),
                    )
                )
    if errors:
        raise Unprocessable(
            msg("the plan is not valid: {reasons}", reasons=Msg.joined("; ", [e.message for e in errors])),
            errors=errors,
        )

    if plan_in.kind is PlanKind.MASTER:
        assert plan_in.term_start_year is not None
        start, end = plan_in.term_start_year, plan_in.term_start_year + MASTER_TERM_YEARS - 1
        clash = await session.scalar(
            select(Plan.id).where(
                Plan.sgg_code == plan_in.sgg_code,
                Plan.kind == PlanKind.MASTER.value,
                Plan.term_start_year <= end,
                Plan.term_end_year >= start,
            )
        )
        if clash:
            raise Conflict(
                msg(
                    "borough {sgg_code} already has master plan {clash} for years overlapping {start}–{end}",
                    sgg_code=plan_in.sgg_code,
                    clash=clash,
                    start=start,
                    end=end,
                ),
                slug="plan-exists",
                extra={"existing_plan_id": clash},
            )
    else:
        assert plan_in.fiscal_year is not None and master is not None
        start = end = plan_in.fiscal_year
        clash = await session.scalar(
            select(Plan.id).where(Plan.master_plan_id == master.id, Plan.fiscal_year == plan_in.fiscal_year)
        )
        if clash:
            raise Conflict(
                msg(
                    "master plan {master_id} already has annual plan {clash} for {fiscal_year}",
                    master_id=master.id,
                    clash=clash,
                    fiscal_year=plan_in.fiscal_year,
                ),
                slug="plan-exists",
                extra={"existing_plan_id": clash},
            )
    now = utcnow()
    plan = Plan(
        id=new_id(),
        sgg_code=plan_in.sgg_code,
        kind=plan_in.kind.value,
        master_plan_id=plan_in.master_plan_id,
        fiscal_year=plan_in.fiscal_year,
        term_start_year=start,
        term_end_year=end,
        title_ko=plan_in.title_ko,
        title_en=plan_in.title_en,
        themes=list(plan_in.themes),
        goals=list(plan_in.goals),
        coordinator_name=plan_in.coordinator.name if plan_in.coordinator else None,
        coordinator_organisation=plan_in.coordinator.organisation if plan_in.coordinator else None,
        state=PlanState.DISCOVERY.value,
        version=1,
        created_by=principal.sub,
        created_at=now,
        updated_at=now,
    )
    session.add(plan)
    await session.flush()
    session.add(
        PlanTransition(
            plan_id=plan.id,
            from_state=None,
            to_state=PlanState.DISCOVERY.value,
            trigger="create",
            actor=principal.sub,
            actor_role=principal.role.value,
            reason="plan created",
            at=now,
        )
    )
    record_audit(
        session,
        actor=principal,
        action="plan.create",
        entity_type="plan",
        entity_id=plan.id,
        sgg_code=plan.sgg_code,
        after=_snapshot(plan),
    )
    return await _view(session, plan)


async def get(*, session: AsyncSession, plan_id: str) -> PlanRead:
    return await _view(session, await load_plan(session, plan_id))


async def list_plans(
    *,
    session: AsyncSession,
    page: PageParams,
    sgg_code: str | None,
    kind: PlanKind | None,
    state: PlanState | None,
    fiscal_year: int | None,
) -> Page[PlanRead]:
    stmt = select(Plan)
    if sgg_code:
        stmt = stmt.where(Plan.sgg_code == sgg_code)
    if kind:
        stmt = stmt.where(Plan.kind == kind.value)
    if state:
        stmt = stmt.where(Plan.state == state.value)
    if fiscal_year:
        # A master plan "covers" every year of its term.
        stmt = stmt.where(Plan.term_start_year <= fiscal_year, Plan.term_end_year >= fiscal_year)
    stmt = keyset(
        stmt, sort=Plan.created_at, tiebreak=Plan.id, page=page, parse=parse_datetime, descending=True
    )
    rows = list((await session.execute(stmt)).scalars())
    views = dict(zip((r.id for r in rows), await _views(session, rows[: page.limit]), strict=False))
    return make_page(
        rows, page=page, key=lambda r: [r.created_at.isoformat(), r.id], read=lambda r: views[r.id]
    )


async def update(
    *, session: AsyncSession, principal: Principal, plan_id: str, plan_in: PlanUpdate, if_match: str | None
) -> PlanRead:
    plan = await load_plan(session, plan_id, for_update=True)
    ensure_officer(principal, plan.sgg_code)
    check_if_match(if_match, plan.version)
    ensure_editable(plan, "changing the plan")
    changes = plan_in.model_dump(exclude_unset=True)
    if not changes:
        return await _view(session, plan)
    before = _snapshot(plan)
    if "title_ko" in changes and plan_in.title_ko is not None:
        plan.title_ko = plan_in.title_ko
    if "title_en" in changes and plan_in.title_en is not None:
        plan.title_en = plan_in.title_en
    if "themes" in changes:
        plan.themes = list(plan_in.themes or [])
    if "goals" in changes:
        plan.goals = list(plan_in.goals or [])
    if "coordinator" in changes:
        plan.coordinator_name = plan_in.coordinator.name if plan_in.coordinator else None
        plan.coordinator_organisation = plan_in.coordinator.organisation if plan_in.coordinator else None
    bump_version(plan)
    await session.flush()
    record_audit(
        session,
        actor=principal,
        action="plan.update",
        entity_type="plan",
        entity_id=plan.id,
        sgg_code=plan.sgg_code,
        before=before,
        after=_snapshot(plan),
    )
    return await _view(session, plan)


# --- workflow -------------------------------------------------------------------------------------


async def _facts(session: AsyncSession, plan: Plan, decision: DecisionFacts | None = None) -> PlanFacts:
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


def _illegal(plan: Plan, exc: IllegalTransition) -> Conflict:
    return Conflict(
        exc.message,
        slug="illegal-transition",
        extra={
            "current_state": exc.current.value,
            "requested": exc.target.value,
            "allowed_moves": [_move(t).model_dump() for t in exc.allowed],
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


def _decide(plan: Plan, target: PlanState, trigger: Trigger, facts: PlanFacts) -> Transition:
    try:
        return workflow.plan_move(PlanState(plan.state), target, trigger, facts)
    except IllegalTransition as exc:
        raise _illegal(plan, exc) from exc
    except GuardFailed as exc:
        raise _guard_failed(plan, exc) from exc


def _apply(
    session: AsyncSession,
    plan: Plan,
    transition: Transition,
    *,
    actor: Principal | str,
    reason: str,
    decision_id: str | None = None,
) -> None:
    """Move the plan and write the history row, the audit row and the events of entering a state."""
    before = _snapshot(plan)
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
            PlanDrafted(
                plan_id=plan.id,
                sgg_code=plan.sgg_code,
                kind=plan.kind,
                fiscal_year=plan.fiscal_year,
                title_ko=plan.title_ko,
            ),
            subject=plan.id,
        )
    record_audit(
        session,
        actor=actor,
        action=f"plan.transition.{transition.target.value.lower()}",
        entity_type="plan",
        entity_id=plan.id,
        sgg_code=plan.sgg_code,
        before=before,
        after=_snapshot(plan),
    )


async def transition(
    *,
    session: AsyncSession,
    principal: Principal,
    plan_id: str,
    request: TransitionRequest,
    if_match: str | None,
) -> PlanRead:
    plan = await load_plan(session, plan_id, for_update=True)
    ensure_officer(principal, plan.sgg_code)
    check_if_match(if_match, plan.version, required=False)
    move = _decide(plan, request.to, Trigger.MANUAL, await _facts(session, plan))
    _apply(session, plan, move, actor=principal, reason=request.reason)
    await session.flush()
    return await _view(session, plan)


async def submit(
    *,
    session: AsyncSession,
    principal: Principal,
    plan_id: str,
    submit_in: SubmitRequest,
    if_match: str | None,
) -> PlanRead:
    plan = await load_plan(session, plan_id, for_update=True)
    ensure_officer(principal, plan.sgg_code)
    check_if_match(if_match, plan.version, required=False)
    move = _decide(plan, PlanState.COMMITTEE_REVIEW, Trigger.SUBMIT, await _facts(session, plan))
    plan.submitted_at = utcnow()
    _apply(session, plan, move, actor=principal, reason=submit_in.note or "submitted for committee review")
    plan_items = await items.items_of_plan(session, plan.id)
    add_to_outbox(
        session,
        PlanSubmitted(
            plan_id=plan.id,
            sgg_code=plan.sgg_code,
            kind=plan.kind,
            fiscal_year=plan.fiscal_year,
            title_ko=plan.title_ko,
            title_en=plan.title_en,
            submitted_at=plan.submitted_at,
            applicant_organisations=_union(i.applicant_organisations for i in plan_items),
            partner_organisations=_union(i.partner_organisations for i in plan_items),
            item_count=len(plan_items),
        ),
        subject=plan.id,
    )
    await session.flush()
    return await _view(session, plan)


def _union(lists: Any) -> list[str]:
    out: set[str] = set()
    for names in lists:
        out.update(str(n) for n in names)
    return sorted(out)


async def list_transitions(*, session: AsyncSession, plan_id: str, page: PageParams) -> Page[TransitionRead]:
    await load_plan(session, plan_id)
    stmt = select(PlanTransition).where(PlanTransition.plan_id == plan_id).order_by(PlanTransition.id)
    if (after := cursor_after(page, int)) is not None:
        stmt = stmt.where(PlanTransition.id > after[0])
    rows = list((await session.execute(stmt.limit(page.limit + 1))).scalars())
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    return Page(
        items=[TransitionRead.model_validate(r) for r in rows],
        next_cursor=encode_cursor([rows[-1].id]) if more and rows else None,
    )


# --- committee decisions (consumer) ---------------------------------------------------------------


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
    timing = (
        workflow.adoption_check(fiscal_year=plan.fiscal_year, adopted_on=seoul_date(decision.decided_at))
        if plan is not None and facts.adopts and plan.kind == PlanKind.ANNUAL.value and plan.fiscal_year
        else None
    )
    if timing is not None and timing.timing is workflow.AdoptionTiming.TOO_LATE:
        # Refused: the year is over; the plan goes back so the officer can redraft it for a later year.
        facts = DecisionFacts(
            decision.decision_id, decision.outcome, decision.valid, refused=timing.warnings[0]
        )
    applied = False
    if plan is None:
        result = f"ignored: no plan {(plan_id or '')[:200]}"
    elif plan.sgg_code != decision.sgg_code:
        # Only the plan's own borough committee can adopt it.
        result = (
            f"ignored: a committee of borough {decision.sgg_code} cannot decide a plan of {plan.sgg_code}"
        )
    elif plan.state != PlanState.COMMITTEE_REVIEW.value:
        result = f"ignored: plan was {plan.state}, not COMMITTEE_REVIEW"
    else:
        target = workflow.decision_target(facts)
        move = workflow.plan_move(
            PlanState(plan.state), target, Trigger.COMMITTEE_DECISION, await _facts(session, plan, facts)
        )
        reasons = (
            ([facts.refused] if facts.refused else [])
            or list(decision.reasons)
            or (
                ["the committee rejected the plan"]
                if decision.valid
                else ["the committee's decision was not valid"]
            )
        )
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
        if target is PlanState.ADOPTED:
            plan.adopted_at = decision.decided_at
        plan.decision_id = decision.decision_id
        _apply(
            session,
            plan,
            move,
            actor=f"committee:{decision.committee_id}",
            reason=why,
            decision_id=decision.decision_id,
        )
        if target is PlanState.ADOPTED:
            add_to_outbox(
                session,
                PlanAdopted(
                    plan_id=plan.id,
                    sgg_code=plan.sgg_code,
                    kind=plan.kind,
                    fiscal_year=plan.fiscal_year,
                    title_ko=plan.title_ko,
                    decision_id=decision.decision_id,
                    items=await items.item_data(session, await items.items_of_plan(session, plan.id)),
                ),
                subject=plan.id,
            )
        else:
            add_to_outbox(
                session,
                PlanRevisionRequested(
                    plan_id=plan.id, sgg_code=plan.sgg_code, decision_id=decision.decision_id, reasons=reasons
                ),
                subject=plan.id,
            )
        applied = True
        result = f"applied: {target.value}"
        await _record_decision_in_timelines(session, plan, decision, target, reasons)
    if not applied:
        log.warning(
            "committee decision not applied",
            extra={"decision_id": decision.decision_id, "plan_id": plan_id, "result": result},
        )
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


async def _record_decision_in_timelines(
    session: AsyncSession, plan: Plan, decision: DecisionRecorded, target: PlanState, reasons: list[str]
) -> None:
    """Residents whose proposals are in the plan's items learn that it was adopted or sent back."""
    item_ids = [i.id for i in await items.items_of_plan(session, plan.id)]
    amounts: dict[str, int | None] = dict.fromkeys(item_ids)
    if target is PlanState.ADOPTED:
        await timeline.record_for_items(
            session,
            amounts,
            stage=Stage.ADOPTED,
            at=decision.decided_at,
            detail=f"민관협치위원회가 「{plan.title_ko}」을(를) 의결했습니다",
            dedupe_key=f"adopted:{decision.decision_id}",
            plan_id=plan.id,
        )
    else:
        await timeline.record_for_items(
            session,
            amounts,
            stage=Stage.REVISION,
            at=decision.decided_at,
            detail=f"민관협치위원회 결정으로 「{plan.title_ko}」이(가) 보완 단계로 돌아갔습니다",
            reason="; ".join(reasons)[:2000],
            dedupe_key=f"revision:{decision.decision_id}",
            plan_id=plan.id,
        )


async def list_decisions(*, session: AsyncSession, plan_id: str) -> list[CommitteeDecisionRead]:
    await load_plan(session, plan_id)
    rows = (
        await session.execute(
            select(CommitteeDecision)
            .where(CommitteeDecision.plan_id == plan_id)
            .order_by(CommitteeDecision.received_at, CommitteeDecision.decision_id)
        )
    ).scalars()
    return [CommitteeDecisionRead.model_validate(r) for r in rows]


# --- metrics --------------------------------------------------------------------------------------


async def _compute_metrics(session: AsyncSession, plan: Plan) -> plan_metrics.PlanMetrics:
    plan_items = await items.items_of_plan(session, plan.id)
    item_ids = [i.id for i in plan_items]
    records = (
        (await session.execute(select(Deliberation).where(Deliberation.plan_id == plan.id))).scalars().all()
    )
    proposal_where = Proposal.plan_id == plan.id
    if item_ids:
        proposal_where = proposal_where | Proposal.item_id.in_(item_ids)
    statuses = list((await session.execute(select(Proposal.status).where(proposal_where))).scalars())
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
    m = await _compute_metrics(session, plan)
    return PlanMetricsRead(
        plan_id=plan.id,
        sgg_code=plan.sgg_code,
        state=PlanState(plan.state),
        items_total=m.items_total,
        items_by_origin=m.items_by_origin,
        origin_shares=m.origin_shares,
        deliberation_events=m.deliberation_events,
        participants=m.participants,
        deliberation_events_per_item=m.deliberation_events_per_item,
        participants_per_item=m.participants_per_item,
        items_changed_by_input=m.items_changed_by_input,
        share_items_changed_by_input=m.share_items_changed_by_input,
        proposals_received=m.proposals_received,
        proposals_by_status=m.proposals_by_status,
        share_proposals_accepted=m.share_proposals_accepted,
        items_without_deliberation=m.items_without_deliberation,
        public_led_items=m.public_led_items,
        tokenism_risk_items=m.tokenism_risk_items,
        items=[ItemParticipationRead(**vars(r)) for r in m.items],
    )


# --- evaluation -----------------------------------------------------------------------------------


def kpi_progress(*, actual: float, target: float, baseline: float | None) -> float | None:
    """Share of the way from baseline (or 0) to target, clipped to 0..1; None when it is undefined."""
    start = baseline if baseline is not None else 0.0
    if target == start:
        return None
    return max(0.0, min(1.0, (actual - start) / (target - start)))


def _grade(value: str | None) -> Grade | None:
    return cast(Grade, value) if value in ("가", "나", "다") else None


def _evaluation_view(row: PlanEvaluation) -> EvaluationRead:
    return EvaluationRead(
        id=row.id,
        plan_id=row.plan_id,
        fiscal_year=row.fiscal_year,
        item_results=[ItemResult.model_validate(r) for r in row.item_results],
        total_items=row.total_items,
        completed_items=row.completed_items,
        item_completion_rate=row.item_completion_rate,
        kpi_achievement_rate=row.kpi_achievement_rate,
        participation=ParticipationFigures.model_validate(row.participation),
        grade=_grade(row.grade),
        graded_at=row.graded_at,
        summary=row.summary,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _evaluated_event(plan: Plan, row: PlanEvaluation) -> PlanEvaluated:
    return PlanEvaluated(
        plan_id=plan.id,
        sgg_code=plan.sgg_code,
        fiscal_year=row.fiscal_year,
        grade=row.grade,
        item_completion_rate=row.item_completion_rate,
        participants=int(row.participation.get("participants", 0)),
        evaluation_id=row.id,
        kind=plan.kind,
        kpi_achievement_rate=row.kpi_achievement_rate,
        deliberation_events=int(row.participation.get("deliberation_events", 0)),
    )


def _check_results(
    results: Sequence[ItemResult], plan_items: dict[str, PlanItem]
) -> tuple[list[FieldError], list[float]]:
    errors: list[FieldError] = []
    progress: list[float] = []
    seen: set[str] = set()
    for n, result in enumerate(results):
        item = plan_items.get(result.item_id)
        if item is None:
            errors.append(
                FieldError(
                    field=f"body.item_results.{n}.item_id",
                    message=msg("{item_id} is not in this plan", item_id=result.item_id),
                )
            )
            continue
        if result.item_id in seen:
            errors.append(
                FieldError(
                    field=f"body.item_results.{n}.item_id",
                    message=msg("{item_id} is listed twice", item_id=result.item_id),
                )
            )
        seen.add(result.item_id)
        kpis = {k["name"]: k for k in item.kpis}
        for m, kpi_result in enumerate(result.kpi_results):
            kpi = kpis.get(kpi_result.name)
            if kpi is None:
                errors.append(
                    FieldError(
                        field=f"body.item_results.{n}.kpi_results.{m}.name",
                        message=msg(
                            "item '{title_ko}' has no KPI {name!r}",
                            title_ko=item.title_ko,
                            name=kpi_result.name,
                        ),
                    )
                )
                continue
            p = kpi_progress(
                actual=kpi_result.actual, target=float(kpi["target"]), baseline=kpi.get("baseline")
            )
            if p is not None:
                progress.append(p)
    return errors, progress


async def evaluate(
    *, session: AsyncSession, principal: Principal, plan_id: str, evaluation_in: EvaluationCreate
) -> EvaluationRead:
    plan = await load_plan(session, plan_id, for_update=True)
    ensure_officer(principal, plan.sgg_code)
    if evaluation_in.grade is not None and not principal.is_admin:
        raise Forbidden(
            "the grade (가/나/다) is the city's: only smg_admin may set body.grade",
            errors=[FieldError(field="body.grade", message="only smg_admin may grade")],
        )
    move = _decide(plan, PlanState.EVALUATED, Trigger.EVALUATION, await _facts(session, plan))
    year = evaluation_in.fiscal_year
    if plan.kind == PlanKind.ANNUAL.value and year != plan.fiscal_year:
        raise Unprocessable(
            "wrong fiscal year",
            errors=[
                FieldError(
                    field="body.fiscal_year",
                    message=msg("this annual plan runs {fiscal_year}", fiscal_year=plan.fiscal_year),
                )
            ],
        )
    if not plan.term_start_year <= year <= plan.term_end_year:
        raise Unprocessable(
            "wrong fiscal year",
            errors=[
                FieldError(
                    field="body.fiscal_year",
                    message=msg(
                        "{year} is outside the plan's term {term_start_year}–{term_end_year}",
                        year=year,
                        term_start_year=plan.term_start_year,
                        term_end_year=plan.term_end_year,
                    ),
                )
            ],
        )
    today = today_seoul()
    if year > today.year:
        raise Conflict(
            msg(
                "fiscal year {year} begins on {year}-01-01: it cannot be evaluated before it began "
                "(today is {today} in Seoul)",
                year=year,
                today=today.isoformat(),
            ),
            slug="year-not-begun",
            extra={"fiscal_year": year, "begins_on": f"{year}-01-01"},
        )
    if await session.scalar(
        select(PlanEvaluation.id).where(PlanEvaluation.plan_id == plan.id, PlanEvaluation.fiscal_year == year)
    ):
        raise Conflict(
            msg("plan {plan_id} already has an evaluation for {year}", plan_id=plan.id, year=year),
            slug="evaluation-exists",
        )
    plan_items = {i.id: i for i in await items.items_of_plan(session, plan.id)}
    errors, progress = _check_results(evaluation_in.item_results, plan_items)
    if errors:
        raise Unprocessable("the evaluation is not valid", errors=errors)
    m = await _compute_metrics(session, plan)
    completed = sum(1 for r in evaluation_in.item_results if r.completed)
    total = len(plan_items)
    now = utcnow()
    row = PlanEvaluation(
        id=new_id(),
        plan_id=plan.id,
        sgg_code=plan.sgg_code,
        fiscal_year=year,
        item_results=[r.model_dump() for r in evaluation_in.item_results],
        total_items=total,
        completed_items=completed,
        item_completion_rate=round(completed / total, 4) if total else 0.0,
        kpi_achievement_rate=round(sum(progress) / len(progress), 4) if progress else None,
        participation=ParticipationFigures(
            deliberation_events=m.deliberation_events,
            participants=m.participants,
            proposals_received=m.proposals_received,
            proposals_taken_up=m.proposals_by_status["accepted"] + m.proposals_by_status["merged"],
            share_items_changed_by_input=m.share_items_changed_by_input,
        ).model_dump(),
        grade=evaluation_in.grade,
        graded_by=principal.sub if evaluation_in.grade else None,
        graded_at=now if evaluation_in.grade else None,
        summary=evaluation_in.summary,
        recorded_by=principal.sub,
        version=1,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    _apply(session, plan, move, actor=principal, reason=f"evaluation of {year} recorded")
    await session.flush()
    add_to_outbox(session, _evaluated_event(plan, row), subject=plan.id)
    view = _evaluation_view(row)
    record_audit(
        session,
        actor=principal,
        action="plan.evaluate",
        entity_type="plan_evaluation",
        entity_id=row.id,
        sgg_code=plan.sgg_code,
        after=view.model_dump(),
    )
    return view


async def _load_evaluation(session: AsyncSession, plan_id: str, fiscal_year: int) -> PlanEvaluation:
    row = await session.scalar(
        select(PlanEvaluation)
        .where(PlanEvaluation.plan_id == plan_id, PlanEvaluation.fiscal_year == fiscal_year)
        .with_for_update()
    )
    if row is None:
        raise NotFound(
            msg(
                "plan {plan_id} has no evaluation for {fiscal_year}", plan_id=plan_id, fiscal_year=fiscal_year
            )
        )
    evaluation: PlanEvaluation = row
    return evaluation


async def set_grade(
    *,
    session: AsyncSession,
    principal: Principal,
    plan_id: str,
    fiscal_year: int,
    grade_in: GradeUpdate,
    if_match: str | None,
) -> EvaluationRead:
    ensure_role(principal)  # the city grades plans: smg_admin only
    plan = await load_plan(session, plan_id)
    row = await _load_evaluation(session, plan_id, fiscal_year)
    check_if_match(if_match, row.version)
    before = _evaluation_view(row).model_dump()
    now = utcnow()
    row.grade = grade_in.grade
    row.graded_by = principal.sub
    row.graded_at = now
    bump_version(row, at=now)
    await session.flush()
    # Budget keys its grade bonus on (plan, year): a re-emitted evaluation with the grade replaces the first.
    add_to_outbox(session, _evaluated_event(plan, row), subject=plan.id)
    view = _evaluation_view(row)
    record_audit(
        session,
        actor=principal,
        action="plan.grade",
        entity_type="plan_evaluation",
        entity_id=row.id,
        sgg_code=plan.sgg_code,
        before=before,
        after=view.model_dump(),
    )
    return view


async def list_evaluations(*, session: AsyncSession, plan_id: str) -> list[EvaluationRead]:
    await load_plan(session, plan_id)
    rows = (
        await session.execute(
            select(PlanEvaluation)
            .where(PlanEvaluation.plan_id == plan_id)
            .order_by(PlanEvaluation.fiscal_year)
        )
    ).scalars()
    return [_evaluation_view(r) for r in rows]


async def get_evaluation(*, session: AsyncSession, plan_id: str, fiscal_year: int) -> EvaluationRead:
    await load_plan(session, plan_id)
    row = await session.scalar(
        select(PlanEvaluation).where(
            PlanEvaluation.plan_id == plan_id, PlanEvaluation.fiscal_year == fiscal_year
        )
    )
    if row is None:
        raise NotFound(
            msg(
                "plan {plan_id} has no evaluation for {fiscal_year}", plan_id=plan_id, fiscal_year=fiscal_year
            )
        )
    return _evaluation_view(row)
