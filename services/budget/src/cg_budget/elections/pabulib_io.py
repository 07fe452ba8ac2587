"""Pabulib files: import one as an election (with its ballots), export an election as one, and compute
an outcome straight from an uploaded file."""

from __future__ import annotations

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
from cg_budget.common import ensure_officer
from cg_budget.cycles import calendar as cal
from cg_budget.cycles import service as cycles
from cg_budget.cycles.models import Cycle
from cg_budget.elections import engine
from cg_budget.elections.ballot_rules import BallotType
from cg_budget.elections.engine import Rule
from cg_budget.elections.models import Ballot, Election, ElectionOutcome, ElectionProject
from cg_budget.elections.schemas import ElectionRead, PbOutcome
from cg_budget.elections.service import OPEN, audit_summary, ballots_of, election_read, load, projects_of
from cg_shared.audit import record_audit
from cg_shared.auth import Principal
from cg_shared.db import utcnow
from cg_shared.districts import DISTRICTS
from cg_shared.http import FieldError, Unprocessable
from cg_shared.i18n import msg

_POINTS_KINDS = ("cumulative", "scoring")


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


def _pb_election(
    cycle: Cycle,
    principal: Principal,
    instance: Instance,
    profile: Profile,
    *,
    budget_krw: int,
    rule: Rule,
    title_ko: str | None,
) -> Election:
    meta = dict(instance.meta)

    def meta_int(key: str) -> int | None:
        value = meta.get(key, "").strip()
        return int(value) if value.isdigit() else None

    return Election(
        cycle_id=cycle.id,
        sgg_code=cycle.sgg_code,
        title_ko=(title_ko or meta.get("description") or "Pabulib import")[:300],
        title_en=meta.get("description", "")[:300],
        ballot_type=profile.vote_type,
        rule=rule.value,
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
        created_at=utcnow(),
        created_by=principal.sub,
    )


def _pb_ballot_rows(election_id: str, profile: Profile, now: datetime) -> list[dict[str, Any]]:
    rows = []
    for voter_id, ballot, extra in zip(profile.voter_ids, profile.ballots, profile.voter_fields, strict=True):
        if isinstance(ballot, dict):
            choices, pts = list(ballot), [int(v) for v in ballot.values()]
        else:
            choices, pts = (list(ballot) if isinstance(ballot, tuple) else sorted(ballot)), None
        rows.append(
            {
                "election_id": election_id,
                "voter_key": f"pb:{voter_id}",
                "channel": "pabulib",
                "choices": choices,
                "points": pts,
                "fields": dict(extra) or None,
                "import_id": None,
                "cast_at": now,
            }
        )
    return rows


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
    election = _pb_election(
        cycle, principal, instance, profile, budget_krw=budget_krw, rule=chosen, title_ko=title_ko
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
    if rows := _pb_ballot_rows(election.id, profile, election.created_at):
        try:
            await session.execute(insert(Ballot), rows)
        except IntegrityError as exc:
            raise Unprocessable(
                "the file repeats a voter_id", errors=[FieldError(field="body", message="duplicate voter_id")]
            ) from exc
    read = election_read(election, await projects_of(session, election.id))
    record_audit(
        session,
        actor=principal,
        action="election.import_pb",
        entity_type="election",
        entity_id=election.id,
        sgg_code=cycle.sgg_code,
        after={**audit_summary(election), "projects": len(instance.projects)},
    )
    return read


async def _pb_meta(session: AsyncSession, election: Election, projects: int, ballots: int) -> dict[str, str]:
    """The file's meta section: an imported election's own, a platform election's described anew."""
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
        optional = {
            "min_length": election.min_length or None,
            "max_length": election.max_length,
            "max_sum_points": election.max_points_total,
            "max_points": election.max_points_per_project,
        }
        meta.update({key: str(value) for key, value in optional.items() if value is not None})
    meta.update(
        {
            "num_projects": str(projects),
            "num_votes": str(ballots),
            "budget": str(election.budget_krw),
            "vote_type": election.ballot_type,
        }
    )
    return meta


def _pb_projects(
    election: Election,
    projects: Sequence[ElectionProject],
    ballots: Sequence[Ballot],
    selected: set[str] | None,
) -> tuple[dict[str, PbProject], list[str]]:
    """The projects section and its columns; a platform election's projects carry votes and selection."""
    support = dict.fromkeys((p.project_key for p in projects), 0)
    for b in ballots:
        for key in b.choices:
            if key in support:
                support[key] += 1
    pb_projects: dict[str, PbProject] = {}
    columns = ["project_id", "cost"]
    for p in projects:
        if election.source == "pabulib" and p.fields is not None:
            fields = {str(k): str(v) for k, v in p.fields.items()}
        else:
            fields = {"votes": str(support[p.project_key]), "name": p.name}
            if selected is not None:
                fields["selected"] = "1" if p.project_key in selected else "0"
        columns.extend(column for column in fields if column not in columns)
        pb_projects[p.project_key] = PbProject(
            project_id=p.project_key, cost=Decimal(p.cost_krw), fields=fields
        )
    return pb_projects, columns


def _pb_profile(kind: BallotType, ballots: Sequence[Ballot]) -> Profile:
    """The votes section: voters of platform elections are numbered, never identified."""
    voter_ids: list[str] = []
    pb_ballots: list[Any] = []
    voter_fields: list[dict[str, str]] = []
    vote_columns = ["voter_id", "vote"] + (["points"] if kind.value in _POINTS_KINDS else [])
    for number, b in enumerate(ballots, start=1):
        voter_ids.append(b.voter_key[3:] if b.channel == "pabulib" else str(number))
        extra = {str(k): str(v) for k, v in (b.fields or {}).items()}
        vote_columns.extend(column for column in extra if column not in vote_columns)
        voter_fields.append(extra)
        if kind.value in _POINTS_KINDS:
            pb_ballots.append({c: int(p) for c, p in zip(b.choices, b.points or [], strict=False)})
        elif kind is BallotType.ORDINAL:
            pb_ballots.append(tuple(b.choices))
        else:
            pb_ballots.append(frozenset(b.choices))
    return Profile(
        vote_type=kind.value,
        voter_ids=voter_ids,
        ballots=pb_ballots,
        voter_fields=voter_fields,
        vote_columns=vote_columns,
    )


async def export_pb(*, session: AsyncSession, election_id: str) -> tuple[str, str]:
    """The election as a Pabulib file (voters of platform elections are numbered, never identified)."""
    election = await load(session, election_id)
    projects = await projects_of(session, election_id)
    ballots = await ballots_of(session, election)
    outcome_row = await session.get(ElectionOutcome, election_id)
    selected = set(outcome_row.selected) if outcome_row is not None else None
    meta = await _pb_meta(session, election, len(projects), len(ballots))
    pb_projects, columns = _pb_projects(election, projects, ballots, selected)
    instance = Instance(
        meta=meta, projects=pb_projects, budget=Decimal(election.budget_krw), project_columns=columns
    )
    profile = _pb_profile(BallotType(election.ballot_type), ballots)
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
