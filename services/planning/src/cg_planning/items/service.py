"""Plan item use cases: create, read, update (If-Match), convergence suggestions, funding from budget."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cg_planning.common import ensure_officer, new_id
from cg_planning.deliberations.models import Deliberation
from cg_planning.items import convergence
from cg_planning.items.models import ItemFunding, PlanItem
from cg_planning.items.schemas import (
    ConvergenceRead,
    ConvergenceSuggestionRead,
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
from cg_planning.plans.workflow import PlanState
from cg_planning.proposals.models import Proposal
from cg_planning.registry_projects.models import RegistryProject
from cg_planning.registry_projects.service import DELETED
from cg_planning.timeline import service as timeline
from cg_planning.timeline.schemas import Stage
from cg_shared.audit import record_audit
from cg_shared.auth import Principal
from cg_shared.db import utcnow
from cg_shared.events import CloudEvent
from cg_shared.events.budget import AllocationFinalized, RequestCreated, RequestExecuted
from cg_shared.events.planning import (
    PlanItemCreated,
    PlanItemData,
    PlanItemFunded,
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
from cg_shared.rows import bump_version, get_or_404

log = logging.getLogger(__name__)

# Money may arrive for items of plans that are adopted or already running (supplementary allocations).
FUNDABLE_STATES = frozenset({PlanState.ADOPTED, PlanState.IN_EXECUTION})


# --- reading --------------------------------------------------------------------------------------


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
    proposals: dict[str, list[str]] = defaultdict(list)
    for pid, item_id in (
        await session.execute(
            select(Proposal.id, Proposal.item_id)
            .where(Proposal.item_id.in_(ids))
            .order_by(Proposal.created_at)
        )
    ).all():
        if item_id is not None:
            proposals[item_id].append(pid)
    fundings: dict[str, list[FundingRead]] = defaultdict(list)
    for row in (
        await session.execute(
            select(ItemFunding).where(ItemFunding.item_id.in_(ids)).order_by(ItemFunding.id)
        )
    ).scalars():
        fundings[row.item_id].append(FundingRead.model_validate(row))
    return [
        ItemRead(
            id=i.id,
            plan_id=i.plan_id,
            sgg_code=i.sgg_code,
            title_ko=i.title_ko,
            title_en=i.title_en,
            description=i.description,
            origin=Origin(i.origin),
            policy_field=i.policy_field,
            dong=i.dong,
            responsible_department=i.responsible_department,
            applicant_organisations=list(i.applicant_organisations),
            partner_organisations=list(i.partner_organisations),
            target_groups=list(i.target_groups),
            requested_budget=[YearlyAmountIn.model_validate(y) for y in i.requested_budget],
            requested_total_krw=i.requested_total_krw,
            program_codes=ProgramCodesIn.model_validate(i.program_codes),
            kpis=[Kpi.model_validate(k) for k in i.kpis],
            linked_project_ids=list(i.linked_project_ids),
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
    rows = list((await session.execute(stmt)).scalars())
    reads = dict(zip((r.id for r in rows), await _reads(session, rows[: page.limit]), strict=False))
    return make_page(
        rows, page=page, key=lambda r: [r.created_at.isoformat(), r.id], read=lambda r: reads[r.id]
    )


async def items_of_plan(session: AsyncSession, plan_id: str) -> list[PlanItem]:
    return list(
        (
            await session.execute(
                select(PlanItem).where(PlanItem.plan_id == plan_id).order_by(PlanItem.created_at, PlanItem.id)
            )
        ).scalars()
    )


async def item_data(session: AsyncSession, items: Sequence[PlanItem]) -> list[PlanItemData]:
    """The event form of items (what budget and registry consume)."""
    ids = [i.id for i in items]
    proposals: dict[str, list[str]] = defaultdict(list)
    if ids:
        for pid, item_id in (
            await session.execute(
                select(Proposal.id, Proposal.item_id)
                .where(Proposal.item_id.in_(ids))
                .order_by(Proposal.created_at)
            )
        ).all():
            if item_id is not None:
                proposals[item_id].append(pid)
    return [
        PlanItemData(
            item_id=i.id,
            title_ko=i.title_ko,
            title_en=i.title_en,
            origin=i.origin,
            policy_field=i.policy_field,
            responsible_department=i.responsible_department,
            partner_organisations=list(i.partner_organisations),
            target_groups=list(i.target_groups),
            requested_budget=[YearlyAmount.model_validate(y) for y in i.requested_budget],
            program_codes=ProgramCodes.model_validate(i.program_codes),
            linked_project_ids=list(i.linked_project_ids),
            applicant_organisations=list(i.applicant_organisations),
            source_proposal_ids=proposals.get(i.id, []),
            dong=i.dong,
            description=i.description,
        )
        for i in items
    ]


# --- validation -----------------------------------------------------------------------------------


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
    if kpis is not None:
        names = [k.name for k in kpis]
        for n, name in enumerate(names):
            if names.index(name) != n:
                errors.append(
                    FieldError(
                        field=f"body.kpis.{n}.name", message=msg("KPI {name!r} is listed twice", name=name)
                    )
                )
    if linked_project_ids:
        known = {
            p.project_id: p
            for p in (
                await session.execute(
                    select(RegistryProject).where(
                        RegistryProject.project_id.in_(set(linked_project_ids)),
                        RegistryProject.status != DELETED,
                    )
                )
            ).scalars()
        }
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


def snapshot(item: PlanItem) -> dict[str, Any]:
    """Plain dict of an item for the audit trail's before/after."""
    return {c.key: getattr(item, c.key) for c in PlanItem.__table__.columns}


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
    record_audit(
        session,
        actor=principal,
        action="plan_item.create",
        entity_type="plan_item",
        entity_id=item.id,
        sgg_code=plan.sgg_code,
        after=snapshot(item),
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
    record_audit(
        session,
        actor=principal,
        action="plan_item.update",
        entity_type="plan_item",
        entity_id=item.id,
        sgg_code=item.sgg_code,
        before=before,
        after=snapshot(item),
    )
    return await item_read(session, item)


# --- convergence ----------------------------------------------------------------------------------


async def suggest_convergence(
    *, session: AsyncSession, item_id: str, limit: int, min_score: float
) -> ConvergenceRead:
    item = await load_item(session, item_id)
    plan = await load_plan(session, item.plan_id)
    start, end = date(plan.term_start_year, 1, 1), date(plan.term_end_year, 12, 31)
    candidates: list[RegistryProject] = []
    if item.policy_field:
        candidates = list(
            (
                await session.execute(
                    select(RegistryProject).where(
                        RegistryProject.sgg_code == item.sgg_code,
                        RegistryProject.policy_field == item.policy_field,
                        RegistryProject.status != DELETED,
                        # The registry registers adopted items as projects: never suggest the item to itself.
                        (RegistryProject.plan_item_id.is_(None)) | (RegistryProject.plan_item_id != item.id),
                    )
                )
            ).scalars()
        )
    profile = convergence.ItemProfile(
        title_ko=item.title_ko,
        title_en=item.title_en,
        partner_organisations=tuple(item.partner_organisations),
        target_groups=tuple(item.target_groups),
        period_start=start,
        period_end=end,
        linked_project_ids=frozenset(item.linked_project_ids),
    )
    by_id = {p.project_id: p for p in candidates}
    ranked = convergence.rank(
        profile,
        [
            convergence.ProjectProfile(
                project_id=p.project_id,
                title_ko=p.title_ko,
                title_en=p.title_en,
                partner_organisations=tuple(p.partner_organisations),
                target_groups=tuple(p.target_groups),
                start_date=p.start_date,
                end_date=p.end_date,
            )
            for p in candidates
        ],
        min_score=min_score,
    )[:limit]
    return ConvergenceRead(
        item_id=item.id,
        sgg_code=item.sgg_code,
        policy_field=item.policy_field,
        period_start=start,
        period_end=end,
        candidates_considered=len(candidates),
        suggestions=[
            ConvergenceSuggestionRead(
                project_id=s.project_id,
                code=by_id[s.project_id].code,
                title_ko=by_id[s.project_id].title_ko,
                title_en=by_id[s.project_id].title_en,
                policy_field=by_id[s.project_id].policy_field,
                status=by_id[s.project_id].status,
                start_date=by_id[s.project_id].start_date,
                end_date=by_id[s.project_id].end_date,
                score=s.score,
                title_similarity=s.title_similarity,
                shared_partners=list(s.shared_partners),
                shared_target_groups=list(s.shared_target_groups),
                period_overlap=s.period_overlap,
                already_linked=s.already_linked,
                reasons=list(s.reasons),
            )
            for s in ranked
        ],
    )


# --- funding (consumer of budget's AllocationFinalized) -------------------------------------------


async def record_funding(
    *, session: AsyncSession, event: CloudEvent, allocation: AllocationFinalized
) -> None:
    """Mark items funded. Idempotent by design: a line already recorded is skipped (unique key too)."""
    per_item: dict[str, list[Any]] = defaultdict(list)
    for line in allocation.lines:
        if line.plan_item_id and line.amount_krw > 0:
            per_item[line.plan_item_id].append(line)
    for item_id, lines in per_item.items():
        item = await session.get(PlanItem, item_id, with_for_update=True)
        if item is None:
            log.warning("allocation line for an unknown plan item", extra={"item_id": item_id})
            continue
        if item.sgg_code != allocation.sgg_code:
            log.warning(
                "allocation of another borough names this item; ignored",
                extra={"item_id": item_id, "allocation_sgg": allocation.sgg_code},
            )
            continue
        plan = await load_plan(session, item.plan_id)
        if PlanState(plan.state) not in FUNDABLE_STATES:
            log.warning(
                "allocation for an item whose plan is not adopted; ignored",
                extra={"item_id": item_id, "plan_state": plan.state},
            )
            continue
        known = set(
            (
                await session.execute(
                    select(ItemFunding.request_id).where(
                        ItemFunding.allocation_id == allocation.allocation_id, ItemFunding.item_id == item_id
                    )
                )
            ).scalars()
        )
        fresh = [line for line in lines if line.request_id not in known]
        if not fresh:
            continue
        before = snapshot(item)
        amount = sum(line.amount_krw for line in fresh)
        for line in fresh:
            session.add(
                ItemFunding(
                    item_id=item_id,
                    plan_id=item.plan_id,
                    allocation_id=allocation.allocation_id,
                    request_id=line.request_id,
                    fiscal_year=allocation.fiscal_year,
                    source=line.source,
                    amount_krw=line.amount_krw,
                    recorded_at=utcnow(),
                )
            )
        item.funded_krw += amount
        bump_version(item)
        await timeline.record_for_items(
            session,
            {item.id: amount},
            stage=Stage.FUNDED,
            at=event.time or utcnow(),
            detail=f"{allocation.fiscal_year}년 예산이 배정되었습니다",
            dedupe_key=f"funded:{allocation.allocation_id}",
            plan_id=item.plan_id,
        )
        add_to_outbox(
            session,
            PlanItemFunded(
                plan_id=item.plan_id,
                sgg_code=item.sgg_code,
                item_id=item.id,
                allocation_id=allocation.allocation_id,
                fiscal_year=allocation.fiscal_year,
                amount_krw=amount,
            ),
            subject=item.id,
        )
        record_audit(
            session,
            actor=f"budget:{event.source}",
            action="plan_item.funded",
            entity_type="plan_item",
            entity_id=item.id,
            sgg_code=item.sgg_code,
            before=before,
            after=snapshot(item),
        )


async def record_request(*, session: AsyncSession, event: CloudEvent, request: RequestCreated) -> None:
    """Budget opened a request for an item: the proposers of that item see "requested" with the amount."""
    item = await session.get(PlanItem, request.plan_item_id)
    if item is None or item.sgg_code != request.sgg_code:
        log.warning(
            "budget request for an unknown item (or another borough's); not in any timeline",
            extra={"item_id": request.plan_item_id, "request_id": request.request_id},
        )
        return
    await timeline.record_for_items(
        session,
        {item.id: request.amount_krw},
        stage=Stage.REQUESTED,
        at=event.time or utcnow(),
        detail=f"{request.fiscal_year}년 예산 요청이 열렸습니다",
        dedupe_key=f"requested:{request.request_id}",
        plan_id=item.plan_id,
    )


async def record_execution(*, session: AsyncSession, event: CloudEvent, execution: RequestExecuted) -> None:
    """Borough IT reported spending on an item's request: "executed" (each import that changed it), then
    "completed" once the allocation is spent in full."""
    item = await session.get(PlanItem, execution.plan_item_id) if execution.plan_item_id else None
    if item is None or item.sgg_code != execution.sgg_code:
        log.warning(
            "execution for an unknown item (or another borough's); not in any timeline",
            extra={"item_id": execution.plan_item_id, "request_id": execution.request_id},
        )
        return
    at = event.time or utcnow()
    await timeline.record_for_items(
        session,
        {item.id: execution.executed_krw},
        stage=Stage.EXECUTED,
        at=at,
        detail=f"{execution.fiscal_year}년 예산 집행 보고, 배정 {execution.allocated_krw:,}원 중",
        dedupe_key=f"executed:{execution.request_id}:{execution.import_id}",
        plan_id=item.plan_id,
    )
    if execution.completed:
        await timeline.record_for_items(
            session,
            {item.id: execution.executed_krw},
            stage=Stage.COMPLETED,
            at=at,
            detail=f"{execution.fiscal_year}년 배정 예산을 모두 집행했습니다",
            dedupe_key=f"completed:{execution.request_id}",
            plan_id=item.plan_id,
        )
