"""Resident proposal use cases: submit, screen (accept / merge / reject), public and own listings."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from cg_planning.common import ensure_known_borough, ensure_officer, new_id
from cg_planning.items import service as items
from cg_planning.items.models import PlanItem
from cg_planning.items.schemas import ItemCreate, YearlyAmountIn
from cg_planning.plans.models import Plan
from cg_planning.plans.rows import ensure_editable, load_plan
from cg_planning.proposals.models import Proposal
from cg_planning.proposals.schemas import (
    ProposalCreate,
    ProposalMine,
    ProposalPublic,
    ProposalStatus,
    ProposerKind,
    ScreeningDecision,
    ScreeningRequest,
)
from cg_planning.timeline import service as timeline
from cg_planning.timeline.schemas import Stage, TimelineEntryRead
from cg_shared.audit import audit_row
from cg_shared.auth import Principal, Role
from cg_shared.db import utcnow
from cg_shared.http import (
    Conflict,
    FieldError,
    Forbidden,
    Page,
    PageParams,
    Unprocessable,
)
from cg_shared.i18n import msg
from cg_shared.paging import keyset, make_page, parse_datetime
from cg_shared.rows import bump_version, get_or_404, snapshot


def _unprocessable(field: str, message: str) -> Unprocessable:
    return Unprocessable(message, errors=[FieldError(field=field, message=message)])


def public_view(p: Proposal) -> ProposalPublic:
    return ProposalPublic(
        id=p.id,
        sgg_code=p.sgg_code,
        plan_id=p.plan_id,
        title=p.title,
        problem=p.problem,
        idea=p.idea,
        dong=p.dong,
        estimated_cost_krw=p.estimated_cost_krw,
        target_group=p.target_group,
        proposer_kind=ProposerKind(p.proposer_kind),
        status=ProposalStatus(p.status),
        screening_reason=p.screening_reason,
        item_id=p.item_id,
        merged_into_proposal_id=p.merged_into_proposal_id,
        screened_at=p.screened_at,
        created_at=p.created_at,
        version=p.version,
    )


def _outcome(p: Proposal, item: PlanItem | None) -> str:
    status = ProposalStatus(p.status)
    if status is ProposalStatus.SUBMITTED:
        return "awaiting screening by the borough"
    if status is ProposalStatus.REJECTED:
        return f"not taken up: {p.screening_reason}"
    where = f"plan item '{item.title_ko}'" if item else None
    if status is ProposalStatus.ACCEPTED:
        return f"accepted into {where}"
    if where:
        return f"merged into {where}" + (f" ({p.screening_reason})" if p.screening_reason else "")
    return "merged into another proposal that is still being screened"


def _latest_outcome(step: TimelineEntryRead, item: PlanItem | None) -> str | None:
    """After screening, the outcome follows the proposal's item through the plan and the budget."""
    title = f"plan item '{item.title_ko}'" if item else "its plan item"
    money = f"₩{step.amount_krw:,}" if step.amount_krw is not None else "money"
    return {
        Stage.REVISION: f"the committee sent the plan with {title} back for revision: {step.reason or ''}",
        Stage.ADOPTED: f"the committee adopted the plan with {title}",
        Stage.REQUESTED: f"a budget request of {money} was opened for {title}",
        Stage.FUNDED: f"funded: {money} for {title}",
        Stage.EXECUTED: f"being carried out: {money} spent on {title} so far",
        Stage.COMPLETED: f"completed: {title} spent its money",
    }.get(step.stage)


# --- submit ---------------------------------------------------------------------------------------


async def submit(
    *, session: AsyncSession, principal: Principal, proposal_in: ProposalCreate
) -> ProposalPublic:
    if principal.role is not Role.RESIDENT:
        raise Forbidden(
            msg(
                "role {role} may not submit proposals; residents and civic groups (resident tokens) do",
                role=principal.role.value,
            )
        )
    ensure_known_borough(proposal_in.sgg_code, field="body.sgg_code")
    if proposal_in.plan_id is not None:
        plan = await session.get(Plan, proposal_in.plan_id)
        if plan is None:
            raise _unprocessable("body.plan_id", f"no plan with id {proposal_in.plan_id}")
        if plan.sgg_code != proposal_in.sgg_code:
            raise _unprocessable("body.plan_id", f"plan {plan.id} is a plan of borough {plan.sgg_code}")
        ensure_editable(plan, "proposing to it")
    orgs = principal.organisations
    kind = proposal_in.proposer_kind or (ProposerKind.CIVIC_GROUP if orgs else ProposerKind.RESIDENT)
    organisation: str | None = None
    if kind is ProposerKind.CIVIC_GROUP:
        organisation = proposal_in.organisation or (orgs[0] if orgs else None)
        if organisation is None:
            raise _unprocessable("body.organisation", "a civic-group proposal names its organisation")
        if orgs and organisation not in orgs:
            raise _unprocessable(
                "body.organisation", f"{organisation!r} is not one of your organisations: {', '.join(orgs)}"
            )
    now = utcnow()
    proposal = Proposal(
        id=new_id(),
        sgg_code=proposal_in.sgg_code,
        plan_id=proposal_in.plan_id,
        title=proposal_in.title,
        problem=proposal_in.problem,
        idea=proposal_in.idea,
        dong=proposal_in.dong,
        estimated_cost_krw=proposal_in.estimated_cost_krw,
        target_group=proposal_in.target_group,
        proposer_sub=principal.sub,
        proposer_name=(principal.name or "")[:100] or None,
        contact=proposal_in.contact,
        proposer_kind=kind.value,
        organisation=organisation,
        status=ProposalStatus.SUBMITTED.value,
        version=1,
        created_at=now,
        updated_at=now,
    )
    session.add(proposal)
    await session.flush()
    view = public_view(proposal)
    # The audit trail is smg_admin-only, but still keeps no contact details: the actor names the person.
    audit_row(
        session,
        actor=principal,
        action="proposal.submit",
        entity_type="proposal",
        row=proposal,
        after=view.model_dump(),
    )
    return view


# --- screening ------------------------------------------------------------------------------------


async def _followers(session: AsyncSession, root_id: str) -> list[Proposal]:
    """Every proposal merged (directly or through others) into ``root_id``."""
    found: list[Proposal] = []
    frontier = [root_id]
    while frontier:
        rows = list(
            await session.scalars(
                select(Proposal).where(Proposal.merged_into_proposal_id.in_(frontier)).with_for_update()
            )
        )
        found.extend(rows)
        frontier = [r.id for r in rows]
    return found


async def _link_to_item(
    session: AsyncSession, principal: Principal, proposals: list[Proposal], item: PlanItem
) -> None:
    """Point proposals at an item and add civic-group proposers to its applicants (for recusal)."""
    plan = await load_plan(session, item.plan_id)
    ensure_editable(plan, "taking proposals into its items")
    before = snapshot(item)
    applicants = list(item.applicant_organisations)
    for p in proposals:
        p.item_id = item.id
        if p.organisation and p.organisation not in applicants:
            applicants.append(p.organisation)
    item.applicant_organisations = applicants
    bump_version(item)
    await session.flush()
    await items.emit_updated(session, item)
    audit_row(
        session,
        actor=principal,
        action="plan_item.link_proposals",
        entity_type="plan_item",
        row=item,
        before=before,
    )


async def _item_in_borough(session: AsyncSession, item_id: str, sgg_code: str) -> PlanItem:
    item = await session.get(PlanItem, item_id, with_for_update=True)
    if item is None:
        raise _unprocessable("body.item_id", f"no plan item with id {item_id}")
    if item.sgg_code != sgg_code:
        raise _unprocessable("body.item_id", f"item {item_id} belongs to borough {item.sgg_code}")
    return item


async def _new_item_from(
    session: AsyncSession, principal: Principal, proposal: Proposal, screening: ScreeningRequest
) -> PlanItem:
    plan_id = screening.plan_id or proposal.plan_id
    if plan_id is None:
        raise _unprocessable("body.plan_id", "name the plan the new item goes into (or give item_id)")
    plan = await session.get(Plan, plan_id, with_for_update=True)
    if plan is None:
        raise _unprocessable("body.plan_id", f"no plan with id {plan_id}")
    if plan.sgg_code != proposal.sgg_code:
        raise _unprocessable("body.plan_id", f"plan {plan.id} is a plan of borough {plan.sgg_code}")
    overrides = screening.item.model_dump(exclude_unset=True) if screening.item else {}
    fields = {
        "title_ko": proposal.title,
        "description": f"{proposal.problem}\n\n{proposal.idea}",
        "dong": proposal.dong,
        "target_groups": [proposal.target_group],
        # An annual plan's item asks for the proposal's estimate in that year unless the officer says otherwise.
        "requested_budget": (
            [YearlyAmountIn(fiscal_year=plan.fiscal_year, amount_krw=proposal.estimated_cost_krw)]
            if plan.fiscal_year is not None
            else []
        ),
    }
    fields.update({k: v for k, v in overrides.items() if not (k == "title_ko" and not v)})
    fields.pop("origin", None)  # the origin is the proposer's, never chosen at screening
    item_in = ItemCreate.model_validate(fields)
    return await items.create_row(
        session,
        principal=principal,
        plan=plan,
        item_in=item_in,
        origin=proposal.proposer_kind,
        source_proposal_id=proposal.id,
        extra_applicants=[proposal.organisation] if proposal.organisation else [],
    )


async def _load_proposal(session: AsyncSession, proposal_id: str, *, for_update: bool = False) -> Proposal:
    return await get_or_404(
        session,
        Proposal,
        proposal_id,
        msg("no proposal with id {proposal_id}", proposal_id=proposal_id),
        for_update=for_update,
    )


async def _join_item(
    session: AsyncSession, principal: Principal, proposals: list[Proposal], item_id: str
) -> None:
    """Link the proposals to an existing item of their borough (the first proposal's)."""
    item = await _item_in_borough(session, item_id, proposals[0].sgg_code)
    await _link_to_item(session, principal, proposals, item)


async def screen(
    *, session: AsyncSession, principal: Principal, proposal_id: str, screening: ScreeningRequest
) -> ProposalPublic:
    proposal = await _load_proposal(session, proposal_id, for_update=True)
    ensure_officer(principal, proposal.sgg_code)
    if proposal.status != ProposalStatus.SUBMITTED.value:
        raise Conflict(
            msg(
                "proposal {proposal_id} was already screened ({status})",
                proposal_id=proposal.id,
                status=proposal.status,
            ),
            slug="proposal-screened",
            extra={"current_status": proposal.status},
        )
    before = public_view(proposal).model_dump()
    decision = screening.decision
    if decision is ScreeningDecision.REJECT:
        if not screening.reason:
            raise _unprocessable("body.reason", "a rejection gives the proposer a reason")
        proposal.status = ProposalStatus.REJECTED.value
    elif decision is ScreeningDecision.ACCEPT:
        if screening.item_id and screening.plan_id:
            raise _unprocessable(
                "body.item_id", "give item_id (existing item) or plan_id (new item), not both"
            )
        if screening.proposal_id:
            raise _unprocessable("body.proposal_id", "proposal_id is for merge, not accept")
        followers = await _followers(session, proposal.id)
        if screening.item_id:
            await _join_item(session, principal, [proposal, *followers], screening.item_id)
        else:
            item = await _new_item_from(session, principal, proposal, screening)
            proposal.item_id = item.id
            if followers:
                await _link_to_item(session, principal, followers, item)
        proposal.status = ProposalStatus.ACCEPTED.value
    else:
        if bool(screening.item_id) == bool(screening.proposal_id):
            raise _unprocessable("body.item_id", "merge needs exactly one of item_id or proposal_id")
        followers = await _followers(session, proposal.id)
        if screening.item_id:
            await _join_item(session, principal, [proposal, *followers], screening.item_id)
        else:
            assert screening.proposal_id is not None
            target = await _merge_root(session, screening.proposal_id, proposal)
            proposal.merged_into_proposal_id = target.id
            if target.item_id is not None:
                await _join_item(session, principal, [proposal, *followers], target.item_id)
        proposal.status = ProposalStatus.MERGED.value
    proposal.screening_reason = screening.reason
    proposal.screened_by = principal.sub
    proposal.screened_at = utcnow()
    bump_version(proposal)
    await session.flush()
    await _record_screening(session, proposal, decision)
    view = public_view(proposal)
    audit_row(
        session,
        actor=principal,
        action=f"proposal.{decision.value}",
        entity_type="proposal",
        row=proposal,
        before=before,
        after=view.model_dump(),
    )
    return view


async def _record_screening(session: AsyncSession, proposal: Proposal, decision: ScreeningDecision) -> None:
    """The proposer's timeline: screened, then in a plan item (with the proposals merged into it) or
    rejected with the reason."""
    at = proposal.screened_at or utcnow()
    said = {
        ScreeningDecision.ACCEPT: "구청이 제안을 검토해 채택했습니다",
        ScreeningDecision.MERGE: "구청이 제안을 검토해 비슷한 제안과 통합했습니다",
        ScreeningDecision.REJECT: "구청이 제안을 검토했습니다",
    }[decision]
    await timeline.record(
        session,
        [proposal],
        stage=Stage.SCREENED,
        at=at,
        detail=said,
        reason=proposal.screening_reason if decision is not ScreeningDecision.REJECT else None,
        plan_id=proposal.plan_id,
        dedupe_key="screened",
    )
    if decision is ScreeningDecision.REJECT:
        await timeline.record(
            session,
            [proposal],
            stage=Stage.REJECTED,
            at=at,
            detail="제안이 계획에 채택되지 않았습니다",
            reason=proposal.screening_reason,
            dedupe_key="rejected:screening",
        )
        return
    if proposal.item_id is None:
        return  # merged into a proposal that is still being screened: its step comes with the root's
    item = await session.get(PlanItem, proposal.item_id)
    if item is None:
        return
    linked = (await timeline.proposals_of_items(session, [item.id])).get(item.id, [])
    await timeline.record(
        session,
        linked,
        stage=Stage.IN_PLAN_ITEM,
        at=at,
        detail=f"계획 사업 「{item.title_ko}」에 담겼습니다",
        plan_id=item.plan_id,
        item_id=item.id,
        dedupe_key=f"in_plan_item:{item.id}",
    )


async def _merge_root(session: AsyncSession, target_id: str, proposal: Proposal) -> Proposal:
    """The proposal a merge really lands on: follow earlier merges to the one that stands."""
    seen = {proposal.id}
    current = await session.get(Proposal, target_id, with_for_update=True)
    if current is None:
        raise _unprocessable("body.proposal_id", f"no proposal with id {target_id}")
    while True:
        if current.id in seen:
            raise _unprocessable("body.proposal_id", "a proposal cannot be merged into itself")
        seen.add(current.id)
        if current.sgg_code != proposal.sgg_code:
            raise _unprocessable(
                "body.proposal_id", f"proposal {current.id} is of borough {current.sgg_code}"
            )
        if current.status == ProposalStatus.REJECTED.value:
            raise Conflict(
                msg(
                    "proposal {current_id} was rejected; merge into an item or a standing proposal",
                    current_id=current.id,
                ),
                slug="proposal-screened",
                extra={"current_status": current.status},
            )
        if current.status != ProposalStatus.MERGED.value or current.merged_into_proposal_id is None:
            return current
        nxt = await session.get(Proposal, current.merged_into_proposal_id, with_for_update=True)
        if nxt is None:
            return current
        current = nxt


# --- reading --------------------------------------------------------------------------------------


async def get_public(*, session: AsyncSession, proposal_id: str) -> ProposalPublic:
    return public_view(await _load_proposal(session, proposal_id))


def _newest_first(stmt: Select[Any], page: PageParams) -> Select[Any]:
    return keyset(
        stmt, sort=Proposal.created_at, tiebreak=Proposal.id, page=page, parse=parse_datetime, descending=True
    )


def _cursor_key(r: Proposal) -> list[Any]:
    return [r.created_at.isoformat(), r.id]


async def list_public(
    *,
    session: AsyncSession,
    page: PageParams,
    sgg_code: str | None,
    plan_id: str | None,
    status: ProposalStatus | None,
) -> Page[ProposalPublic]:
    stmt = select(Proposal)
    if sgg_code:
        stmt = stmt.where(Proposal.sgg_code == sgg_code)
    if plan_id:
        stmt = stmt.where(Proposal.plan_id == plan_id)
    if status:
        stmt = stmt.where(Proposal.status == status.value)
    rows = list(await session.scalars(_newest_first(stmt, page)))
    return make_page(rows, page=page, key=_cursor_key, read=public_view)


async def list_mine(*, session: AsyncSession, principal: Principal, page: PageParams) -> Page[ProposalMine]:
    stmt = select(Proposal).where(Proposal.proposer_sub == principal.sub)
    fetched = list(await session.scalars(_newest_first(stmt, page)))
    rows = fetched[: page.limit]
    item_ids = {r.item_id for r in rows if r.item_id}
    linked = (
        {i.id: i for i in await session.scalars(select(PlanItem).where(PlanItem.id.in_(item_ids)))}
        if item_ids
        else {}
    )
    steps = await timeline.timelines(session, [r.id for r in rows])

    def read(r: Proposal) -> ProposalMine:
        item = linked.get(r.item_id) if r.item_id else None
        mine = steps.get(r.id, [])
        return ProposalMine(
            **public_view(r).model_dump(),
            organisation=r.organisation,
            contact=r.contact,
            item_title_ko=item.title_ko if item else None,
            item_plan_id=item.plan_id if item else None,
            outcome=(mine and _latest_outcome(mine[-1], item)) or _outcome(r, item),
            stage=mine[-1].stage if mine else None,
            timeline=mine,
        )

    return make_page(fetched, page=page, key=_cursor_key, read=read)
