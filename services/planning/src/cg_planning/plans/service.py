"""Plan use cases: create, read, update, move through the workflow, submit. Each public function is one
transaction's worth of work (the caller commits). Committee decisions are in :mod:`.decisions`, the
yearly evaluation in :mod:`.evaluation`, participation metrics in :mod:`.participation`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cg_planning.common import cursor_after, ensure_known_borough, ensure_officer, new_id
from cg_planning.items import service as items
from cg_planning.plans import workflow
from cg_planning.plans.models import Plan, PlanTransition
from cg_planning.plans.moves import apply_move, decide, plan_event_fields, plan_facts
from cg_planning.plans.rows import ensure_editable, load_plan
from cg_planning.plans.schemas import (
    PlanCreate,
    PlanKind,
    PlanRead,
    PlanUpdate,
    SubmitRequest,
    TransitionRead,
    TransitionRequest,
    WorkflowRuleRead,
)
from cg_planning.plans.views import move_view, plan_view, plan_views
from cg_planning.plans.workflow import PlanState, Trigger
from cg_shared.audit import audit_row
from cg_shared.auth import Principal
from cg_shared.db import utcnow
from cg_shared.events.planning import PlanSubmitted
from cg_shared.http import (
    Conflict,
    FieldError,
    Page,
    PageParams,
    Unprocessable,
    check_if_match,
)
from cg_shared.i18n import Msg, msg
from cg_shared.messaging import add_to_outbox
from cg_shared.paging import keyset, make_page, parse_datetime
from cg_shared.rows import bump_version, snapshot

MASTER_TERM_YEARS = 3


def workflow_rules() -> list[WorkflowRuleRead]:
    return [WorkflowRuleRead(source=t.source, **move_view(t).model_dump()) for t in workflow.TRANSITIONS]


# --- create ---------------------------------------------------------------------------------------


def _kind_errors(plan_in: PlanCreate) -> list[FieldError]:
    """The fields a master plan (a 3-year term) and an annual plan (a year of a master plan) need."""
    errors: list[FieldError] = []
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
        return errors
    if plan_in.fiscal_year is None:
        errors.append(FieldError(field="body.fiscal_year", message="an annual plan needs its fiscal year"))
    if plan_in.term_start_year is not None:
        errors.append(
            FieldError(field="body.term_start_year", message="only master plans have a 3-year term")
        )
    if plan_in.master_plan_id is None:
        errors.append(
            FieldError(field="body.master_plan_id", message="an annual plan belongs to a master plan")
        )
    return errors


def _master_error(plan_in: PlanCreate, master: Plan | None) -> FieldError | None:
    """An annual plan's master plan must exist, be a master plan of its borough and cover its year."""
    if master is None or master.kind != PlanKind.MASTER.value:
        return FieldError(
            field="body.master_plan_id",
            message=msg("no master plan {master_plan_id}", master_plan_id=plan_in.master_plan_id),
        )
    if master.sgg_code != plan_in.sgg_code:
        return FieldError(
            field="body.master_plan_id",
            message=msg(
                "master plan {master_id} belongs to borough {sgg_code}",
                master_id=master.id,
                sgg_code=master.sgg_code,
            ),
        )
    if plan_in.fiscal_year is not None and not (
        master.term_start_year <= plan_in.fiscal_year <= master.term_end_year
    ):
        return FieldError(
            field="body.fiscal_year",
            message=msg(
                "{fiscal_year} is outside the master plan's term {term_start_year}–{term_end_year}",
                fiscal_year=plan_in.fiscal_year,
                term_start_year=master.term_start_year,
                term_end_year=master.term_end_year,
            ),
        )
    return None


async def _load_master(session: AsyncSession, plan_in: PlanCreate) -> Plan | None:
    """The master plan of a new annual plan, checked (422 naming every field that is wrong)."""
    errors = _kind_errors(plan_in)
    master: Plan | None = None
    if plan_in.kind is PlanKind.ANNUAL and plan_in.master_plan_id is not None:
        master = await session.get(Plan, plan_in.master_plan_id)
        if (error := _master_error(plan_in, master)) is not None:
            errors.append(error)
    if errors:
        raise Unprocessable(
            msg("the plan is not valid: {reasons}", reasons=Msg.joined("; ", [e.message for e in errors])),
            errors=errors,
        )
    return master


async def _term_without_clash(
    session: AsyncSession, plan_in: PlanCreate, master: Plan | None
) -> tuple[int, int]:
    """The new plan's years; 409 when its borough (master) or its master plan (annual) already has them."""
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
        message = msg(
            "borough {sgg_code} already has master plan {clash} for years overlapping {start}–{end}",
            sgg_code=plan_in.sgg_code,
            clash=clash,
            start=start,
            end=end,
        )
    else:
        assert plan_in.fiscal_year is not None and master is not None
        start = end = plan_in.fiscal_year
        clash = await session.scalar(
            select(Plan.id).where(Plan.master_plan_id == master.id, Plan.fiscal_year == plan_in.fiscal_year)
        )
        message = msg(
            "master plan {master_id} already has annual plan {clash} for {fiscal_year}",
            master_id=master.id,
            clash=clash,
            fiscal_year=plan_in.fiscal_year,
        )
    if clash:
        raise Conflict(message, slug="plan-exists", extra={"existing_plan_id": clash})
    return start, end


def _new_plan(plan_in: PlanCreate, principal: Principal, start: int, end: int) -> Plan:
    now = utcnow()
    return Plan(
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


async def create(*, session: AsyncSession, principal: Principal, plan_in: PlanCreate) -> PlanRead:
    ensure_officer(principal, plan_in.sgg_code)
    ensure_known_borough(plan_in.sgg_code, field="body.sgg_code")
    master = await _load_master(session, plan_in)
    start, end = await _term_without_clash(session, plan_in, master)
    plan = _new_plan(plan_in, principal, start, end)
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
            at=plan.created_at,
        )
    )
    _audit(session, principal, plan, "plan.create")
    return await plan_view(session, plan)


def _audit(
    session: AsyncSession, principal: Principal, plan: Plan, action: str, before: dict[str, Any] | None = None
) -> None:
    audit_row(
        session,
        actor=principal,
        action=action,
        entity_type="plan",
        row=plan,
        before=before,
    )


# --- read / update --------------------------------------------------------------------------------


async def get(*, session: AsyncSession, plan_id: str) -> PlanRead:
    return await plan_view(session, await load_plan(session, plan_id))


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
    rows = list(await session.scalars(stmt))
    views = dict(zip((r.id for r in rows), await plan_views(session, rows[: page.limit]), strict=False))
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
        return await plan_view(session, plan)
    before = snapshot(plan)
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
    _audit(session, principal, plan, "plan.update", before)
    return await plan_view(session, plan)


# --- workflow -------------------------------------------------------------------------------------


async def _load_to_move(
    session: AsyncSession, principal: Principal, plan_id: str, if_match: str | None
) -> Plan:
    """The plan, locked, for one of its officers; If-Match is optional on moves."""
    plan = await load_plan(session, plan_id, for_update=True)
    ensure_officer(principal, plan.sgg_code)
    check_if_match(if_match, plan.version, required=False)
    return plan


async def transition(
    *,
    session: AsyncSession,
    principal: Principal,
    plan_id: str,
    request: TransitionRequest,
    if_match: str | None,
) -> PlanRead:
    plan = await _load_to_move(session, principal, plan_id, if_match)
    move = decide(plan, request.to, Trigger.MANUAL, await plan_facts(session, plan))
    apply_move(session, plan, move, actor=principal, reason=request.reason)
    await session.flush()
    return await plan_view(session, plan)


async def submit(
    *,
    session: AsyncSession,
    principal: Principal,
    plan_id: str,
    submit_in: SubmitRequest,
    if_match: str | None,
) -> PlanRead:
    plan = await _load_to_move(session, principal, plan_id, if_match)
    move = decide(plan, PlanState.COMMITTEE_REVIEW, Trigger.SUBMIT, await plan_facts(session, plan))
    plan.submitted_at = utcnow()
    apply_move(
        session, plan, move, actor=principal, reason=submit_in.note or "submitted for committee review"
    )
    plan_items = await items.items_of_plan(session, plan.id)
    add_to_outbox(
        session,
        PlanSubmitted(
            **plan_event_fields(plan),
            title_en=plan.title_en,
            submitted_at=plan.submitted_at,
            applicant_organisations=_union(i.applicant_organisations for i in plan_items),
            partner_organisations=_union(i.partner_organisations for i in plan_items),
            item_count=len(plan_items),
        ),
        subject=plan.id,
    )
    await session.flush()
    return await plan_view(session, plan)


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
    rows = list(await session.scalars(stmt.limit(page.limit + 1)))
    return make_page(rows, page=page, key=lambda r: [r.id], read=TransitionRead.model_validate)
