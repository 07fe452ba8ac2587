"""Election use cases: create over budget requests, cast and import ballots, close with the engine,
Pabulib import/export."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cg_budget.allocation import Instance, PabulibError, Profile, TieBreaking, dumps, parse
from cg_budget.allocation import Project as PbProject
from cg_budget.allocation.commands import outcome_document, outcome_for_instance
from cg_budget.allocation.model import json_amount
from cg_budget.budget_requests.models import BudgetRequest
from cg_budget.budget_requests.schemas import Feasibility, RequestStatus
from cg_budget.common import ensure_officer, new_id
from cg_budget.cycles import calendar as cal
from cg_budget.cycles import service as cycles
from cg_budget.cycles.models import Cycle
from cg_budget.elections import engine
from cg_budget.elections.ballot_rules import BallotRules, BallotType, as_points, check_ballot
from cg_budget.elections.engine import Rule
from cg_budget.elections.models import Ballot, BallotImport, Election, ElectionOutcome, ElectionProject
from cg_budget.elections.schemas import (
    BallotCast,
    BallotImage,
    BallotImportRead,
    BallotLink,
    BallotRead,
    ElectionCreate,
    ElectionProjectRead,
    ElectionRead,
    OutcomeRead,
    PaperBallot,
    PbOutcome,
)
from cg_budget.envelopes.models import Envelope
from cg_budget.events import emit
from cg_shared.audit import record_audit
from cg_shared.auth import Principal, Role
from cg_shared.csvsafe import SafeDictReader
from cg_shared.db import is_unique_violation, utcnow
from cg_shared.districts import DISTRICTS
from cg_shared.events.budget import ElectionClosed
from cg_shared.http import (
    Conflict,
    FieldError,
    Forbidden,
    NotFound,
    Page,
    PageParams,
    Unprocessable,
    check_if_match,
    encode_cursor,
)
from cg_shared.i18n import Msg, msg
from cg_shared.rows import get_or_404

OPEN, CLOSED, FINALISED = "open", "closed", "finalised"


async def _projects(session: AsyncSession, election_id: str) -> list[ElectionProject]:
    return list(
        (
            await session.execute(
                select(ElectionProject)
                .where(ElectionProject.election_id == election_id)
                .order_by(ElectionProject.position)
            )
        ).scalars()
    )


def _read(election: Election, projects: Sequence[ElectionProject]) -> ElectionRead:
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


async def load(session: AsyncSession, election_id: str, *, for_update: bool = False) -> Election:
    return await get_or_404(
        session,
        Election,
        election_id,
        msg("no election with id {election_id}", election_id=election_id),
        for_update=for_update,
    )


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


def _rules(election: Election, keys: Sequence[str]) -> BallotRules:
    return BallotRules(
        ballot_type=BallotType(election.ballot_type),
        project_keys=frozenset(keys),
        min_length=election.min_length,
        max_length=election.max_length,
        max_points_total=election.max_points_total,
        max_points_per_project=election.max_points_per_project,
    )


def _audit_summary(election: Election) -> dict[str, Any]:
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


async def create(*, session: AsyncSession, principal: Principal, election_in: ElectionCreate) -> ElectionRead:
    cycle = await cycles.load(session, election_in.cycle_id)
    ensure_officer(principal, cycle.sgg_code)
    await cycles.money_window(session, cycle, cal.ELECTION_WINDOW, what="opening an election")
    if election_in.ballot_type in (BallotType.CUMULATIVE,) and election_in.max_points_total is None:
        raise Unprocessable(
            "a cumulative election needs max_points_total",
            errors=[FieldError(field="body.max_points_total", message="required for cumulative ballots")],
        )
    now = utcnow()
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
    requests = {
        r.id: r
        for r in (
            await session.execute(select(BudgetRequest).where(BudgetRequest.id.in_(election_in.request_ids)))
        ).scalars()
    }
    errors: list[FieldError] = []
    for index, rid in enumerate(election_in.request_ids):
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
    election = Election(
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
    session.add(election)
    await session.flush()
    projects = []
    for position, rid in enumerate(election_in.request_ids):
        req = requests[rid]
        detail = details.get(rid)
        project = ElectionProject(
            election_id=election.id,
            project_key=rid,
            request_id=rid,
            name=req.title_ko,
            cost_krw=req.amount_krw,
            position=position,
            description=detail.description if detail else "",
            location=detail.location if detail else "",
            category=(detail.category if detail and detail.category else None) or req.policy_field or "",
            images=[i.model_dump(mode="json") for i in detail.images] if detail else [],
            links=[link.model_dump(mode="json") for link in detail.links] if detail else [],
        )
        session.add(project)
        projects.append(project)
    await session.flush()
    read = _read(election, projects)
    record_audit(
        session,
        actor=principal,
        action="election.create",
        entity_type="election",
        entity_id=election.id,
        sgg_code=cycle.sgg_code,
        after=read.model_dump(),
    )
    return read


async def get(*, session: AsyncSession, election_id: str) -> ElectionRead:
    election = await load(session, election_id)
    return _read(election, await _projects(session, election_id))


async def list_(
    *, session: AsyncSession, page: PageParams, cycle_id: str | None, sgg_code: str | None
) -> Page[ElectionRead]:
    stmt = select(Election).order_by(Election.created_at.desc(), Election.id).limit(page.limit + 1)
    if cycle_id:
        stmt = stmt.where(Election.cycle_id == cycle_id)
    if sgg_code:
        stmt = stmt.where(Election.sgg_code == sgg_code)
    if page.cursor:
        try:
            at, eid = datetime.fromisoformat(str(page.cursor[0])), str(page.cursor[1])
        except (ValueError, IndexError) as exc:
            raise Unprocessable(
                "cursor is not valid", errors=[FieldError(field="query.cursor", message="bad")]
            ) from exc
        stmt = stmt.where((Election.created_at < at) | ((Election.created_at == at) & (Election.id > eid)))
    rows = list((await session.execute(stmt)).scalars())
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    items = [_read(r, await _projects(session, r.id)) for r in rows]
    last = rows[-1] if rows else None
    return Page(
        items=items,
        next_cursor=encode_cursor([last.created_at.isoformat(), last.id]) if more and last else None,
    )


def _ensure_voter(principal: Principal, election: Election) -> None:
    if principal.role is not Role.RESIDENT:
        raise Forbidden("only residents cast ballots (officers import paper ballots)")
    # Eligibility is residence in the borough, which only the identity provider can vouch for: a token
    # without a borough claim cannot show it, so it may not vote anywhere.
    if principal.sgg_code is None:
        raise Forbidden(
            msg(
                "your sign-in does not say which borough you live in (no sgg_code claim), so your eligibility for borough {sgg_code}'s election cannot be checked",
                sgg_code=election.sgg_code,
            )
        )
    if principal.sgg_code != election.sgg_code:
        raise Forbidden(
            msg("this election is for residents of borough {sgg_code}", sgg_code=election.sgg_code)
        )


async def cast_ballot(
    *, session: AsyncSession, principal: Principal, election_id: str, ballot_in: BallotCast
) -> BallotRead:
    election = await load(session, election_id, for_update=True)
    _ensure_voter(principal, election)
    if election.status != OPEN:
        raise Conflict(
            msg("the election is {status}; ballots are no longer accepted", status=election.status)
        )
    if (outside := voting_window_problem(election, utcnow())) is not None:
        raise outside
    keys = [p.project_key for p in await _projects(session, election_id)]
    problems = check_ballot(_rules(election, keys), ballot_in.choices, ballot_in.points)
    if problems:
        raise Unprocessable(
            msg("the ballot breaks the election's rules: {problems}", problems=Msg.joined("; ", problems)),
            errors=[FieldError(field="body.choices", message=p) for p in problems],
        )
    voter_key = f"sub:{principal.sub}"
    existing = await session.scalar(
        select(Ballot.id).where(Ballot.election_id == election_id, Ballot.voter_key == voter_key)
    )
    if existing is not None:
        raise Conflict(
            "you have already voted in this election (online or on paper at a polling station)",
            slug="already-voted",
        )
    now = utcnow()
    ballot = Ballot(
        election_id=election_id,
        voter_key=voter_key,
        channel="online",
        choices=list(ballot_in.choices),
        points=list(ballot_in.points) if ballot_in.points is not None else None,
        cast_at=now,
    )
    session.add(ballot)
    try:
        # The unique (election_id, voter_key) constraint is the real guard against a concurrent twin.
        await session.flush()
    except IntegrityError as exc:
        if is_unique_violation(exc):
            raise Conflict("you have already voted in this election", slug="already-voted") from exc
        raise
    election.ballot_count += 1
    # Ballot secrecy: the audit row says who voted, not how.
    record_audit(
        session,
        actor=principal,
        action="ballot.cast",
        entity_type="election",
        entity_id=election_id,
        sgg_code=election.sgg_code,
        after={"channel": "online", "ballot_count": election.ballot_count},
    )
    return BallotRead(
        election_id=election_id, channel="online", choices=ballot.choices, points=ballot.points, cast_at=now
    )


async def my_ballot(*, session: AsyncSession, principal: Principal, election_id: str) -> BallotRead:
    await load(session, election_id)
    ballot = (
        await session.execute(
            select(Ballot).where(
                Ballot.election_id == election_id, Ballot.voter_key == f"sub:{principal.sub}"
            )
        )
    ).scalar_one_or_none()
    if ballot is None:
        raise NotFound("you have not voted in this election")
    return BallotRead(
        election_id=election_id,
        channel=ballot.channel,
        choices=list(ballot.choices),
        points=list(ballot.points) if ballot.points is not None else None,
        cast_at=ballot.cast_at,
    )


def parse_paper_csv(text: str) -> list[PaperBallot]:
    """CSV with header ``voter_id,vote[,points][,resident_sub]``; lists inside a cell are separated by ``|``. A file whose
    header uses ``;`` (Pabulib style) separates lists by ``,`` instead. Errors name the row."""
    text = text.lstrip("\ufeff")
    first = text.split("\n", 1)[0]
    delimiter, inner = (";", ",") if ";" in first else (",", "|")
    reader = SafeDictReader(io.StringIO(text), delimiter=delimiter)
    columns = [c.strip() for c in (reader.fieldnames or [])]
    if "voter_id" not in columns or "vote" not in columns:
        raise Unprocessable(
            "the CSV header must name voter_id and vote (and points for cumulative ballots)",
            errors=[
                FieldError(
                    field="row 0: header", message=msg("got {items}", items=", ".join(columns) or "nothing")
                )
            ],
        )
    ballots: list[PaperBallot] = []
    errors: list[FieldError] = []
    for number, raw in enumerate(reader, start=1):
        if None in raw or any(v is None for v in raw.values()):
            errors.append(
                FieldError(field=f"row {number}", message=msg("{count} cells expected", count=len(columns)))
            )
            continue
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if isinstance(v, str)}
        choices = [c.strip() for c in row.get("vote", "").split(inner) if c.strip()]
        points_text = row.get("points", "")
        try:
            points = [int(p) for p in points_text.split(inner)] if points_text else None
        except ValueError:
            errors.append(
                FieldError(
                    field=f"row {number}: points",
                    message=msg("not integers: {points_text!r}", points_text=points_text),
                )
            )
            continue
        try:
            ballots.append(
                PaperBallot(
                    voter_id=row.get("voter_id", ""),
                    resident_sub=row.get("resident_sub") or None,
                    choices=choices,
                    points=points,
                )
            )
        except ValueError as exc:
            errors.append(FieldError(field=f"row {number}", message=str(exc).splitlines()[0][:300]))
    if errors:
        raise Unprocessable(
            msg("{count} row(s) are invalid; nothing was imported", count=len(errors)), errors=errors[:200]
        )
    if not ballots:
        raise Unprocessable(
            "the file holds no ballots", errors=[FieldError(field="row 1", message="no rows")]
        )
    return ballots


async def import_paper_ballots(
    *,
    session: AsyncSession,
    principal: Principal,
    election_id: str,
    ballots: Sequence[PaperBallot],
    idempotency_key: str,
) -> BallotImportRead:
    election = await load(session, election_id, for_update=True)
    ensure_officer(principal, election.sgg_code)
    previous = (
        await session.execute(
            select(BallotImport).where(
                BallotImport.election_id == election_id, BallotImport.idempotency_key == idempotency_key
            )
        )
    ).scalar_one_or_none()
    if previous is not None:
        return BallotImportRead(
            import_id=previous.id, election_id=election_id, imported=previous.ballot_count, replayed=True
        )
    if election.status != OPEN:
        raise Conflict(
            msg("the election is {status}; ballots are no longer accepted", status=election.status)
        )
    # Paper ballots cast at the polling stations are counted after the polls close, never before they open.
    if election.opens_at is not None and utcnow() < election.opens_at:
        raise Conflict(
            msg(
                "voting opens at {opens_at}; no paper ballot can have been cast yet",
                opens_at=election.opens_at.isoformat(),
            ),
            slug="voting-not-open-yet",
            extra={"opens_at": election.opens_at.isoformat()},
        )
    keys = [p.project_key for p in await _projects(session, election_id)]
    rules = _rules(election, keys)
    errors: list[FieldError] = []
    serials: set[str] = set()
    keys_in_file: set[str] = set()
    for number, ballot in enumerate(ballots, start=1):
        for problem in check_ballot(rules, ballot.choices, ballot.points):
            errors.append(FieldError(field=f"row {number}: choices", message=problem))
        if ballot.voter_id in serials:
            errors.append(FieldError(field=f"row {number}: voter_id", message="appears twice in the file"))
        elif ballot.voter_key in keys_in_file:
            errors.append(
                FieldError(
                    field=f"row {number}: resident_sub", message="this resident appears twice in the file"
                )
            )
        serials.add(ballot.voter_id)
        keys_in_file.add(ballot.voter_key)
    wanted = keys_in_file | {f"paper:{v}" for v in serials}
    found = await session.execute(
        select(Ballot.voter_key, Ballot.channel).where(
            Ballot.election_id == election_id, Ballot.voter_key.in_(wanted)
        )
    )
    already = {key: channel for key, channel in found}
    for number, ballot in enumerate(ballots, start=1):
        if f"paper:{ballot.voter_id}" in already:
            errors.append(
                FieldError(field=f"row {number}: voter_id", message="this paper ballot is already counted")
            )
        elif ballot.resident_sub and ballot.voter_key in already:
            how = (
                msg("online")
                if already[ballot.voter_key] == "online"
                else msg("on paper in an earlier import")
            )
            errors.append(
                FieldError(
                    field=f"row {number}: resident_sub",
                    message=msg("this resident already voted {how}", how=how),
                )
            )
    if errors:
        raise Unprocessable(
            msg("{count} problem(s) in the ballots; nothing was imported", count=len(errors)),
            errors=errors[:200],
        )
    import_id = new_id()
    now = utcnow()
    await session.execute(
        insert(Ballot),
        [
            {
                "election_id": election_id,
                "voter_key": b.voter_key,
                "channel": "paper",
                "choices": list(b.choices),
                "points": list(b.points) if b.points is not None else None,
                "fields": None,
                "import_id": import_id,
                "cast_at": now,
            }
            for b in ballots
        ],
    )
    session.add(
        BallotImport(
            id=import_id,
            election_id=election_id,
            idempotency_key=idempotency_key,
            ballot_count=len(ballots),
            created_at=now,
            created_by=principal.sub,
        )
    )
    election.ballot_count += len(ballots)
    record_audit(
        session,
        actor=principal,
        action="ballot.import",
        entity_type="election",
        entity_id=election_id,
        sgg_code=election.sgg_code,
        after={"import_id": import_id, "imported": len(ballots), "ballot_count": election.ballot_count},
    )
    return BallotImportRead(
        import_id=import_id, election_id=election_id, imported=len(ballots), replayed=False
    )


async def _profile(session: AsyncSession, election: Election) -> list[Ballot]:
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
    projects = await _projects(session, election_id)
    ballots = await _profile(session, election)
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
    before = _audit_summary(election)
    election.status = CLOSED
    election.closed_at = now
    election.ballot_count = len(ballots)
    election.version += 1
    await session.flush()
    read = _outcome_read(row, election, requests)
    await emit(
        session,
        ElectionClosed(
            election_id=election_id,
            cycle_id=election.cycle_id,
            sgg_code=election.sgg_code,
            rule=election.rule,
            ballot_count=len(ballots),
            selected_request_ids=read.selected_request_ids,
            cost_krw=outcome.cost,
            selected_project_keys=list(outcome.selected),
        ),
        subject=election_id,
        sgg_code=election.sgg_code,
    )
    record_audit(
        session,
        actor=principal,
        action="election.close",
        entity_type="election",
        entity_id=election_id,
        sgg_code=election.sgg_code,
        before=before,
        after={**_audit_summary(election), "selected": read.selected, "cost_krw": read.cost_krw},
    )
    return read


async def outcome(*, session: AsyncSession, election_id: str) -> OutcomeRead:
    election = await load(session, election_id)
    row = await session.get(ElectionOutcome, election_id)
    if row is None:
        raise NotFound("the election has no outcome yet; it is computed when the election closes")
    requests = {p.project_key: p.request_id for p in await _projects(session, election_id)}
    return _outcome_read(row, election, requests)


# --- Pabulib ------------------------------------------------------------------------------------


def parse_pb(text: str) -> tuple[Instance, Profile]:
    try:
        return parse(text)
    except PabulibError as exc:
        raise Unprocessable(
            msg("not a valid Pabulib file: {exc}", exc=exc),
            errors=[FieldError(field="body", message=str(exc))],
        ) from exc


def _whole_won(value: Decimal, what: str) -> int:
    """Seoul elections count whole won: an imported amount with decimals is refused, not rounded."""
    if value != value.to_integral_value():
        message = f"{what} {value} has decimals; elections count money in whole won"
        raise Unprocessable(message, errors=[FieldError(field="body", message=message)])
    return int(value)


async def import_pb(
    *,
    session: AsyncSession,
    principal: Principal,
    cycle_id: str,
    text: str,
    rule: Rule | None,
    title_ko: str | None,
) -> ElectionRead:
    cycle = await cycles.load(session, cycle_id)
    ensure_officer(principal, cycle.sgg_code)
    await cycles.money_window(session, cycle, cal.ELECTION_WINDOW, what="importing an election")
    instance, profile = parse_pb(text)
    budget_krw = _whole_won(instance.budget, "budget")
    costs_krw = {pid: _whole_won(p.cost, f"cost of project {pid}") for pid, p in instance.projects.items()}
    chosen = rule or engine.PABULIB_RULES.get(instance.rule.strip(), Rule.GREEDY)
    meta = dict(instance.meta)

    def meta_int(key: str) -> int | None:
        value = meta.get(key, "").strip()
        return int(value) if value.isdigit() else None

    now = utcnow()
    election = Election(
        cycle_id=cycle.id,
        sgg_code=cycle.sgg_code,
        title_ko=(title_ko or meta.get("description") or "Pabulib import")[:300],
        title_en=meta.get("description", "")[:300],
        ballot_type=profile.vote_type,
        rule=chosen.value,
        tie_breaking=TieBreaking.LEXICOGRAPHIC.value,
        budget_krw=budget_krw,
        envelope_id=None,
        min_length=meta_int("min_length") or 0,
        max_length=meta_int("max_length"),
        max_points_total=meta_int("max_sum_points"),
        max_points_per_project=meta_int("max_points"),
        status=OPEN,
        source="pabulib",
        pb_meta=meta,
        ballot_count=len(profile),
        version=1,
        created_at=now,
        created_by=principal.sub,
    )
    session.add(election)
    await session.flush()
    await session.execute(
        insert(ElectionProject),
        [
            {
                "election_id": election.id,
                "project_key": p.project_id,
                "request_id": None,
                "name": p.name[:500],
                "cost_krw": costs_krw[p.project_id],
                "position": position,
                "fields": dict(p.fields),
            }
            for position, p in enumerate(instance.projects.values())
        ],
    )
    rows = []
    for voter_id, ballot, extra in zip(profile.voter_ids, profile.ballots, profile.voter_fields, strict=True):
        if isinstance(ballot, dict):
            choices, pts = list(ballot), [int(v) for v in ballot.values()]
        else:
            choices, pts = (list(ballot) if isinstance(ballot, tuple) else sorted(ballot)), None
        rows.append(
            {
                "election_id": election.id,
                "voter_key": f"pb:{voter_id}",
                "channel": "pabulib",
                "choices": choices,
                "points": pts,
                "fields": dict(extra) or None,
                "import_id": None,
                "cast_at": now,
            }
        )
    if rows:
        try:
            await session.execute(insert(Ballot), rows)
        except IntegrityError as exc:
            raise Unprocessable(
                "the file repeats a voter_id", errors=[FieldError(field="body", message="duplicate voter_id")]
            ) from exc
    read = _read(election, await _projects(session, election.id))
    record_audit(
        session,
        actor=principal,
        action="election.import_pb",
        entity_type="election",
        entity_id=election.id,
        sgg_code=cycle.sgg_code,
        after={**_audit_summary(election), "projects": len(instance.projects)},
    )
    return read


async def export_pb(*, session: AsyncSession, election_id: str) -> tuple[str, str]:
    """The election as a Pabulib file (voters of platform elections are numbered, never identified)."""
    election = await load(session, election_id)
    projects = await _projects(session, election_id)
    ballots = await _profile(session, election)
    outcome_row = await session.get(ElectionOutcome, election_id)
    selected = set(outcome_row.selected) if outcome_row is not None else None
    kind = BallotType(election.ballot_type)
    support = dict.fromkeys((p.project_key for p in projects), 0)
    for b in ballots:
        for key in b.choices:
            if key in support:
                support[key] += 1
    if election.source == "pabulib" and election.pb_meta:
        meta = dict(election.pb_meta)
    else:
        district = DISTRICTS.get(election.sgg_code)
        meta = {
            "description": election.title_ko,
            "country": "South Korea",
            "unit": "Seoul",
            "district": district.name_en if district else "Seoul Metropolitan Government",
            "instance": str(
                await session.scalar(select(Cycle.fiscal_year).where(Cycle.id == election.cycle_id))
            ),
            "rule": engine.RULE_TO_PABULIB[Rule(election.rule)],
            "currency": "KRW",
            "language": "ko",
        }
        if election.min_length:
            meta["min_length"] = str(election.min_length)
        if election.max_length is not None:
            meta["max_length"] = str(election.max_length)
        if election.max_points_total is not None:
            meta["max_sum_points"] = str(election.max_points_total)
        if election.max_points_per_project is not None:
            meta["max_points"] = str(election.max_points_per_project)
    meta.update(
        {
            "num_projects": str(len(projects)),
            "num_votes": str(len(ballots)),
            "budget": str(election.budget_krw),
            "vote_type": kind.value,
        }
    )
    pb_projects: dict[str, PbProject] = {}
    columns = ["project_id", "cost"]
    for p in projects:
        if election.source == "pabulib" and p.fields is not None:
            fields = {str(k): str(v) for k, v in p.fields.items()}
        else:
            fields = {"votes": str(support[p.project_key]), "name": p.name}
            if selected is not None:
                fields["selected"] = "1" if p.project_key in selected else "0"
        for column in fields:
            if column not in columns:
                columns.append(column)
        pb_projects[p.project_key] = PbProject(
            project_id=p.project_key, cost=Decimal(p.cost_krw), fields=fields
        )
    voter_ids: list[str] = []
    pb_ballots: list[Any] = []
    voter_fields: list[dict[str, str]] = []
    vote_columns = ["voter_id", "vote"] + (["points"] if kind.value in ("cumulative", "scoring") else [])
    for number, b in enumerate(ballots, start=1):
        voter_ids.append(b.voter_key[3:] if b.channel == "pabulib" else str(number))
        extra = {str(k): str(v) for k, v in (b.fields or {}).items()}
        for column in extra:
            if column not in vote_columns:
                vote_columns.append(column)
        voter_fields.append(extra)
        if kind.value in ("cumulative", "scoring"):
            pb_ballots.append({c: int(p) for c, p in zip(b.choices, b.points or [], strict=False)})
        elif kind is BallotType.ORDINAL:
            pb_ballots.append(tuple(b.choices))
        else:
            pb_ballots.append(frozenset(b.choices))
    instance = Instance(
        meta=meta, projects=pb_projects, budget=Decimal(election.budget_krw), project_columns=columns
    )
    profile = Profile(
        vote_type=kind.value,
        voter_ids=voter_ids,
        ballots=pb_ballots,
        voter_fields=voter_fields,
        vote_columns=vote_columns,
    )
    filename = f"election_{election.id}.pb"
    return dumps(instance, profile), filename


def compute_pb_outcome(text: str, rule: Rule, *, explain: bool) -> PbOutcome:
    """``POST /v1/pb/outcome``: the very computation of ``cg-budget pb-outcome`` (the engine's own entry
    points), on an uploaded file instead of a path."""
    instance, profile = parse_pb(text)
    outcome = outcome_for_instance(instance, profile, rule.value)
    doc = outcome_document(instance, outcome, explain=False)
    names = {pid: p.name for pid, p in instance.projects.items()}
    return PbOutcome(
        selected=cast(list[str], doc["selected"]),
        cost=json_amount(outcome.amount),
        rule=rule,
        per_voter_budget=str(outcome.per_voter_budget) if outcome.per_voter_budget is not None else None,
        notes=list(outcome.notes),
        explanations=engine.explanation_dicts(outcome, names, {}) if explain else None,
    )
