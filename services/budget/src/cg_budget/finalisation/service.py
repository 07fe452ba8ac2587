"""Finalising an allocation: money moves from envelopes to budget requests, all or nothing.

Envelope rows are locked (``SELECT … FOR UPDATE``, in id order so two finalisations never deadlock)
before their remaining amounts are checked, so concurrent allocations on PostgreSQL cannot overspend;
the ``allocated_krw <= amount_krw`` check constraint is the database's own last word.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cg_budget.budget_requests.models import BudgetRequest, RequestRevision
from cg_budget.budget_requests.schemas import Feasibility, RequestStatus
from cg_budget.common import ensure_officer
from cg_budget.cycles import calendar as cal
from cg_budget.cycles import service as cycles
from cg_budget.elections import service as elections
from cg_budget.elections.models import ElectionOutcome, ElectionProject
from cg_budget.envelopes.models import Envelope
from cg_budget.envelopes.schemas import EnvelopeKind
from cg_budget.envelopes.service import funding_source
from cg_budget.events import emit
from cg_budget.finalisation.models import Allocation, AllocationLine
from cg_budget.finalisation.schemas import AllocationCreate, AllocationLineRead, AllocationRead
from cg_budget.smg.models import BlockGrantUse
from cg_shared.audit import record_audit
from cg_shared.auth import Principal
from cg_shared.db import utcnow
from cg_shared.events.budget import AllocationFinalized
from cg_shared.events.budget import AllocationLine as AllocationLineEvent
from cg_shared.http import Conflict, FieldError, NotFound, Unprocessable
from cg_shared.i18n import msg
from cg_shared.rows import bump_version


def _read(allocation: Allocation, lines: list[AllocationLine]) -> AllocationRead:
    return AllocationRead(
        id=allocation.id,
        cycle_id=allocation.cycle_id,
        sgg_code=allocation.sgg_code,
        fiscal_year=allocation.fiscal_year,
        method=allocation.method,
        election_id=allocation.election_id,
        supplementary_number=allocation.supplementary_number,
        total_krw=allocation.total_krw,
        note=allocation.note,
        lines=[AllocationLineRead.model_validate(line) for line in lines],
        created_at=allocation.created_at,
    )


async def _election_lines(
    session: AsyncSession, cycle_id: str, allocation_in: AllocationCreate
) -> tuple[list[tuple[str, int, EnvelopeKind | None, str | None]], str, str]:
    if allocation_in.election_id is None:
        raise Unprocessable(
            "method election needs election_id",
            errors=[FieldError(field="body.election_id", message="required")],
        )
    if allocation_in.lines:
        raise Unprocessable(
            "an election allocation takes its lines from the outcome",
            errors=[FieldError(field="body.lines", message="must be empty for method election")],
        )
    election = await elections.load(session, allocation_in.election_id, for_update=True)
    if election.cycle_id != cycle_id:
        raise Unprocessable(
            "the election belongs to another cycle",
            errors=[FieldError(field="body.election_id", message="other cycle")],
        )
    if election.status == elections.OPEN:
        raise Conflict("close the election first: its outcome is computed when it closes")
    if election.status == elections.FINALISED:
        raise Conflict("this election's outcome was already finalised")
    outcome = await session.get(ElectionOutcome, election.id)
    if outcome is None:
        raise Conflict("the election has no stored outcome")
    projects = {
        p.project_key: p
        for p in (
            await session.execute(select(ElectionProject).where(ElectionProject.election_id == election.id))
        ).scalars()
    }
    lines: list[tuple[str, int, EnvelopeKind | None, str | None]] = []
    for key in outcome.selected:
        project = projects[key]
        if project.request_id is None:
            raise Conflict("an election imported from a Pabulib file has no budget requests to fund")
        # Voters chose projects at the cost shown on the ballot paper: that is the amount funded.
        lines.append(
            (project.request_id, project.cost_krw, allocation_in.envelope_kind, election.envelope_id)
        )
    if not lines:
        raise Conflict("the outcome funds no project; there is nothing to allocate")
    election.status = elections.FINALISED
    election.version += 1
    return lines, f"election:{election.rule}", election.id


async def finalise(
    *, session: AsyncSession, principal: Principal, cycle_id: str, allocation_in: AllocationCreate
) -> AllocationRead:
    cycle = await cycles.load(session, cycle_id)
    ensure_officer(principal, cycle.sgg_code)
    revision = await cycles.money_window(
        session, cycle, cal.ALLOCATION_WINDOW, what="finalising an allocation"
    )
    election_id: str | None = None
    if allocation_in.method == "election":
        wanted, method, election_id = await _election_lines(session, cycle.id, allocation_in)
    else:
        if allocation_in.election_id is not None or not allocation_in.lines:
            raise Unprocessable(
                msg("method {method} takes a list of lines and no election", method=allocation_in.method),
                errors=[FieldError(field="body.lines", message="at least one line; no election_id")],
            )
        wanted = [
            (ln.request_id, ln.amount_krw or 0, ln.envelope_kind or allocation_in.envelope_kind, None)
            for ln in allocation_in.lines
        ]
        method = allocation_in.method

    # Requests: exist, belong to the cycle, feasible, not yet funded, amount within the reviewed amount.
    ids = [w[0] for w in wanted]
    requests = {
        r.id: r
        for r in (
            await session.execute(select(BudgetRequest).where(BudgetRequest.id.in_(ids)).with_for_update())
        ).scalars()
    }
    envelopes = {
        e.kind: e
        for e in (
            await session.execute(select(Envelope).where(Envelope.cycle_id == cycle.id).order_by(Envelope.id))
        ).scalars()
    }
    by_id = {e.id: e for e in envelopes.values()}
    errors: list[FieldError] = []
    planned: list[tuple[BudgetRequest, int, Envelope]] = []
    seen: set[str] = set()
    # A request the SMG block grant already pays for must not be paid a second time from an envelope.
    block_funded = set(
        (
            await session.execute(select(BlockGrantUse.request_id).where(BlockGrantUse.request_id.in_(ids)))
        ).scalars()
    )
    for index, (rid, amount, kind, envelope_id) in enumerate(wanted):
        where = f"body.lines.{index}" if allocation_in.method != "election" else f"outcome.selected.{index}"
        req = requests.get(rid)
        if rid in seen:
            errors.append(FieldError(field=where, message=msg("request {rid} appears twice", rid=rid)))
            continue
        seen.add(rid)
        if req is None:
            errors.append(FieldError(field=where, message=msg("no budget request {rid}", rid=rid)))
            continue
        if req.cycle_id != cycle.id:
            errors.append(FieldError(field=where, message="the request belongs to another cycle"))
        if req.status == RequestStatus.FUNDED.value:
            errors.append(FieldError(field=where, message="the request is already funded"))
        if rid in block_funded:
            errors.append(FieldError(field=where, message="the SMG block grant already funds the request"))
        if req.feasibility == Feasibility.INFEASIBLE.value:
            errors.append(FieldError(field=where, message="the request was reviewed as infeasible"))
        amount = amount or req.amount_krw
        if allocation_in.method != "election" and amount > req.amount_krw:
            errors.append(
                FieldError(
                    field=where,
                    message=msg(
                        "{amount:,} KRW is more than the request's {amount_krw:,} KRW",
                        amount=amount,
                        amount_krw=req.amount_krw,
                    ),
                )
            )
        if amount <= 0:
            errors.append(FieldError(field=where, message="the amount must be positive"))
        env = (
            by_id.get(envelope_id)
            if kind is None and envelope_id
            else envelopes.get(kind.value)
            if kind
            else None
        )
        if env is None:
            errors.append(
                FieldError(
                    field=where,
                    message=msg("no {kind} envelope in this cycle", kind=kind.value)
                    if kind
                    else "say which envelope (envelope_kind)",
                )
            )
            continue
        planned.append((req, amount, env))
    if errors:
        raise Unprocessable("the allocation cannot be finalised", errors=errors)

    # Lock the envelopes drawn from, in id order, then check what they have left.
    need: dict[str, int] = defaultdict(int)
    for _, amount, env in planned:
        need[env.id] += amount
    locked = {
        e.id: e
        for e in (
            await session.execute(
                select(Envelope)
                .where(Envelope.id.in_(sorted(need)))
                .order_by(Envelope.id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        ).scalars()
    }
    short = [
        {
            "envelope_id": eid,
            "kind": locked[eid].kind,
            "needed_krw": amount,
            "available_krw": locked[eid].amount_krw - locked[eid].allocated_krw,
        }
        for eid, amount in sorted(need.items())
        if amount > locked[eid].amount_krw - locked[eid].allocated_krw
    ]
    if short:
        detail = "; ".join(
            f"{s['kind']} envelope needs {s['needed_krw']:,} KRW but has {s['available_krw']:,} KRW left"
            for s in short
        )
        raise Conflict(
            msg("the allocation would overspend: {detail}", detail=detail),
            slug="envelope-overspent",
            extra={"envelopes": short},
        )
    for eid, amount in need.items():
        env = locked[eid]
        env.allocated_krw += amount
        bump_version(env)
        env.updated_by = principal.sub

    now = utcnow()
    allocation = Allocation(
        cycle_id=cycle.id,
        sgg_code=cycle.sgg_code,
        fiscal_year=cycle.fiscal_year,
        method=method,
        election_id=election_id,
        supplementary_number=revision,
        total_krw=sum(amount for _, amount, _ in planned),
        note=allocation_in.note,
        created_at=now,
        created_by=principal.sub,
    )
    session.add(allocation)
    await session.flush()
    lines: list[AllocationLine] = []
    for req, amount, env in planned:
        line = AllocationLine(
            allocation_id=allocation.id,
            request_id=req.id,
            envelope_id=env.id,
            envelope_kind=env.kind,
            source=funding_source(locked[env.id]),
            amount_krw=amount,
            plan_id=req.plan_id,
            plan_item_id=req.plan_item_id,
            linked_project_ids=list(req.linked_project_ids),
        )
        session.add(line)
        lines.append(line)
        req.status = RequestStatus.FUNDED.value
        bump_version(req, at=now)
        session.add(
            RequestRevision(
                request_id=req.id,
                at=now,
                actor=principal.sub,
                action="funded",
                changes={"allocation_id": allocation.id, "amount_krw": amount, "envelope_kind": env.kind},
                reason=method,
            )
        )
    await session.flush()
    read = _read(allocation, lines)
    await emit(
        session,
        AllocationFinalized(
            allocation_id=allocation.id,
            cycle_id=cycle.id,
            sgg_code=cycle.sgg_code,
            fiscal_year=cycle.fiscal_year,
            method=method,
            lines=[
                AllocationLineEvent(
                    request_id=line.request_id,
                    plan_id=line.plan_id,
                    plan_item_id=line.plan_item_id,
                    linked_project_ids=[str(p) for p in line.linked_project_ids],
                    envelope_id=line.envelope_id,
                    source=line.source,
                    amount_krw=line.amount_krw,
                    envelope_kind=line.envelope_kind,
                )
                for line in lines
            ],
            total_krw=allocation.total_krw,
        ),
        subject=allocation.id,
        sgg_code=cycle.sgg_code,
    )
    after: dict[str, Any] = read.model_dump()
    record_audit(
        session,
        actor=principal,
        action="allocation.finalise",
        entity_type="allocation",
        entity_id=allocation.id,
        sgg_code=cycle.sgg_code,
        after=after,
    )
    return read


async def get(*, session: AsyncSession, allocation_id: str) -> AllocationRead:
    allocation = await session.get(Allocation, allocation_id)
    if allocation is None:
        raise NotFound(msg("no allocation with id {allocation_id}", allocation_id=allocation_id))
    lines = list(
        (
            await session.execute(
                select(AllocationLine)
                .where(AllocationLine.allocation_id == allocation_id)
                .order_by(AllocationLine.id)
            )
        ).scalars()
    )
    return _read(allocation, lines)


async def list_for_cycle(*, session: AsyncSession, cycle_id: str) -> list[AllocationRead]:
    await cycles.load(session, cycle_id)
    rows = list(
        (
            await session.execute(
                select(Allocation)
                .where(Allocation.cycle_id == cycle_id)
                .order_by(Allocation.created_at, Allocation.id)
            )
        ).scalars()
    )
    return [await get(session=session, allocation_id=r.id) for r in rows]
