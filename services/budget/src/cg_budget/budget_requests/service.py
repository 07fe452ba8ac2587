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
from cg_budget.smg.models import BlockGrantUse
from cg_budget.writes import finish_write
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
)
from cg_shared.i18n import msg
from cg_shared.paging import keyset, make_page, parse_datetime
from cg_shared.rows import bump_version, loader

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


load = loader(
    BudgetRequest, lambda request_id: msg("no budget request with id {request_id}", request_id=request_id)
)


async def _cycle_for(session: AsyncSession, sgg_code: str, fiscal_year: int) -> str | None:
    cycle_id: str | None = await session.scalar(
        select(Cycle.id).where(Cycle.sgg_code == sgg_code, Cycle.fiscal_year == fiscal_year)
    )
    return cycle_id


async def _announce(session: AsyncSession, req: BudgetRequest, actor: Principal | str) -> RequestRead:
    return await finish_write(
        session,
        req,
        lambda: to_read(req),
        actor=actor,
        action="request.create",
        entity_type="budget_request",
        event=lambda _: RequestCreated(
            request_id=req.id,
            cycle_id=req.cycle_id,
            sgg_code=req.sgg_code,
            plan_id=req.plan_id or "",
            plan_item_id=req.plan_item_id or "",
            fiscal_year=req.fiscal_year,
            amount_krw=req.amount_krw,
        ),
    )


async def _request_for_item(session: AsyncSession, plan_item_id: str, fiscal_year: int) -> str | None:
    """The request already opened for a plan item's year (one per item and year), if any."""
    return await session.scalar(
        select(BudgetRequest.id).where(
            BudgetRequest.plan_item_id == plan_item_id, BudgetRequest.fiscal_year == fiscal_year
        )
    )


def _checked_codes(codes: dict[str, str | None]) -> dict[str, str | None]:
    if issues := pc.check_codes(codes):
        raise Unprocessable(
            "invalid program codes",
            errors=[FieldError(field=f"body.program_codes.{i.code}", message=i.message) for i in issues],
        )
    return codes


async def _open_request(
    session: AsyncSession,
    actor: Principal | str,
    codes: dict[str, str | None],
    *,
    changes: dict[str, Any],
    reason: str,
    **fields: Any,
) -> RequestRead:
    """A new request, pending review, in the cycle of its borough and year (when there is one yet), with
    its 'created' revision and its event."""
    now = utcnow()
    by = actor.sub if isinstance(actor, Principal) else actor
    req = BudgetRequest(
        cycle_id=await _cycle_for(session, fields["sgg_code"], fields["fiscal_year"]),
        requested_krw=fields["amount_krw"],
        feasibility=Feasibility.PENDING.value,
        feasibility_note="",
        status=RequestStatus.OPEN.value,
        version=1,
        created_at=now,
        updated_at=now,
        created_by=by,
        **{name: (codes.get(name) or None) for name in pc.CODE_NAMES},
        **fields,
    )
    session.add(req)
    await session.flush()
    session.add(
        RequestRevision(request_id=req.id, at=now, actor=by, action="created", changes=changes, reason=reason)
    )
    return await _announce(session, req, actor)


async def open_from_plan(*, session: AsyncSession, payload: PlanAdopted) -> list[str]:
    """One request per adopted item and fiscal-year amount; existing ones are left alone (idempotent)."""
    created: list[str] = []
    for item in payload.items:
        codes = item.program_codes.model_dump()
        yearly = [y.model_dump() for y in item.requested_budget]
        for amount in item.requested_budget:
            if amount.amount_krw <= 0:
                continue  # nothing to request for that year
            if await _request_for_item(session, item.item_id, amount.fiscal_year) is not None:
                continue
            read = await _open_request(
                session,
                CONSUMER_ACTOR,
                codes,
                changes={"plan_id": payload.plan_id, "decision_id": payload.decision_id},
                reason="plan adopted",
                sgg_code=payload.sgg_code,
                fiscal_year=amount.fiscal_year,
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
                amount_krw=amount.amount_krw,
            )
            created.append(read.id)
    return created


async def create(*, session: AsyncSession, principal: Principal, request_in: RequestCreate) -> RequestRead:
    ensure_known_sgg(request_in.sgg_code, field="body.sgg_code", allow_smg=False)
    ensure_officer(principal, request_in.sgg_code)
    codes = _checked_codes(request_in.program_codes.model_dump())
    if request_in.plan_item_id is not None:
        exists = await _request_for_item(session, request_in.plan_item_id, request_in.fiscal_year)
        if exists is not None:
            raise Conflict(
                msg(
                    "plan item {plan_item_id} already has a request for {fiscal_year}",
                    plan_item_id=request_in.plan_item_id,
                    fiscal_year=request_in.fiscal_year,
                ),
                extra={"request_id": exists},
            )
    return await _open_request(
        session,
        principal,
        codes,
        changes={},
        reason="",
        sgg_code=request_in.sgg_code,
        fiscal_year=request_in.fiscal_year,
        source="manual",
        plan_id=request_in.plan_id,
        plan_item_id=request_in.plan_item_id,
        title_ko=request_in.title_ko,
        title_en=request_in.title_en,
        origin="department",
        partner_organisations=[],
        linked_project_ids=list(request_in.linked_project_ids),
        yearly_amounts=[{"fiscal_year": request_in.fiscal_year, "amount_krw": request_in.amount_krw}],
        amount_krw=request_in.amount_krw,
    )


async def _ensure_reviewable(session: AsyncSession, req: BudgetRequest) -> None:
    """Not funded, no block-grant money on it, its cycle not settled."""
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


def _revise_cost(
    session: AsyncSession, principal: Principal, req: BudgetRequest, review_in: RequestReview, now: datetime
) -> dict[str, Any]:
    """A new amount, with its reason, in a revision row of its own."""
    if review_in.amount_krw is None or review_in.amount_krw == req.amount_krw:
        return {}
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
    req.amount_krw = review_in.amount_krw
    return {"amount_krw": review_in.amount_krw}


def _recode(req: BudgetRequest, review_in: RequestReview) -> dict[str, Any]:
    if review_in.program_codes is None:
        return {}
    codes = _checked_codes(review_in.program_codes.model_dump())
    old = codes_of(req)
    for name in pc.CODE_NAMES:
        setattr(req, name, codes.get(name) or None)
    if old == codes_of(req):
        return {}
    return {"program_codes": {"before": old, "after": codes_of(req)}}


def _judge_feasibility(req: BudgetRequest, review_in: RequestReview) -> dict[str, Any]:
    """Feasibility and its note; the request is open while pending, reviewed once judged."""
    if review_in.feasibility is None and review_in.feasibility_note is None:
        return {}
    changes: dict[str, Any] = {}
    if review_in.feasibility is not None and review_in.feasibility.value != req.feasibility:
        changes["feasibility"] = {"before": req.feasibility, "after": review_in.feasibility.value}
        req.feasibility = review_in.feasibility.value
    if review_in.feasibility_note is not None and review_in.feasibility_note != req.feasibility_note:
        changes["feasibility_note"] = review_in.feasibility_note
        req.feasibility_note = review_in.feasibility_note
    req.status = (
        RequestStatus.OPEN.value
        if req.feasibility == Feasibility.PENDING.value
        else RequestStatus.REVIEWED.value
    )
    return changes


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
    await _ensure_reviewable(session, req)
    before = to_read(req).model_dump()
    now = utcnow()
    changes = _revise_cost(session, principal, req, review_in, now)
    changes |= _recode(req, review_in)
    changes |= _judge_feasibility(req, review_in)
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
    return await finish_write(
        session,
        req,
        lambda: to_read(req),
        actor=principal,
        action="request.review",
        entity_type="budget_request",
        before=before,
    )


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
    stmt = select(BudgetRequest)
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
    stmt = keyset(
        stmt, sort=BudgetRequest.created_at, tiebreak=BudgetRequest.id, page=page, parse=parse_datetime
    )
    return make_page(
        list((await session.execute(stmt)).scalars()),
        page=page,
        key=lambda r: [r.created_at.isoformat(), r.id],
        read=to_read,
    )
