"""Election use cases: create over budget requests, read, close with the engine. Ballots are in
:mod:`cg_budget.elections.ballots`, Pabulib files in :mod:`cg_budget.elections.pabulib_io`."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cg_budget.allocation import TieBreaking
from cg_budget.budget_requests.models import BudgetRequest
from cg_budget.budget_requests.schemas import Feasibility, RequestStatus
from cg_budget.common import ensure_officer
from cg_budget.cycles import calendar as cal
from cg_budget.cycles import service as cycles
from cg_budget.cycles.models import Cycle
from cg_budget.elections import engine
from cg_budget.elections.ballot_rules import BallotRules, BallotType, as_points
from cg_budget.elections.engine import Rule
from cg_budget.elections.models import Ballot, Election, ElectionOutcome, ElectionProject
from cg_budget.elections.schemas import (
    BallotImage,
    BallotItemDetails,
    BallotLink,
    ElectionCreate,
    ElectionProjectRead,
    ElectionRead,
    OutcomeRead,
)
from cg_budget.envelopes.models import Envelope
from cg_budget.writes import finish_write
from cg_shared.auth import Principal
from cg_shared.db import utcnow
from cg_shared.events.budget import ElectionClosed
from cg_shared.http import (
    Conflict,
    FieldError,
    NotFound,
    Page,
    PageParams,
    Unprocessable,
    check_if_match,
)
from cg_shared.i18n import msg
from cg_shared.paging import keyset, make_page, parse_datetime
from cg_shared.rows import loader

OPEN, CLOSED, FINALISED = "open", "closed", "finalised"


async def projects_of(session: AsyncSession, election_id: str) -> list[ElectionProject]:
    return list(
        (
            await session.execute(
                select(ElectionProject)
                .where(ElectionProject.election_id == election_id)
                .order_by(ElectionProject.position)
            )
        ).scalars()
    )


async def project_keys(session: AsyncSession, election_id: str) -> list[str]:
    return [p.project_key for p in await projects_of(session, election_id)]


def election_read(election: Election, projects: Sequence[ElectionProject]) -> ElectionRead:
    return ElectionRead(
        id=election.id,
        cycle_id=election.cycle_id,
        sgg_code=election.sgg_code,
        title_ko=election.title_ko,
        title_en=election.title_en,
        ballot_type=BallotType(election.ballot_type),
        rule=Rule(election.rule),
        tie_breaking=TieBreaking(election.tie_breaking),
        budget_krw=election.budget_krw,
        envelope_id=election.envelope_id,
        min_length=election.min_length,
        max_length=election.max_length,
        max_points_total=election.max_points_total,
        max_points_per_project=election.max_points_per_project,
        status=election.status,
        source=election.source,
        ballot_count=election.ballot_count,
        projects=[
            ElectionProjectRead(
                project_key=p.project_key,
                request_id=p.request_id,
                name=p.name,
                cost_krw=p.cost_krw,
                description=p.description or "",
                location=p.location or "",
                category=p.category or "",
                images=[BallotImage.model_validate(i) for i in p.images or []],
                links=[BallotLink.model_validate(link) for link in p.links or []],
            )
            for p in projects
        ],
        opens_at=election.opens_at,
        closes_at=election.closes_at,
        voting_open=election.status == OPEN and voting_window_problem(election, utcnow()) is None,
        closed_at=election.closed_at,
        version=election.version,
        created_at=election.created_at,
    )


load = loader(Election, lambda election_id: msg("no election with id {election_id}", election_id=election_id))


def voting_window_problem(election: Election, at: datetime) -> Conflict | None:
    """Why no ballot can be cast at ``at`` (before the announced opening or after the closing), if so."""
    if election.opens_at is not None and at < election.opens_at:
        return Conflict(
            msg(
                "voting in this election opens at {opens_at}; no ballot before then",
                opens_at=election.opens_at.isoformat(),
            ),
            slug="voting-not-open-yet",
            extra={"opens_at": election.opens_at.isoformat()},
        )
    if election.closes_at is not None and at > election.closes_at:
        return Conflict(
            msg(
                "voting in this election closed at {closes_at}; no ballot after then",
                closes_at=election.closes_at.isoformat(),
            ),
            slug="voting-closed",
            extra={"closes_at": election.closes_at.isoformat()},
        )
    return None


def ballot_rules(election: Election, keys: Sequence[str]) -> BallotRules:
    return BallotRules(
        ballot_type=BallotType(election.ballot_type),
        project_keys=frozenset(keys),
        min_length=election.min_length,
        max_length=election.max_length,
        max_points_total=election.max_points_total,
        max_points_per_project=election.max_points_per_project,
    )


def audit_summary(election: Election) -> dict[str, Any]:
    return {
        "id": election.id,
        "cycle_id": election.cycle_id,
        "title_ko": election.title_ko,
        "ballot_type": election.ballot_type,
        "rule": election.rule,
        "budget_krw": election.budget_krw,
        "status": election.status,
        "ballot_count": election.ballot_count,
        "source": election.source,
    }


def _check_shape(election_in: ElectionCreate, now: datetime) -> dict[str, BallotItemDetails]:
    """Pure checks of the body: points for cumulative ballots, a voting window in the future, ballot
    details only for listed requests and once each, no request twice. The details by request."""
    if election_in.ballot_type in (BallotType.CUMULATIVE,) and election_in.max_points_total is None:
        raise Unprocessable(
            "a cumulative election needs max_points_total",
            errors=[FieldError(field="body.max_points_total", message="required for cumulative ballots")],
        )
    if election_in.closes_at is not None:
        if election_in.opens_at is not None and election_in.closes_at <= election_in.opens_at:
            raise Unprocessable(
                "voting must close after it opens",
                errors=[FieldError(field="body.closes_at", message="must be after opens_at")],
            )
        if election_in.closes_at <= now:
            raise Unprocessable(
                "voting cannot close before the election is even created",
                errors=[FieldError(field="body.closes_at", message="must be in the future")],
            )
    details = {}
    for index, item in enumerate(election_in.items):
        if item.request_id not in election_in.request_ids:
            raise Unprocessable(
                "ballot details for a request that is not on the ballot",
                errors=[FieldError(field=f"body.items.{index}.request_id", message="not in request_ids")],
            )
        if item.request_id in details:
            raise Unprocessable(
                "ballot details given twice for one request",
                errors=[FieldError(field=f"body.items.{index}.request_id", message="duplicate")],
            )
        details[item.request_id] = item
    if len(set(election_in.request_ids)) != len(election_in.request_ids):
        raise Unprocessable(
            "a request is listed twice", errors=[FieldError(field="body.request_ids", message="duplicates")]
        )
    return details


async def _ballot_requests(
    session: AsyncSession, cycle: Cycle, request_ids: list[str]
) -> dict[str, BudgetRequest]:
    """The requests put to the vote: each of the cycle, not infeasible, not yet funded."""
    requests = {
        r.id: r
        for r in (
            await session.execute(select(BudgetRequest).where(BudgetRequest.id.in_(request_ids)))
        ).scalars()
    }
    errors: list[FieldError] = []
    for index, rid in enumerate(request_ids):
        req = requests.get(rid)
        where = f"body.request_ids.{index}"
        if req is None:
            errors.append(FieldError(field=where, message=msg("no budget request {rid}", rid=rid)))
        elif req.cycle_id != cycle.id:
            errors.append(FieldError(field=where, message="the request belongs to another cycle"))
        elif req.feasibility == Feasibility.INFEASIBLE.value:
            errors.append(FieldError(field=where, message="the request was reviewed as infeasible"))
        elif req.status == RequestStatus.FUNDED.value:
            errors.append(FieldError(field=where, message="the request is already funded"))
    if errors:
        raise Unprocessable("some requests cannot be put to the vote", errors=errors)
    return requests


async def _election_budget(session: AsyncSession, cycle: Cycle, election_in: ElectionCreate) -> int:
    """The budget given, or what the envelope has left (never more than that)."""
    budget = election_in.budget_krw
    if election_in.envelope_id is not None:
        env = await session.get(Envelope, election_in.envelope_id)
        if env is None or env.cycle_id != cycle.id:
            raise Unprocessable(
                "the envelope is not one of this cycle's",
                errors=[FieldError(field="body.envelope_id", message="unknown envelope for this cycle")],
            )
        available = env.amount_krw - env.allocated_krw
        if budget is None:
            budget = available
        elif budget > available:
            raise Conflict(
                msg(
                    "the election budget {budget:,} KRW exceeds what the envelope has left ({available:,} KRW)",
                    budget=budget,
                    available=available,
                ),
                slug="envelope-overspent",
                extra={"available_krw": available},
            )
    if budget is None:
        raise Unprocessable(
            "give budget_krw or an envelope_id",
            errors=[FieldError(field="body.budget_krw", message="required without envelope_id")],
        )
    return budget


def _new_election(
    cycle: Cycle, principal: Principal, election_in: ElectionCreate, budget: int, now: datetime
) -> Election:
    return Election(
        cycle_id=cycle.id,
        sgg_code=cycle.sgg_code,
        title_ko=election_in.title_ko,
        title_en=election_in.title_en,
        ballot_type=election_in.ballot_type.value,
        rule=election_in.rule.value,
        tie_breaking=election_in.tie_breaking.value,
        budget_krw=budget,
        envelope_id=election_in.envelope_id,
        min_length=election_in.min_length,
        max_length=election_in.max_length,
        max_points_total=election_in.max_points_total,
        max_points_per_project=election_in.max_points_per_project,
        opens_at=election_in.opens_at,
        closes_at=election_in.closes_at,
        status=OPEN,
        source="platform",
        ballot_count=0,
        version=1,
        created_at=now,
        created_by=principal.sub,
    )


def _ballot_project(
    election_id: str, position: int, req: BudgetRequest, detail: BallotItemDetails | None
) -> ElectionProject:
    """A request on the ballot paper: its title and reviewed amount, with the officer's details."""
    return ElectionProject(
        election_id=election_id,
        project_key=req.id,
        request_id=req.id,
        name=req.title_ko,
        cost_krw=req.amount_krw,
        position=position,
        description=detail.description if detail else "",
        location=detail.location if detail else "",
        category=(detail.category if detail and detail.category else None) or req.policy_field or "",
        images=[i.model_dump(mode="json") for i in detail.images] if detail else [],
        links=[link.model_dump(mode="json") for link in detail.links] if detail else [],
    )


async def create(*, session: AsyncSession, principal: Principal, election_in: ElectionCreate) -> ElectionRead:
    cycle = await cycles.load(session, election_in.cycle_id)
    ensure_officer(principal, cycle.sgg_code)
    await cycles.money_window(session, cycle, cal.ELECTION_WINDOW, what="opening an election")
    now = utcnow()
    details = _check_shape(election_in, now)
    requests = await _ballot_requests(session, cycle, election_in.request_ids)
    budget = await _election_budget(session, cycle, election_in)
    election = _new_election(cycle, principal, election_in, budget, now)
    session.add(election)
    await session.flush()
    projects = [
        _ballot_project(election.id, position, requests[rid], details.get(rid))
        for position, rid in enumerate(election_in.request_ids)
    ]
    session.add_all(projects)
    return await finish_write(
        session,
        election,
        lambda: election_read(election, projects),
        actor=principal,
        action="election.create",
        entity_type="election",
    )


async def get(*, session: AsyncSession, election_id: str) -> ElectionRead:
    election = await load(session, election_id)
    return election_read(election, await projects_of(session, election_id))


async def list_(
    *, session: AsyncSession, page: PageParams, cycle_id: str | None, sgg_code: str | None
) -> Page[ElectionRead]:
    stmt = select(Election)
    if cycle_id:
        stmt = stmt.where(Election.cycle_id == cycle_id)
    if sgg_code:
        stmt = stmt.where(Election.sgg_code == sgg_code)
    stmt = keyset(
        stmt, sort=Election.created_at, tiebreak=Election.id, page=page, parse=parse_datetime, descending=True
    )
    rows = list((await session.execute(stmt)).scalars())
    projects: dict[str, list[ElectionProject]] = defaultdict(list)
    if rows:
        found = await session.execute(
            select(ElectionProject)
            .where(ElectionProject.election_id.in_([r.id for r in rows]))
            .order_by(ElectionProject.position)
        )
        for project in found.scalars():
            projects[project.election_id].append(project)
    return make_page(
        rows,
        page=page,
        key=lambda r: [r.created_at.isoformat(), r.id],
        read=lambda r: election_read(r, projects[r.id]),
    )


async def ballots_of(session: AsyncSession, election: Election) -> list[Ballot]:
    return list(
        (
            await session.execute(select(Ballot).where(Ballot.election_id == election.id).order_by(Ballot.id))
        ).scalars()
    )


def _outcome_read(row: ElectionOutcome, election: Election, requests: dict[str, str | None]) -> OutcomeRead:
    return OutcomeRead(
        election_id=row.election_id,
        rule=Rule(row.rule),
        selected=list(row.selected),
        selected_request_ids=[rid for key in row.selected if (rid := requests.get(key))],
        cost_krw=row.cost_krw,
        budget_krw=election.budget_krw,
        ballot_count=row.ballot_count,
        per_voter_budget=row.per_voter_budget,
        notes=list(row.notes),
        explanations=list(row.explanations),
        computed_at=row.computed_at,
    )


async def close(
    *, session: AsyncSession, principal: Principal, election_id: str, if_match: str | None
) -> OutcomeRead:
    election = await load(session, election_id, for_update=True)
    ensure_officer(principal, election.sgg_code)
    check_if_match(if_match, election.version, required=False)
    if election.status != OPEN:
        raise Conflict(msg("the election is already {status}", status=election.status))
    if election.closes_at is not None and utcnow() < election.closes_at:
        raise Conflict(
            msg(
                "voting is announced to run until {closes_at}; the election cannot be closed before then",
                closes_at=election.closes_at.isoformat(),
            ),
            slug="voting-still-open",
            extra={"closes_at": election.closes_at.isoformat()},
        )
    projects = await projects_of(session, election_id)
    ballots = await ballots_of(session, election)
    kind = BallotType(election.ballot_type)
    points = [as_points(kind, list(b.choices), b.points) for b in ballots]
    outcome = await asyncio.to_thread(
        engine.compute,
        budget=election.budget_krw,
        costs={p.project_key: p.cost_krw for p in projects},
        ballots=points,
        kind=kind.value,
        rule=Rule(election.rule),
        tie_breaking=TieBreaking(election.tie_breaking),
    )
    names = {p.project_key: p.name for p in projects}
    requests = {p.project_key: p.request_id for p in projects}
    now = utcnow()
    row = ElectionOutcome(
        election_id=election_id,
        rule=election.rule,
        selected=list(outcome.selected),
        cost_krw=outcome.cost,
        per_voter_budget=str(outcome.per_voter_budget) if outcome.per_voter_budget is not None else None,
        explanations=engine.explanation_dicts(outcome, names, requests),
        notes=list(outcome.notes),
        ballot_count=len(ballots),
        computed_at=now,
        computed_by=principal.sub,
    )
    session.add(row)
    before = audit_summary(election)
    election.status = CLOSED
    election.closed_at = now
    election.ballot_count = len(ballots)
    election.version += 1
    return await finish_write(
        session,
        election,
        lambda: _outcome_read(row, election, requests),
        actor=principal,
        action="election.close",
        entity_type="election",
        before=before,
        event=lambda read: ElectionClosed(
            election_id=election_id,
            cycle_id=election.cycle_id,
            sgg_code=election.sgg_code,
            rule=election.rule,
            ballot_count=len(ballots),
            selected_request_ids=read.selected_request_ids,
            cost_krw=outcome.cost,
            selected_project_keys=list(outcome.selected),
        ),
        after=lambda read: {**audit_summary(election), "selected": read.selected, "cost_krw": read.cost_krw},
    )


async def outcome(*, session: AsyncSession, election_id: str) -> OutcomeRead:
    election = await load(session, election_id)
    row = await session.get(ElectionOutcome, election_id)
    if row is None:
        raise NotFound("the election has no outcome yet; it is computed when the election closes")
    requests = {p.project_key: p.request_id for p in await projects_of(session, election_id)}
    return _outcome_read(row, election, requests)
