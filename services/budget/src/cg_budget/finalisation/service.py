"""Finalising an allocation: money moves from envelopes to budget requests, all or nothing.

Envelope rows are locked (``SELECT … FOR UPDATE``, in id order so two finalisations never deadlock)
before their remaining amounts are checked, so concurrent allocations on PostgreSQL cannot overspend;
the ``allocated_krw <= amount_krw`` check constraint is the database's own last word.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

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
from cg_budget.finalisation.models import Allocation, AllocationLine
from cg_budget.finalisation.schemas import AllocationCreate, AllocationLineRead, AllocationRead
from cg_budget.smg.models import BlockGrantUse
from cg_budget.writes import finish_write
from cg_shared.auth import Principal
from cg_shared.db import utcnow
from cg_shared.events.budget import AllocationFinalized
from cg_shared.events.budget import AllocationLine as AllocationLineEvent
from cg_shared.http import Conflict, FieldError, Unprocessable
from cg_shared.i18n import Msg, msg
from cg_shared.rows import bump_version, get_or_404

Wanted = tuple[str, int, EnvelopeKind | None, str | None]
Planned = tuple[BudgetRequest, int, Envelope]


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
) -> tuple[list[Wanted], str, str]:
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
    lines: list[Wanted] = []
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


def _listed_lines(allocation_in: AllocationCreate) -> list[Wanted]:
    if allocation_in.election_id is not None or not allocation_in.lines:
        raise Unprocessable(
            msg("method {method} takes a list of lines and no election", method=allocation_in.method),
            errors=[FieldError(field="body.lines", message="at least one line; no election_id")],
        )
    return [
        (ln.request_id, ln.amount_krw or 0, ln.envelope_kind or allocation_in.envelope_kind, None)
        for ln in allocation_in.lines
    ]


@dataclass(frozen=True, slots=True)
class _LineFacts:
    """What the checks of the wanted lines read: the requests (locked), the cycle's envelopes, and the
    requests the SMG block grant already pays for."""

    cycle_id: str
    by_election: bool
    requests: dict[str, BudgetRequest]
    envelopes: dict[str, Envelope]
    block_funded: set[str]

    def envelope(self, kind: EnvelopeKind | None, envelope_id: str | None) -> Envelope | None:
        if kind is None and envelope_id:
            return next((e for e in self.envelopes.values() if e.id == envelope_id), None)
        return self.envelopes.get(kind.value) if kind else None


async def _line_facts(
    session: AsyncSession, cycle_id: str, allocation_in: AllocationCreate, wanted: list[Wanted]
) -> _LineFacts:
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
            await session.execute(select(Envelope).where(Envelope.cycle_id == cycle_id).order_by(Envelope.id))
        ).scalars()
    }
    # A request the SMG block grant already pays for must not be paid a second time from an envelope.
    block_funded = set(
        (
            await session.execute(select(BlockGrantUse.request_id).where(BlockGrantUse.request_id.in_(ids)))
        ).scalars()
    )
    return _LineFacts(cycle_id, allocation_in.method == "election", requests, envelopes, block_funded)


def _request_problems(facts: _LineFacts, req: BudgetRequest, amount: int) -> list[str | Msg]:
    """Why a request cannot be funded with ``amount``: another cycle, funded, infeasible, too much."""
    problems: list[str | Msg] = []
    if req.cycle_id != facts.cycle_id:
        problems.append("the request belongs to another cycle")
    if req.status == RequestStatus.FUNDED.value:
        problems.append("the request is already funded")
    if req.id in facts.block_funded:
        problems.append("the SMG block grant already funds the request")
    if req.feasibility == Feasibility.INFEASIBLE.value:
        problems.append("the request was reviewed as infeasible")
    if not facts.by_election and amount > req.amount_krw:
        problems.append(
            msg(
                "{amount:,} KRW is more than the request's {amount_krw:,} KRW",
                amount=amount,
                amount_krw=req.amount_krw,
            )
        )
    if amount <= 0:
        problems.append("the amount must be positive")
    return problems


def _plan_lines(facts: _LineFacts, wanted: list[Wanted]) -> list[Planned]:
    """Requests: exist, belong to the cycle, feasible, not yet funded, amount within the reviewed amount;
    each line draws from a known envelope. All problems at once, or the plan."""
    errors: list[FieldError] = []
    planned: list[Planned] = []
    seen: set[str] = set()
    for index, (rid, amount, kind, envelope_id) in enumerate(wanted):
        where = f"outcome.selected.{index}" if facts.by_election else f"body.lines.{index}"
        req = facts.requests.get(rid)
        if rid in seen:
            errors.append(FieldError(field=where, message=msg("request {rid} appears twice", rid=rid)))
            continue
        seen.add(rid)
        if req is None:
            errors.append(FieldError(field=where, message=msg("no budget request {rid}", rid=rid)))
            continue
        amount = amount or req.amount_krw
        errors.extend(FieldError(field=where, message=p) for p in _request_problems(facts, req, amount))
        env = facts.envelope(kind, envelope_id)
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
    return planned


async def _draw_from_envelopes(
    session: AsyncSession, principal: Principal, planned: list[Planned]
) -> dict[str, Envelope]:
    """Lock the envelopes drawn from, in id order, check what they have left, and draw the money."""
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
    return locked


def _book_lines(
    session: AsyncSession,
    principal: Principal,
    allocation: Allocation,
    planned: list[Planned],
    locked: dict[str, Envelope],
) -> list[AllocationLine]:
    """One allocation line per planned request; each request is funded (with its revision row)."""
    now = allocation.created_at
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
                reason=allocation.method,
            )
        )
    return lines


def _finalised_event(allocation: Allocation, lines: list[AllocationLine]) -> AllocationFinalized:
    return AllocationFinalized(
        allocation_id=allocation.id,
        cycle_id=allocation.cycle_id,
        sgg_code=allocation.sgg_code,
        fiscal_year=allocation.fiscal_year,
        method=allocation.method,
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
    )


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
        wanted, method = _listed_lines(allocation_in), allocation_in.method
    planned = _plan_lines(await _line_facts(session, cycle.id, allocation_in, wanted), wanted)
    locked = await _draw_from_envelopes(session, principal, planned)
    allocation = Allocation(
        cycle_id=cycle.id,
        sgg_code=cycle.sgg_code,
        fiscal_year=cycle.fiscal_year,
        method=method,
        election_id=election_id,
        supplementary_number=revision,
        total_krw=sum(amount for _, amount, _ in planned),
        note=allocation_in.note,
        created_at=utcnow(),
        created_by=principal.sub,
    )
    session.add(allocation)
    await session.flush()
    lines = _book_lines(session, principal, allocation, planned, locked)
    return await finish_write(
        session,
        allocation,
        lambda: _read(allocation, lines),
        actor=principal,
        action="allocation.finalise",
        entity_type="allocation",
        event=lambda _: _finalised_event(allocation, lines),
    )


async def get(*, session: AsyncSession, allocation_id: str) -> AllocationRead:
    allocation = await get_or_404(
        session,
        Allocation,
        allocation_id,
        msg("no allocation with id {allocation_id}", allocation_id=allocation_id),
    )
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
