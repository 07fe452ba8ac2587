"""Budget request use cases: open from adopted plans (consumer) or by hand, review, history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cg_budget.budget_requests import program_codes as pc
from cg_budget.budget_requests.models import BudgetRequest, RequestRevision
from cg_budget.budget_requests.schemas import (
    Feasibility,
    ProgramCodes,
    RequestCreate,
    RequestRead,
    RequestReview,
    RequestStatus,
    RevisionRead,
    YearlyAmount,
)
from cg_budget.common import ensure_known_sgg, ensure_officer
from cg_budget.cycles.calendar import CycleStatus
from cg_budget.cycles.models import Cycle
from cg_budget.events import emit
from cg_budget.smg.models import BlockGrantUse
from cg_shared.audit import record_audit
from cg_shared.auth import Principal
from cg_shared.db import utcnow
from cg_shared.events.budget import RequestCreated
from cg_shared.events.planning import PlanAdopted
from cg_shared.http import (
    Conflict,
    FieldError,
    Page,
    PageParams,
    Unprocessable,
    check_if_match,
    encode_cursor,
)
from cg_shared.i18n import msg
from cg_shared.rows import bump_version, get_or_404

CONSUMER_ACTOR = "system:plan-adopted"


def codes_of(req: BudgetRequest) -> dict[str, str | None]:
    return {name: getattr(req, name) for name in pc.CODE_NAMES}


def to_read(req: BudgetRequest) -> RequestRead:
    codes = codes_of(req)
    return RequestRead(
        id=req.id,
        sgg_code=req.sgg_code,
        fiscal_year=req.fiscal_year,
        cycle_id=req.cycle_id,
        source=req.source,
        plan_id=req.plan_id,
        plan_item_id=req.plan_item_id,
        title_ko=req.title_ko,
        title_en=req.title_en,
        origin=req.origin,
        policy_field=req.policy_field,
        responsible_department=req.responsible_department,
        partner_organisations=[str(o) for o in req.partner_organisations],
        linked_project_ids=[str(p) for p in req.linked_project_ids],
        yearly_amounts=[YearlyAmount.model_validate(y) for y in req.yearly_amounts],
        program_codes=ProgramCodes(**codes),
        program_code_issues=[f"{i.code}: {i.message}" for i in pc.check_codes(codes)],
        requested_krw=req.requested_krw,
        amount_krw=req.amount_krw,
        feasibility=Feasibility(req.feasibility),
        feasibility_note=req.feasibility_note,
        status=RequestStatus(req.status),
        version=req.version,
        created_at=req.created_at,
        updated_at=req.updated_at,
    )


async def load(session: AsyncSession, request_id: str, *, for_update: bool = False) -> BudgetRequest:
    return await get_or_404(
        session,
        BudgetRequest,
        request_id,
        msg("no budget request with id {request_id}", request_id=request_id),
        for_update=for_update,
    )


async def _cycle_for(session: AsyncSession, sgg_code: str, fiscal_year: int) -> str | None:
    cycle_id: str | None = await session.scalar(
        select(Cycle.id).where(Cycle.sgg_code == sgg_code, Cycle.fiscal_year == fiscal_year)
    )
    return cycle_id


async def _announce(session: AsyncSession, req: BudgetRequest, actor: Principal | str) -> RequestRead:
    await session.flush()
    read = to_read(req)
    await emit(
        session,
        RequestCreated(
            request_id=req.id,
            cycle_id=req.cycle_id,
            sgg_code=req.sgg_code,
            plan_id=req.plan_id or "",
            plan_item_id=req.plan_item_id or "",
            fiscal_year=req.fiscal_year,
            amount_krw=req.amount_krw,
        ),
        subject=req.id,
        sgg_code=req.sgg_code,
    )
    record_audit(
        session,
        actor=actor,
        action="request.create",
        entity_type="budget_request",
        entity_id=req.id,
        sgg_code=req.sgg_code,
        after=read.model_dump(),
    )
    return read


async def open_from_plan(*, session: AsyncSession, payload: PlanAdopted) -> list[str]:
    """One request per adopted item and fiscal-year amount; existing ones are left alone (idempotent)."""
    created: list[str] = []
    for item in payload.items:
        codes = item.program_codes.model_dump()
        yearly = [y.model_dump() for y in item.requested_budget]
        for amount in item.requested_budget:
            if amount.amount_krw <= 0:
                continue  # nothing to request for that year
            exists = await session.scalar(
                select(BudgetRequest.id).where(
                    BudgetRequest.plan_item_id == item.item_id,
                    BudgetRequest.fiscal_year == amount.fiscal_year,
                )
            )
            if exists is not None:
                continue
            now = utcnow()
            req = BudgetRequest(
                sgg_code=payload.sgg_code,
                fiscal_year=amount.fiscal_year,
                cycle_id=await _cycle_for(session, payload.sgg_code, amount.fiscal_year),
                source="plan",
                plan_id=payload.plan_id,
                plan_item_id=item.item_id,
                title_ko=item.title_ko[:300],
                title_en=item.title_en[:300],
                origin=item.origin[:20],
                policy_field=item.policy_field,
                responsible_department=item.responsible_department,
                partner_organisations=list(item.partner_organisations),
                linked_project_ids=list(item.linked_project_ids),
                yearly_amounts=yearly,
                requested_krw=amount.amount_krw,
                amount_krw=amount.amount_krw,
                feasibility=Feasibility.PENDING.value,
                feasibility_note="",
                status=RequestStatus.OPEN.value,
                version=1,
                created_at=now,
                updated_at=now,
                created_by=CONSUMER_ACTOR,
                **{name: (codes.get(name) or None) for name in pc.CODE_NAMES},
            )
            session.add(req)
            await session.flush()
            session.add(
                RequestRevision(
                    request_id=req.id,
                    at=now,
                    actor=CONSUMER_ACTOR,
                    action="created",
                    changes={"plan_id": payload.plan_id, "decision_id": payload.decision_id},
                    reason="plan adopted",
                )
            )
            await _announce(session, req, CONSUMER_ACTOR)
            created.append(req.id)
    return created


async def create(*, session: AsyncSession, principal: Principal, request_in: RequestCreate) -> RequestRead:
    ensure_known_sgg(request_in.sgg_code, field="body.sgg_code", allow_smg=False)
    ensure_officer(principal, request_in.sgg_code)
    codes = request_in.program_codes.model_dump()
    issues = pc.check_codes(codes)
    if issues:
        raise Unprocessable(
            "invalid program codes",
            errors=[FieldError(field=f"body.program_codes.{i.code}", message=i.message) for i in issues],
        )
    if request_in.plan_item_id is not None:
        exists = await session.scalar(
            select(BudgetRequest.id).where(
                BudgetRequest.plan_item_id == request_in.plan_item_id,
                BudgetRequest.fiscal_year == request_in.fiscal_year,
            )
        )
        if exists is not None:
            raise Conflict(
                msg(
                    "plan item {plan_item_id} already has a request for {fiscal_year}",
                    plan_item_id=request_in.plan_item_id,
                    fiscal_year=request_in.fiscal_year,
                ),
                extra={"request_id": exists},
            )
    now = utcnow()
    req = BudgetRequest(
        sgg_code=request_in.sgg_code,
        fiscal_year=request_in.fiscal_year,
        cycle_id=await _cycle_for(session, request_in.sgg_code, request_in.fiscal_year),
        source="manual",
        plan_id=request_in.plan_id,
        plan_item_id=request_in.plan_item_id,
        title_ko=request_in.title_ko,
        title_en=request_in.title_en,
        origin="department",
        partner_organisations=[],
        linked_project_ids=list(request_in.linked_project_ids),
        yearly_amounts=[{"fiscal_year": request_in.fiscal_year, "amount_krw": request_in.amount_krw}],
        requested_krw=request_in.amount_krw,
        amount_krw=request_in.amount_krw,
        feasibility=Feasibility.PENDING.value,
        feasibility_note="",
        status=RequestStatus.OPEN.value,
        version=1,
        created_at=now,
        updated_at=now,
        created_by=principal.sub,
        **{name: (codes.get(name) or None) for name in pc.CODE_NAMES},
    )
    session.add(req)
    await session.flush()
    session.add(
        RequestRevision(
            request_id=req.id, at=now, actor=principal.sub, action="created", changes={}, reason=""
        )
    )
    return await _announce(session, req, principal)


async def review(
    *,
    session: AsyncSession,
    principal: Principal,
    request_id: str,
    review_in: RequestReview,
    if_match: str | None,
) -> RequestRead:
    req = await load(session, request_id, for_update=True)
    ensure_officer(principal, req.sgg_code)
    check_if_match(if_match, req.version)
    if req.status == RequestStatus.FUNDED.value:
        raise Conflict("the request is funded by a finalised allocation; it can no longer be reviewed")
    if await session.scalar(select(BlockGrantUse.id).where(BlockGrantUse.request_id == req.id)) is not None:
        # Block-grant money sits on it: a cut or an "infeasible" now would leave that money paying for
        # more than the request asks, or for a request finalisation refuses.
        raise Conflict(
            msg("the block grant already funds this request; it can no longer be reviewed"),
            slug="block-grant-funded",
        )
    if req.cycle_id is not None:
        cycle_status = await session.scalar(select(Cycle.status).where(Cycle.id == req.cycle_id))
        if cycle_status == CycleStatus.SETTLED.value:
            raise Conflict("the cycle is settled")
    before = to_read(req).model_dump()
    changes: dict[str, Any] = {}
    now = utcnow()
    if review_in.amount_krw is not None and review_in.amount_krw != req.amount_krw:
        if not (review_in.revision_reason or "").strip():
            raise Unprocessable(
                "a cost revision needs a reason",
                errors=[FieldError(field="body.revision_reason", message="required when amount_krw changes")],
            )
        session.add(
            RequestRevision(
                request_id=req.id,
                at=now,
                actor=principal.sub,
                action="cost_revised",
                changes={"amount_krw": {"before": req.amount_krw, "after": review_in.amount_krw}},
                reason=review_in.revision_reason or "",
            )
        )
        changes["amount_krw"] = review_in.amount_krw
        req.amount_krw = review_in.amount_krw
    if review_in.program_codes is not None:
        codes = review_in.program_codes.model_dump()
        issues = pc.check_codes(codes)
        if issues:
            raise Unprocessable(
                "invalid program codes",
                errors=[FieldError(field=f"body.program_codes.{i.code}", message=i.message) for i in issues],
            )
        old = codes_of(req)
        for name in pc.CODE_NAMES:
            setattr(req, name, codes.get(name) or None)
        if old != codes_of(req):
            changes["program_codes"] = {"before": old, "after": codes_of(req)}
    if review_in.feasibility is not None or review_in.feasibility_note is not None:
        feasibility_changes: dict[str, Any] = {}
        if review_in.feasibility is not None and review_in.feasibility.value != req.feasibility:
            feasibility_changes["feasibility"] = {
                "before": req.feasibility,
                "after": review_in.feasibility.value,
            }
            req.feasibility = review_in.feasibility.value
        if review_in.feasibility_note is not None and review_in.feasibility_note != req.feasibility_note:
            feasibility_changes["feasibility_note"] = review_in.feasibility_note
            req.feasibility_note = review_in.feasibility_note
        if feasibility_changes:
            changes.update(feasibility_changes)
        req.status = (
            RequestStatus.OPEN.value
            if req.feasibility == Feasibility.PENDING.value
            else RequestStatus.REVIEWED.value
        )
    if not changes:
        return to_read(req)
    if set(changes) - {"amount_krw"}:
        session.add(
            RequestRevision(
                request_id=req.id,
                at=now,
                actor=principal.sub,
                action="reviewed",
                changes={k: v for k, v in changes.items() if k != "amount_krw"},
                reason=review_in.feasibility_note or "",
            )
        )
    bump_version(req, at=now)
    await session.flush()
    read = to_read(req)
    record_audit(
        session,
        actor=principal,
        action="request.review",
        entity_type="budget_request",
        entity_id=req.id,
        sgg_code=req.sgg_code,
        before=before,
        after=read.model_dump(),
    )
    return read


async def get(*, session: AsyncSession, request_id: str) -> RequestRead:
    return to_read(await load(session, request_id))


async def history(*, session: AsyncSession, request_id: str) -> list[RevisionRead]:
    await load(session, request_id)
    rows = (
        await session.execute(
            select(RequestRevision)
            .where(RequestRevision.request_id == request_id)
            .order_by(RequestRevision.id)
        )
    ).scalars()
    return [RevisionRead.model_validate(r) for r in rows]


async def list_(
    *,
    session: AsyncSession,
    page: PageParams,
    sgg_code: str | None = None,
    fiscal_year: int | None = None,
    cycle_id: str | None = None,
    plan_id: str | None = None,
    status: RequestStatus | None = None,
) -> Page[RequestRead]:
    stmt = select(BudgetRequest).order_by(BudgetRequest.created_at, BudgetRequest.id).limit(page.limit + 1)
    if sgg_code:
        stmt = stmt.where(BudgetRequest.sgg_code == sgg_code)
    if fiscal_year:
        stmt = stmt.where(BudgetRequest.fiscal_year == fiscal_year)
    if cycle_id:
        stmt = stmt.where(BudgetRequest.cycle_id == cycle_id)
    if plan_id:
        stmt = stmt.where(BudgetRequest.plan_id == plan_id)
    if status:
        stmt = stmt.where(BudgetRequest.status == status.value)
    if page.cursor:
        try:
            at, rid = datetime.fromisoformat(str(page.cursor[0])), str(page.cursor[1])
        except (ValueError, IndexError) as exc:
            raise Unprocessable(
                "cursor is not valid", errors=[FieldError(field="query.cursor", message="bad")]
            ) from exc
        stmt = stmt.where(
            (BudgetRequest.created_at > at) | ((BudgetRequest.created_at == at) & (BudgetRequest.id > rid))
        )
    rows = list((await session.execute(stmt)).scalars())
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    last = rows[-1] if rows else None
    return Page(
        items=[to_read(r) for r in rows],
        next_cursor=encode_cursor([last.created_at.isoformat(), last.id]) if more and last else None,
    )
