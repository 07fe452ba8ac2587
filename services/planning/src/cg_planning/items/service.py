"""Plan item use cases: create, read, update (If-Match). Convergence suggestions are in
:mod:`.suggestions`, money from budget in :mod:`.funding`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cg_planning.common import ensure_officer, new_id
from cg_planning.deliberations.models import Deliberation
from cg_planning.items.models import ItemFunding, PlanItem
from cg_planning.items.schemas import (
    FundingRead,
    ItemCreate,
    ItemRead,
    ItemUpdate,
    Kpi,
    Origin,
    ProgramCodesIn,
    YearlyAmountIn,
)
from cg_planning.plans.models import Plan
from cg_planning.plans.rows import ensure_editable, load_plan
from cg_planning.proposals.models import Proposal
from cg_planning.registry_projects.models import RegistryProject
from cg_planning.registry_projects.service import DELETED
from cg_shared.audit import audit_row
from cg_shared.auth import Principal
from cg_shared.db import utcnow
from cg_shared.events.planning import (
    PlanItemCreated,
    PlanItemData,
    PlanItemUpdated,
    ProgramCodes,
    YearlyAmount,
)
from cg_shared.http import (
    FieldError,
    Page,
    PageParams,
    Unprocessable,
    check_if_match,
)
from cg_shared.i18n import Msg, msg
from cg_shared.messaging import add_to_outbox
from cg_shared.paging import keyset, make_page, parse_datetime
from cg_shared.rows import bump_version, get_or_404, snapshot

# --- reading --------------------------------------------------------------------------------------


def _described(i: PlanItem) -> dict[str, Any]:
    """What the item's read view and its event form both say about it, alike."""
    return {
        "title_ko": i.title_ko,
        "title_en": i.title_en,
        "description": i.description,
        "policy_field": i.policy_field,
        "dong": i.dong,
        "responsible_department": i.responsible_department,
        "applicant_organisations": list(i.applicant_organisations),
        "partner_organisations": list(i.partner_organisations),
        "target_groups": list(i.target_groups),
        "linked_project_ids": list(i.linked_project_ids),
    }


async def _proposal_ids(session: AsyncSession, item_ids: list[str]) -> dict[str, list[str]]:
    """The ids of the proposals taken up in each item, oldest first."""
    proposals: dict[str, list[str]] = defaultdict(list)
    if not item_ids:
        return proposals
    for pid, item_id in (
        await session.execute(
            select(Proposal.id, Proposal.item_id)
            .where(Proposal.item_id.in_(item_ids))
            .order_by(Proposal.created_at)
        )
    ).all():
        if item_id is not None:
            proposals[item_id].append(pid)
    return proposals


async def _reads(session: AsyncSession, items: Sequence[PlanItem]) -> list[ItemRead]:
    """ItemRead for many items with three batched queries (no N+1)."""
    ids = [i.id for i in items]
    if not ids:
        return []
    counts: dict[str, int] = {
        item_id: int(n)
        for item_id, n in (
            await session.execute(
                select(Deliberation.item_id, func.count())
                .where(Deliberation.item_id.in_(ids))
                .group_by(Deliberation.item_id)
            )
        ).all()
    }
    proposals = await _proposal_ids(session, ids)
    fundings: dict[str, list[FundingRead]] = defaultdict(list)
    for row in await session.scalars(
        select(ItemFunding).where(ItemFunding.item_id.in_(ids)).order_by(ItemFunding.id)
    ):
        fundings[row.item_id].append(FundingRead.model_validate(row))
    return [
        ItemRead(
            **_described(i),
            id=i.id,
            plan_id=i.plan_id,
            sgg_code=i.sgg_code,
            origin=Origin(i.origin),
            requested_budget=[YearlyAmountIn.model_validate(y) for y in i.requested_budget],
            requested_total_krw=i.requested_total_krw,
            program_codes=ProgramCodesIn.model_validate(i.program_codes),
            kpis=[Kpi.model_validate(k) for k in i.kpis],
            source_proposal_id=i.source_proposal_id,
            proposal_ids=proposals.get(i.id, []),
            deliberation_count=counts.get(i.id, 0),
            funded=i.funded_krw > 0,
            funded_krw=i.funded_krw,
            fundings=fundings.get(i.id, []),
            version=i.version,
            created_at=i.created_at,
            updated_at=i.updated_at,
        )
        for i in items
    ]


async def item_read(session: AsyncSession, item: PlanItem) -> ItemRead:
    return (await _reads(session, [item]))[0]


async def load_item(session: AsyncSession, item_id: str, *, for_update: bool = False) -> PlanItem:
    return await get_or_404(
        session,
        PlanItem,
        item_id,
        msg("no plan item with id {item_id}", item_id=item_id),
        for_update=for_update,
    )


async def get(*, session: AsyncSession, item_id: str) -> ItemRead:
    return await item_read(session, await load_item(session, item_id))


async def list_for_plan(*, session: AsyncSession, plan_id: str, page: PageParams) -> Page[ItemRead]:
    await load_plan(session, plan_id)
    stmt = keyset(
        select(PlanItem).where(PlanItem.plan_id == plan_id),
        sort=PlanItem.created_at,
        tiebreak=PlanItem.id,
        page=page,
        parse=parse_datetime,
    )
    rows = list(await session.scalars(stmt))
    reads = dict(zip((r.id for r in rows), await _reads(session, rows[: page.limit]), strict=False))
    return make_page(
        rows, page=page, key=lambda r: [r.created_at.isoformat(), r.id], read=lambda r: reads[r.id]
    )


async def items_of_plan(session: AsyncSession, plan_id: str) -> list[PlanItem]:
    return list(
        await session.scalars(
            select(PlanItem).where(PlanItem.plan_id == plan_id).order_by(PlanItem.created_at, PlanItem.id)
        )
    )


async def item_data(session: AsyncSession, items: Sequence[PlanItem]) -> list[PlanItemData]:
    """The event form of items (what budget and registry consume)."""
    proposals = await _proposal_ids(session, [i.id for i in items])
    return [
        PlanItemData(
            **_described(i),
            item_id=i.id,
            origin=i.origin,
            requested_budget=[YearlyAmount.model_validate(y) for y in i.requested_budget],
            program_codes=ProgramCodes.model_validate(i.program_codes),
            source_proposal_ids=proposals.get(i.id, []),
        )
        for i in items
    ]


# --- validation -----------------------------------------------------------------------------------


def _budget_errors(plan: Plan, requested_budget: list[YearlyAmountIn]) -> list[FieldError]:
    """Each requested year once, inside the plan's years."""
    errors: list[FieldError] = []
    seen: set[int] = set()
    for n, line in enumerate(requested_budget):
        field = f"body.requested_budget.{n}.fiscal_year"
        if not plan.term_start_year <= line.fiscal_year <= plan.term_end_year:
            errors.append(
                FieldError(
                    field=field,
                    message=msg(
                        "{fiscal_year} is outside the plan's years {term_start_year}–{term_end_year}",
                        fiscal_year=line.fiscal_year,
                        term_start_year=plan.term_start_year,
                        term_end_year=plan.term_end_year,
                    ),
                )
            )
        if line.fiscal_year in seen:
            errors.append(
                FieldError(
                    field=field,
                    message=msg("{fiscal_year} is listed twice", fiscal_year=line.fiscal_year),
                )
            )
        seen.add(line.fiscal_year)
    return errors


def _kpi_errors(kpis: list[Kpi]) -> list[FieldError]:
    names = [k.name for k in kpis]
    return [
        FieldError(field=f"body.kpis.{n}.name", message=msg("KPI {name!r} is listed twice", name=name))
        for n, name in enumerate(names)
        if names.index(name) != n
    ]


def _link_errors(
    plan: Plan, linked_project_ids: list[str], known: dict[str, RegistryProject]
) -> list[FieldError]:
    """Each linked registry project known, of the plan's borough (or city-wide), and linked once."""
    errors: list[FieldError] = []
    for n, project_id in enumerate(linked_project_ids):
        field = f"body.linked_project_ids.{n}"
        project = known.get(project_id)
        if project is None:
            errors.append(
                FieldError(
                    field=field,
                    message=msg("registry project {project_id} is not known", project_id=project_id),
                )
            )
        elif project.sgg_code not in (None, plan.sgg_code):
            errors.append(
                FieldError(
                    field=field,
                    message=msg(
                        "project {project_id} belongs to borough {sgg_code}, not {sgg_code_2}",
                        project_id=project_id,
                        sgg_code=project.sgg_code,
                        sgg_code_2=plan.sgg_code,
                    ),
                )
            )
        elif linked_project_ids.index(project_id) != n:
            errors.append(
                FieldError(
                    field=field,
                    message=msg("project {project_id} is listed twice", project_id=project_id),
                )
            )
    return errors


async def _known_projects(session: AsyncSession, project_ids: list[str]) -> dict[str, RegistryProject]:
    """The registry projects (of the read model, not deleted) among ``project_ids``."""
    return {
        p.project_id: p
        for p in await session.scalars(
            select(RegistryProject).where(
                RegistryProject.project_id.in_(set(project_ids)),
                RegistryProject.status != DELETED,
            )
        )
    }


async def _validate(
    session: AsyncSession,
    plan: Plan,
    *,
    requested_budget: list[YearlyAmountIn] | None,
    linked_project_ids: list[str] | None,
    kpis: list[Kpi] | None,
) -> None:
    """Cross-field and cross-table checks; all problems are reported at once, each naming its field."""
    errors: list[FieldError] = []
    if requested_budget is not None:
        errors.extend(_budget_errors(plan, requested_budget))
    if kpis is not None:
        errors.extend(_kpi_errors(kpis))
    if linked_project_ids:
        known = await _known_projects(session, linked_project_ids)
        errors.extend(_link_errors(plan, linked_project_ids, known))
    if errors:
        raise Unprocessable(
            msg(
                "the item is not valid: {reasons}", reasons=Msg.joined("; ", [e.message for e in errors[:3]])
            ),
            errors=errors,
        )


def _dedupe(names: Sequence[str]) -> list[str]:
    out: list[str] = []
    for name in names:
        if name not in out:
            out.append(name)
    return out


# --- writing --------------------------------------------------------------------------------------


async def create_row(
    session: AsyncSession,
    *,
    principal: Principal,
    plan: Plan,
    item_in: ItemCreate,
    origin: str | None = None,
    source_proposal_id: str | None = None,
    extra_applicants: Sequence[str] = (),
) -> PlanItem:
    """Insert an item, its event and its audit row (shared by the API and proposal acceptance)."""
    ensure_editable(plan, "adding items")
    await _validate(
        session,
        plan,
        requested_budget=item_in.requested_budget,
        linked_project_ids=item_in.linked_project_ids,
        kpis=item_in.kpis,
    )
    now = utcnow()
    item = PlanItem(
        id=new_id(),
        plan_id=plan.id,
        sgg_code=plan.sgg_code,
        title_ko=item_in.title_ko,
        title_en=item_in.title_en,
        description=item_in.description,
        origin=origin or item_in.origin.value,
        policy_field=item_in.policy_field,
        dong=item_in.dong,
        responsible_department=item_in.responsible_department,
        applicant_organisations=_dedupe([*item_in.applicant_organisations, *extra_applicants]),
        partner_organisations=_dedupe(item_in.partner_organisations),
        target_groups=_dedupe(item_in.target_groups),
        requested_budget=[y.model_dump() for y in item_in.requested_budget],
        requested_total_krw=sum(y.amount_krw for y in item_in.requested_budget),
        program_codes=item_in.program_codes.model_dump(),
        kpis=[k.model_dump() for k in item_in.kpis],
        linked_project_ids=list(item_in.linked_project_ids),
        source_proposal_id=source_proposal_id,
        funded_krw=0,
        version=1,
        created_by=principal.sub,
        created_at=now,
        updated_at=now,
    )
    session.add(item)
    await session.flush()
    (data,) = await item_data(session, [item])
    add_to_outbox(
        session, PlanItemCreated(plan_id=plan.id, sgg_code=plan.sgg_code, item=data), subject=item.id
    )
    audit_row(
        session,
        actor=principal,
        action="plan_item.create",
        entity_type="plan_item",
        row=item,
    )
    return item


async def create(
    *, session: AsyncSession, principal: Principal, plan_id: str, item_in: ItemCreate
) -> ItemRead:
    plan = await load_plan(session, plan_id, for_update=True)
    ensure_officer(principal, plan.sgg_code)
    item = await create_row(session, principal=principal, plan=plan, item_in=item_in)
    return await item_read(session, item)


async def emit_updated(session: AsyncSession, item: PlanItem) -> None:
    (data,) = await item_data(session, [item])
    add_to_outbox(
        session, PlanItemUpdated(plan_id=item.plan_id, sgg_code=item.sgg_code, item=data), subject=item.id
    )


async def update(
    *, session: AsyncSession, principal: Principal, item_id: str, item_in: ItemUpdate, if_match: str | None
) -> ItemRead:
    item = await load_item(session, item_id, for_update=True)
    plan = await load_plan(session, item.plan_id)
    ensure_officer(principal, item.sgg_code)
    check_if_match(if_match, item.version)
    ensure_editable(plan, "changing items")
    changes = item_in.model_dump(exclude_unset=True)
    if not changes:
        return await item_read(session, item)
    await _validate(
        session,
        plan,
        requested_budget=item_in.requested_budget,
        linked_project_ids=item_in.linked_project_ids,
        kpis=item_in.kpis,
    )
    before = snapshot(item)
    for name, value in changes.items():
        if name in ("title_ko", "origin") and value is None:
            continue  # required columns: an explicit null means "leave as is"
        if name == "requested_budget":
            item.requested_budget = [y.model_dump() for y in item_in.requested_budget or []]
            item.requested_total_krw = sum(y.amount_krw for y in item_in.requested_budget or [])
        elif name == "program_codes":
            item.program_codes = (item_in.program_codes or ProgramCodesIn()).model_dump()
        elif name == "kpis":
            item.kpis = [k.model_dump() for k in item_in.kpis or []]
        elif name in (
            "applicant_organisations",
            "partner_organisations",
            "target_groups",
            "linked_project_ids",
        ):
            setattr(item, name, _dedupe(value or []))
        elif name == "origin":
            item.origin = str(value)
        else:
            setattr(item, name, value)
    bump_version(item)
    await session.flush()
    await emit_updated(session, item)
    audit_row(
        session,
        actor=principal,
        action="plan_item.update",
        entity_type="plan_item",
        row=item,
        before=before,
    )
    return await item_read(session, item)
