"""Deliberation record use cases."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cg_planning.common import ensure_officer, new_id
from cg_planning.deliberations.models import Deliberation
from cg_planning.deliberations.schemas import DeliberationCreate, DeliberationRead
from cg_planning.items.service import load_item
from cg_planning.plans.rows import load_plan
from cg_planning.plans.workflow import PlanState
from cg_shared.audit import audit_row
from cg_shared.auth import Principal
from cg_shared.clock import seoul_date, today_seoul
from cg_shared.db import utcnow
from cg_shared.http import Conflict, FieldError, Page, PageParams, Unprocessable
from cg_shared.i18n import msg
from cg_shared.paging import keyset, make_page, parse_date
from cg_shared.rows import get_or_404


def _today_in_seoul(now: datetime | None = None) -> date:
    # Records are dated in local time; at 08:00 KST the UTC date is still yesterday.
    return seoul_date(now) if now is not None else today_seoul()


async def record(
    *, session: AsyncSession, principal: Principal, item_id: str, deliberation_in: DeliberationCreate
) -> DeliberationRead:
    item = await load_item(session, item_id)
    ensure_officer(principal, item.sgg_code)
    plan = await load_plan(session, item.plan_id)
    if PlanState(plan.state) is PlanState.CLOSED:
        raise Conflict(
            msg("plan {plan_id} is CLOSED: no more deliberation records", plan_id=plan.id),
            slug="plan-state",
            extra={"current_state": plan.state, "allowed_moves": []},
        )
    errors: list[FieldError] = []
    if deliberation_in.held_on > _today_in_seoul():
        errors.append(
            FieldError(field="body.held_on", message="a deliberation record cannot be in the future")
        )
    if deliberation_in.changed_item and not (deliberation_in.change_summary or "").strip():
        errors.append(
            FieldError(field="body.change_summary", message="say what changed when changed_item is true")
        )
    if errors:
        raise Unprocessable("the deliberation record is not valid", errors=errors)
    row = Deliberation(
        id=new_id(),
        item_id=item.id,
        plan_id=item.plan_id,
        sgg_code=item.sgg_code,
        kind=deliberation_in.kind.value,
        held_on=deliberation_in.held_on,
        participants_count=deliberation_in.participants_count,
        summary=deliberation_in.summary,
        changed_item=deliberation_in.changed_item,
        change_summary=deliberation_in.change_summary if deliberation_in.changed_item else None,
        recorded_by=principal.sub,
        created_at=utcnow(),
    )
    session.add(row)
    await session.flush()
    read = DeliberationRead.model_validate(row)
    audit_row(
        session,
        actor=principal,
        action="deliberation.record",
        entity_type="deliberation",
        row=row,
        after=read.model_dump(),
    )
    return read


async def list_for_item(*, session: AsyncSession, item_id: str, page: PageParams) -> Page[DeliberationRead]:
    await load_item(session, item_id)
    stmt = keyset(
        select(Deliberation).where(Deliberation.item_id == item_id),
        sort=Deliberation.held_on,
        tiebreak=Deliberation.id,
        page=page,
        parse=parse_date,
    )
    rows = list(await session.scalars(stmt))
    return make_page(
        rows, page=page, key=lambda r: [r.held_on.isoformat(), r.id], read=DeliberationRead.model_validate
    )


async def get(*, session: AsyncSession, deliberation_id: str) -> DeliberationRead:
    row = await get_or_404(
        session,
        Deliberation,
        deliberation_id,
        msg("no deliberation record with id {deliberation_id}", deliberation_id=deliberation_id),
    )
    return DeliberationRead.model_validate(row)
