"""The block grant (통합 보조금): one SMG amount per borough and fiscal year that the borough may only put
on budget requests opened from items of its adopted plan (see :mod:`cg_budget.smg.service`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cg_budget.budget_requests import service as budget_requests
from cg_budget.budget_requests.models import BudgetRequest
from cg_budget.budget_requests.schemas import Feasibility, RequestStatus
from cg_budget.common import ensure_admin, ensure_known_sgg, ensure_officer
from cg_budget.events import emit
from cg_budget.smg.models import BlockGrant, BlockGrantUse
from cg_budget.smg.schemas import (
    BlockGrantRead,
    BlockGrantSet,
    BlockGrantUseCreate,
    BlockGrantUseRead,
)
from cg_shared.audit import record_audit
from cg_shared.auth import Principal
from cg_shared.events.budget import BlockGrantAssigned
from cg_shared.http import Conflict, FieldError, NotFound, Unprocessable, check_if_match
from cg_shared.i18n import msg
from cg_shared.rows import bump_version

# --- block grants ----------------------------------------------------------------------------------


async def _grant_read(session: AsyncSession, grant: BlockGrant) -> BlockGrantRead:
    rows = await session.execute(
        select(BlockGrantUse, BudgetRequest.title_ko)
        .join(BudgetRequest, BudgetRequest.id == BlockGrantUse.request_id)
        .where(BlockGrantUse.block_grant_id == grant.id)
        .order_by(BlockGrantUse.created_at, BlockGrantUse.id)
    )
    return BlockGrantRead(
        id=grant.id,
        sgg_code=grant.sgg_code,
        fiscal_year=grant.fiscal_year,
        amount_krw=grant.amount_krw,
        assigned_krw=grant.assigned_krw,
        unassigned_krw=grant.amount_krw - grant.assigned_krw,
        grade=grant.grade,
        note=grant.note,
        version=grant.version,
        uses=[
            BlockGrantUseRead(
                id=u.id,
                request_id=u.request_id,
                plan_id=u.plan_id,
                plan_item_id=u.plan_item_id,
                title_ko=title,
                amount_krw=u.amount_krw,
                created_at=u.created_at,
            )
            for u, title in rows
        ],
        updated_at=grant.updated_at,
    )


async def _find_grant(
    session: AsyncSession, sgg_code: str, fiscal_year: int, *, for_update: bool = False
) -> BlockGrant | None:
    stmt = select(BlockGrant).where(BlockGrant.sgg_code == sgg_code, BlockGrant.fiscal_year == fiscal_year)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def set_block_grant(
    *,
    session: AsyncSession,
    principal: Principal,
    sgg_code: str,
    fiscal_year: int,
    grant_in: BlockGrantSet,
    if_match: str | None,
) -> tuple[BlockGrantRead, bool]:
    ensure_admin(principal)
    ensure_known_sgg(sgg_code, field="path.sgg_code", allow_smg=False)
    grant = await _find_grant(session, sgg_code, fiscal_year, for_update=True)
    created = grant is None
    before = None
    if grant is None:
        grant = BlockGrant(
            sgg_code=sgg_code,
            fiscal_year=fiscal_year,
            amount_krw=grant_in.amount_krw,
            assigned_krw=0,
            grade=grant_in.grade,
            note=grant_in.note,
            updated_by=principal.sub,
        )
        session.add(grant)
    else:
        check_if_match(if_match, grant.version)
        if grant_in.amount_krw < grant.assigned_krw:
            raise Conflict(
                msg(
                    "{assigned} won of the grant are already on plan items; the amount cannot go below it",
                    assigned=f"{grant.assigned_krw:,}",
                ),
                slug="below-assigned",
            )
        before = (await _grant_read(session, grant)).model_dump(mode="json")
        grant.amount_krw, grant.grade, grant.note = grant_in.amount_krw, grant_in.grade, grant_in.note
        bump_version(grant)
        grant.updated_by = principal.sub
    await session.flush()
    read = await _grant_read(session, grant)
    record_audit(
        session,
        actor=principal,
        action="smg_block_grant.set",
        entity_type="smg_block_grant",
        entity_id=grant.id,
        sgg_code=sgg_code,
        before=before,
        after=read.model_dump(mode="json"),
    )
    return read, created


async def _granted(
    session: AsyncSession, sgg_code: str, fiscal_year: int, *, for_update: bool = False
) -> BlockGrant:
    grant = await _find_grant(session, sgg_code, fiscal_year, for_update=for_update)
    if grant is None:
        raise NotFound(
            msg("no block grant for {sgg_code} in {fiscal_year}", sgg_code=sgg_code, fiscal_year=fiscal_year)
        )
    return grant


async def get_block_grant(*, session: AsyncSession, sgg_code: str, fiscal_year: int) -> BlockGrantRead:
    return await _grant_read(session, await _granted(session, sgg_code, fiscal_year))


async def list_block_grants(*, session: AsyncSession, fiscal_year: int | None) -> list[BlockGrantRead]:
    stmt = select(BlockGrant).order_by(BlockGrant.fiscal_year.desc(), BlockGrant.sgg_code)
    if fiscal_year is not None:
        stmt = stmt.where(BlockGrant.fiscal_year == fiscal_year)
    return [await _grant_read(session, g) for g in (await session.execute(stmt)).scalars()]


async def _request_to_fund(session: AsyncSession, request_id: str) -> BudgetRequest:
    try:
        # Locked like finalisation locks it: a request is paid from the block grant or an envelope, never both.
        return await budget_requests.load(session, request_id, for_update=True)
    except NotFound as exc:
        raise Unprocessable(
            exc.detail, errors=[FieldError(field="body.request_id", message=msg("no such budget request"))]
        ) from exc


def _check_use(grant: BlockGrant, req: BudgetRequest, use_in: BlockGrantUseCreate) -> None:
    """The rule that makes it a block grant: money goes only to items of the borough's adopted plan of
    the grant's year, feasible and not yet funded, within the request's amount and the grant's rest."""
    if req.source != "plan" or not req.plan_item_id or not req.plan_id:
        raise Unprocessable(
            msg("the block grant funds adopted plan items only; this request was entered by hand"),
            errors=[FieldError(field="body.request_id", message=msg("not opened from an adopted plan item"))],
            slug="not-a-plan-item",
        )
    if req.sgg_code != grant.sgg_code or req.fiscal_year != grant.fiscal_year:
        raise Unprocessable(
            msg(
                "the request belongs to {sgg_code} in {fiscal_year}",
                sgg_code=req.sgg_code,
                fiscal_year=req.fiscal_year,
            ),
            errors=[FieldError(field="body.request_id", message=msg("another borough or fiscal year"))],
        )
    if req.status == RequestStatus.FUNDED.value:
        raise Conflict(msg("an allocation already funds this request"), slug="already-funded")
    if req.feasibility == Feasibility.INFEASIBLE.value:
        raise Conflict(msg("the request was reviewed as infeasible"), slug="request-infeasible")
    if use_in.amount_krw > req.amount_krw:
        raise Unprocessable(
            msg("more than the request's {amount} won", amount=f"{req.amount_krw:,}"),
            errors=[FieldError(field="body.amount_krw", message=msg("above the request's amount_krw"))],
        )
    if grant.assigned_krw + use_in.amount_krw > grant.amount_krw:
        raise Conflict(
            msg(
                "the block grant has {left} won left, less than {amount} won",
                left=f"{grant.amount_krw - grant.assigned_krw:,}",
                amount=f"{use_in.amount_krw:,}",
            ),
            slug="block-grant-exhausted",
        )


async def _assign(
    session: AsyncSession, principal: Principal, grant: BlockGrant, req: BudgetRequest, amount_krw: int
) -> BlockGrantUse:
    """The grant's money on the request (once: the unique request_id refuses a concurrent twin)."""
    taken = await session.scalar(select(BlockGrantUse.id).where(BlockGrantUse.request_id == req.id))
    if taken is not None:
        raise Conflict(msg("the block grant already funds this request"), slug="already-funded")
    use = BlockGrantUse(
        block_grant_id=grant.id,
        request_id=req.id,
        plan_id=req.plan_id,
        plan_item_id=req.plan_item_id,
        amount_krw=amount_krw,
        created_by=principal.sub,
    )
    session.add(use)
    grant.assigned_krw += amount_krw
    bump_version(grant)
    grant.updated_by = principal.sub
    try:
        await session.flush()
    except IntegrityError as exc:  # a concurrent use of the same request
        raise Conflict(msg("the block grant already funds this request"), slug="already-funded") from exc
    return use


async def use_block_grant(
    *,
    session: AsyncSession,
    principal: Principal,
    sgg_code: str,
    fiscal_year: int,
    use_in: BlockGrantUseCreate,
) -> BlockGrantRead:
    ensure_known_sgg(sgg_code, field="path.sgg_code", allow_smg=False)
    ensure_officer(principal, sgg_code)
    grant = await _granted(session, sgg_code, fiscal_year, for_update=True)
    req = await _request_to_fund(session, use_in.request_id)
    _check_use(grant, req, use_in)
    use = await _assign(session, principal, grant, req, use_in.amount_krw)
    await emit(
        session,
        BlockGrantAssigned(
            block_grant_id=grant.id,
            use_id=use.id,
            sgg_code=sgg_code,
            fiscal_year=fiscal_year,
            request_id=req.id,
            plan_id=req.plan_id,
            plan_item_id=req.plan_item_id,
            amount_krw=use.amount_krw,
        ),
        subject=grant.id,
        sgg_code=sgg_code,
    )
    read = await _grant_read(session, grant)
    record_audit(
        session,
        actor=principal,
        action="smg_block_grant.used",
        entity_type="smg_block_grant",
        entity_id=grant.id,
        sgg_code=sgg_code,
        after={"use_id": use.id, "request_id": req.id, "amount_krw": use.amount_krw},
    )
    return read
