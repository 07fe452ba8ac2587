"""Ballots: a resident casts one online, an officer imports the paper ones counted at the polling
stations (all or nothing, idempotent by key)."""

from __future__ import annotations

import io
from collections.abc import Sequence

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cg_budget.common import ensure_officer, new_id
from cg_budget.elections.ballot_rules import BallotRules, check_ballot
from cg_budget.elections.models import Ballot, BallotImport, Election
from cg_budget.elections.schemas import BallotCast, BallotImportRead, BallotRead, PaperBallot
from cg_budget.elections.service import OPEN, ballot_rules, load, project_keys, voting_window_problem
from cg_shared.audit import record_audit
from cg_shared.auth import Principal, Role
from cg_shared.csvsafe import SafeDictReader
from cg_shared.db import is_unique_violation, utcnow
from cg_shared.http import Conflict, FieldError, Forbidden, NotFound, Unprocessable
from cg_shared.i18n import Msg, msg


def _ensure_open(election: Election) -> None:
    if election.status != OPEN:
        raise Conflict(
            msg("the election is {status}; ballots are no longer accepted", status=election.status)
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
    _ensure_open(election)
    if (outside := voting_window_problem(election, utcnow())) is not None:
        raise outside
    rules = ballot_rules(election, await project_keys(session, election_id))
    problems = check_ballot(rules, ballot_in.choices, ballot_in.points)
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


def _ensure_paper_counting(election: Election) -> None:
    _ensure_open(election)
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


def _file_problems(rules: BallotRules, ballots: Sequence[PaperBallot]) -> list[FieldError]:
    """Each ballot keeps the election's rules; no serial and no resident twice in the file."""
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
    return errors


async def _counted_channels(
    session: AsyncSession, election_id: str, ballots: Sequence[PaperBallot]
) -> dict[str, str]:
    """Voter key → channel of the ballots of the file already counted in the election."""
    wanted = {b.voter_key for b in ballots} | {f"paper:{b.voter_id}" for b in ballots}
    found = await session.execute(
        select(Ballot.voter_key, Ballot.channel).where(
            Ballot.election_id == election_id, Ballot.voter_key.in_(wanted)
        )
    )
    return {key: channel for key, channel in found}


def _already_counted(ballots: Sequence[PaperBallot], already: dict[str, str]) -> list[FieldError]:
    """A paper ballot counted before, or a resident who already voted online or on paper."""
    errors: list[FieldError] = []
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
    return errors


async def _store_paper_ballots(
    session: AsyncSession,
    principal: Principal,
    election: Election,
    ballots: Sequence[PaperBallot],
    idempotency_key: str,
) -> str:
    import_id = new_id()
    now = utcnow()
    await session.execute(
        insert(Ballot),
        [
            {
                "election_id": election.id,
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
            election_id=election.id,
            idempotency_key=idempotency_key,
            ballot_count=len(ballots),
            created_at=now,
            created_by=principal.sub,
        )
    )
    election.ballot_count += len(ballots)
    return import_id


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
    _ensure_paper_counting(election)
    rules = ballot_rules(election, await project_keys(session, election_id))
    errors = _file_problems(rules, ballots)
    errors += _already_counted(ballots, await _counted_channels(session, election_id, ballots))
    if errors:
        raise Unprocessable(
            msg("{count} problem(s) in the ballots; nothing was imported", count=len(errors)),
            errors=errors[:200],
        )
    import_id = await _store_paper_ballots(session, principal, election, ballots, idempotency_key)
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
