"""Use cases of the SMG funding channels (one transaction each, opened by the router).

Two ways SMG money reaches a borough are kept apart on purpose, because the study's remedy is to move
money from the first to the second:

* **programmes** (공모사업): SMG opens a call, boroughs apply project by project inside the call window,
  SMG awards or rejects each application after the call closed;
* the **block grant** (통합 보조금): one amount per borough and fiscal year that the borough may only put
  on items of its adopted plan — the budget requests budget opened from planning's ``PlanAdopted``.

:func:`channel_report` says per borough and year which share of SMG money went through the plan.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cg_budget.budget_requests.models import BudgetRequest
from cg_budget.common import ensure_admin, ensure_known_sgg, ensure_officer
from cg_budget.smg.models import BlockGrant, ProgrammeApplication, SmgProgramme
from cg_budget.smg.schemas import (
    ApplicationCreate,
    ApplicationDecision,
    ApplicationRead,
    ApplicationStatus,
    CallState,
    ChannelReport,
    ChannelRow,
    Outcome,
    ProgrammeCreate,
    ProgrammeRead,
)
from cg_budget.writes import finish_write
from cg_shared.auth import Principal
from cg_shared.clock import now_utc, today_seoul
from cg_shared.districts import DISTRICTS
from cg_shared.events.budget import SmgAwardDecided
from cg_shared.http import Conflict, FieldError, Unprocessable
from cg_shared.i18n import msg
from cg_shared.rows import get_or_404, loader

# --- programmes ------------------------------------------------------------------------------------


def call_state(programme: SmgProgramme, today: date) -> CallState:
    if today < programme.call_opens_on:
        return CallState.UPCOMING
    if today > programme.call_closes_on:
        return CallState.CLOSED
    return CallState.OPEN


def _programme_read(programme: SmgProgramme, applications: int) -> ProgrammeRead:
    return ProgrammeRead(
        id=programme.id,
        code=programme.code,
        title_ko=programme.title_ko,
        title_en=programme.title_en,
        fiscal_year=programme.fiscal_year,
        policy_field=programme.policy_field,
        pool_krw=programme.pool_krw,
        max_award_krw=programme.max_award_krw,
        awarded_krw=programme.awarded_krw,
        call_opens_on=programme.call_opens_on,
        call_closes_on=programme.call_closes_on,
        call_state=call_state(programme, today_seoul()),
        description=programme.description,
        application_count=applications,
        created_at=programme.created_at,
    )


def _application_read(app: ProgrammeApplication) -> ApplicationRead:
    return ApplicationRead(
        id=app.id,
        programme_id=app.programme_id,
        sgg_code=app.sgg_code,
        title_ko=app.title_ko,
        requested_krw=app.requested_krw,
        plan_item_id=app.plan_item_id,
        status=ApplicationStatus(app.status),
        award_krw=app.award_krw,
        reason=app.reason,
        submitted_on=app.submitted_on,
        decided_at=app.decided_at,
    )


async def create_programme(
    *, session: AsyncSession, principal: Principal, programme_in: ProgrammeCreate
) -> ProgrammeRead:
    ensure_admin(principal)
    if programme_in.call_closes_on < programme_in.call_opens_on:
        raise Unprocessable(
            msg("the call cannot close before it opens"),
            errors=[FieldError(field="body.call_closes_on", message=msg("before call_opens_on"))],
        )
    if programme_in.call_closes_on < today_seoul():
        raise Unprocessable(
            msg("a call cannot be announced after it closed (no backdating)"),
            errors=[FieldError(field="body.call_closes_on", message=msg("in the past (Seoul date)"))],
            slug="backdated",
        )
    if programme_in.max_award_krw is not None and programme_in.max_award_krw > programme_in.pool_krw:
        raise Unprocessable(
            msg("the cap per application exceeds the programme's pool"),
            errors=[FieldError(field="body.max_award_krw", message=msg("greater than pool_krw"))],
        )
    taken = await session.scalar(select(SmgProgramme.id).where(SmgProgramme.code == programme_in.code))
    if taken is not None:
        raise Conflict(msg("programme code {code} is taken", code=programme_in.code), slug="duplicate-code")
    programme = SmgProgramme(**programme_in.model_dump(), created_by=principal.sub)
    session.add(programme)
    return await finish_write(
        session,
        programme,
        lambda: _programme_read(programme, 0),
        actor=principal,
        action="smg_programme.created",
        entity_type="smg_programme",
        dump="json",
    )


_load_programme = loader(
    SmgProgramme,
    lambda programme_id: msg("no SMG programme with id {programme_id}", programme_id=programme_id),
)


async def list_programmes(*, session: AsyncSession, fiscal_year: int | None) -> list[ProgrammeRead]:
    counts = (
        select(ProgrammeApplication.programme_id, func.count().label("n"))
        .group_by(ProgrammeApplication.programme_id)
        .subquery()
    )
    stmt = select(SmgProgramme, func.coalesce(counts.c.n, 0)).outerjoin(
        counts, counts.c.programme_id == SmgProgramme.id
    )
    if fiscal_year is not None:
        stmt = stmt.where(SmgProgramme.fiscal_year == fiscal_year)
    rows = await session.execute(stmt.order_by(SmgProgramme.fiscal_year.desc(), SmgProgramme.code))
    return [_programme_read(p, n) for p, n in rows]


async def get_programme(*, session: AsyncSession, programme_id: str) -> ProgrammeRead:
    programme = await _load_programme(session, programme_id)
    n = await session.scalar(select(func.count()).where(ProgrammeApplication.programme_id == programme_id))
    return _programme_read(programme, int(n or 0))


async def _plan_request(
    session: AsyncSession, *, plan_item_id: str, sgg_code: str, field: str
) -> BudgetRequest:
    """The budget request opened from an adopted plan item of this borough (the read model of PlanAdopted)."""
    req = (
        await session.execute(
            select(BudgetRequest)
            .where(
                BudgetRequest.plan_item_id == plan_item_id,
                BudgetRequest.source == "plan",
                BudgetRequest.sgg_code == sgg_code,
            )
            .order_by(BudgetRequest.fiscal_year)
            .limit(1)
        )
    ).scalar_one_or_none()
    if req is None:
        raise Unprocessable(
            msg(
                "{plan_item_id} is not an item of an adopted plan of this borough", plan_item_id=plan_item_id
            ),
            errors=[FieldError(field=field, message=msg("not an adopted plan item of the borough"))],
        )
    return req


async def apply(
    *, session: AsyncSession, principal: Principal, programme_id: str, application_in: ApplicationCreate
) -> ApplicationRead:
    programme = await _load_programme(session, programme_id)
    ensure_known_sgg(application_in.sgg_code, field="body.sgg_code", allow_smg=False)
    ensure_officer(principal, application_in.sgg_code)
    today = today_seoul()
    state = call_state(programme, today)
    if state is CallState.UPCOMING:
        raise Conflict(
            msg("the call opens on {date}", date=programme.call_opens_on.isoformat()),
            slug="call-not-open-yet",
        )
    if state is CallState.CLOSED:
        raise Conflict(
            msg("the call closed on {date}", date=programme.call_closes_on.isoformat()), slug="call-closed"
        )
    if programme.max_award_krw is not None and application_in.requested_krw > programme.max_award_krw:
        raise Unprocessable(
            msg("more than the programme's cap of {cap} won", cap=f"{programme.max_award_krw:,}"),
            errors=[FieldError(field="body.requested_krw", message=msg("above max_award_krw"))],
        )
    if application_in.plan_item_id:
        await _plan_request(
            session,
            plan_item_id=application_in.plan_item_id,
            sgg_code=application_in.sgg_code,
            field="body.plan_item_id",
        )
    app = ProgrammeApplication(
        programme_id=programme.id,
        sgg_code=application_in.sgg_code,
        title_ko=application_in.title_ko,
        requested_krw=application_in.requested_krw,
        plan_item_id=application_in.plan_item_id or None,
        status=ApplicationStatus.SUBMITTED.value,
        submitted_on=today,
        created_by=principal.sub,
    )
    session.add(app)
    return await finish_write(
        session,
        app,
        lambda: _application_read(app),
        actor=principal,
        action="smg_application.submitted",
        entity_type="smg_application",
        dump="json",
    )


async def list_applications(*, session: AsyncSession, programme_id: str) -> list[ApplicationRead]:
    await _load_programme(session, programme_id)
    rows = await session.execute(
        select(ProgrammeApplication)
        .where(ProgrammeApplication.programme_id == programme_id)
        .order_by(ProgrammeApplication.sgg_code, ProgrammeApplication.created_at, ProgrammeApplication.id)
    )
    return [_application_read(a) for a in rows.scalars()]


def _ruling(
    app: ProgrammeApplication, programme: SmgProgramme, decision: ApplicationDecision
) -> tuple[str, int]:
    """The status and award a decision gives: a rejection has its reason, an award is within what was
    asked and what the pool has left."""
    if decision.outcome is Outcome.REJECTED:
        if not decision.reason.strip():
            raise Unprocessable(
                msg("a rejection needs its reason"),
                errors=[FieldError(field="body.reason", message=msg("required when rejected"))],
            )
        return ApplicationStatus.REJECTED.value, 0
    award = app.requested_krw if decision.award_krw is None else decision.award_krw
    if award <= 0 or award > app.requested_krw:
        raise Unprocessable(
            msg(
                "an award is more than 0 and at most the requested {requested} won",
                requested=f"{app.requested_krw:,}",
            ),
            errors=[FieldError(field="body.award_krw", message=msg("outside 1..requested_krw"))],
        )
    if programme.awarded_krw + award > programme.pool_krw:
        raise Conflict(
            msg(
                "the programme has {left} won left, less than {award} won",
                left=f"{programme.pool_krw - programme.awarded_krw:,}",
                award=f"{award:,}",
            ),
            slug="pool-exhausted",
        )
    return ApplicationStatus.AWARDED.value, award


async def decide(
    *, session: AsyncSession, principal: Principal, application_id: str, decision: ApplicationDecision
) -> ApplicationRead:
    ensure_admin(principal)
    app = await get_or_404(
        session,
        ProgrammeApplication,
        application_id,
        msg("no application with id {application_id}", application_id=application_id),
        for_update=True,
    )
    programme = await _load_programme(session, app.programme_id, for_update=True)
    if app.status != ApplicationStatus.SUBMITTED.value:
        raise Conflict(msg("the application was already {status}", status=app.status), slug="already-decided")
    if call_state(programme, today_seoul()) is not CallState.CLOSED:
        raise Conflict(
            msg(
                "applications are decided after the call closes on {date}",
                date=programme.call_closes_on.isoformat(),
            ),
            slug="call-still-open",
        )
    before = _application_read(app).model_dump(mode="json")
    app.status, app.award_krw = _ruling(app, programme, decision)
    if app.award_krw:
        programme.awarded_krw += app.award_krw
    app.reason = decision.reason
    app.decided_at = now_utc()
    return await finish_write(
        session,
        app,
        lambda: _application_read(app),
        actor=principal,
        action="smg_application.decided",
        entity_type="smg_application",
        before=before,
        event=lambda _: SmgAwardDecided(
            application_id=app.id,
            programme_id=programme.id,
            programme_code=programme.code,
            sgg_code=app.sgg_code,
            fiscal_year=programme.fiscal_year,
            outcome=app.status,
            award_krw=app.award_krw,
            plan_item_id=app.plan_item_id,
            reason=app.reason,
        ),
        dump="json",
    )


# --- the report ------------------------------------------------------------------------------------


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


async def channel_report(
    *, session: AsyncSession, fiscal_year: int | None, sgg_code: str | None
) -> ChannelReport:
    """Per borough and fiscal year: SMG money through the plan (block grant on plan items) versus awards of
    project-by-project programmes. Three grouped queries; rows only where SMG money was committed."""
    figures: dict[tuple[str, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))

    grants = select(
        BlockGrant.sgg_code, BlockGrant.fiscal_year, BlockGrant.amount_krw, BlockGrant.assigned_krw
    )
    awards = (
        select(
            ProgrammeApplication.sgg_code,
            SmgProgramme.fiscal_year,
            func.count(),
            func.coalesce(func.sum(ProgrammeApplication.award_krw), 0),
            func.coalesce(
                func.sum(ProgrammeApplication.award_krw).filter(
                    ProgrammeApplication.plan_item_id.is_not(None)
                ),
                0,
            ),
        )
        .join(SmgProgramme, SmgProgramme.id == ProgrammeApplication.programme_id)
        .group_by(ProgrammeApplication.sgg_code, SmgProgramme.fiscal_year)
    )
    if fiscal_year is not None:
        grants = grants.where(BlockGrant.fiscal_year == fiscal_year)
        awards = awards.where(SmgProgramme.fiscal_year == fiscal_year)
    if sgg_code is not None:
        grants = grants.where(BlockGrant.sgg_code == sgg_code)
        awards = awards.where(ProgrammeApplication.sgg_code == sgg_code)
    for code, year, amount, assigned in await session.execute(grants):
        figures[(code, year)]["block"] += amount
        figures[(code, year)]["plan"] += assigned
    for code, year, n, awarded, on_items in await session.execute(awards):
        figures[(code, year)]["applications"] += n
        figures[(code, year)]["awarded"] += awarded
        figures[(code, year)]["awarded_on_items"] += on_items

    rows = []
    for (code, year), f in sorted(figures.items()):
        district = DISTRICTS.get(code)
        total = f["plan"] + f["awarded"]
        rows.append(
            ChannelRow(
                sgg_code=code,
                name_ko=district.name_ko if district else "",
                name_en=district.name_en if district else "",
                fiscal_year=year,
                block_grant_krw=f["block"],
                through_plan_krw=f["plan"],
                programme_awarded_krw=f["awarded"],
                programme_awarded_on_plan_items_krw=f["awarded_on_items"],
                programme_application_count=f["applications"],
                smg_total_krw=total,
                plan_share=_share(f["plan"], total),
            )
        )
    plan = sum(r.through_plan_krw for r in rows)
    awarded = sum(r.programme_awarded_krw for r in rows)
    return ChannelReport(
        fiscal_year=fiscal_year,
        rows=rows,
        through_plan_krw=plan,
        programme_awarded_krw=awarded,
        plan_share=_share(plan, plan + awarded),
    )
