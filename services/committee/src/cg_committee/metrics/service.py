"""Participation metrics: who holds the seats, who votes, who attends, who sets the agenda."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cg_committee import rules
from cg_committee.agenda.models import AgendaItem
from cg_committee.agenda.schemas import AgendaOrigin
from cg_committee.committees import service as committees
from cg_committee.committees.models import OrdinanceVersion
from cg_committee.common import unprocessable
from cg_committee.decisions.models import Decision
from cg_committee.meetings.models import Attendance, Meeting
from cg_committee.meetings.schemas import MeetingStatus
from cg_committee.members import service as members
from cg_committee.members.models import Member
from cg_committee.metrics.schemas import AttendanceByKind, MetricsRead, Share, TurnoverRead
from cg_committee.votes.models import Vote
from cg_shared.clock import SEOUL, today_seoul


def _share(numerator: int, denominator: int) -> Share:
    return Share(
        numerator=numerator,
        denominator=denominator,
        share=round(numerator / denominator, 4) if denominator else None,
    )


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The period as UTC instants: Seoul midnight of ``start`` to Seoul midnight after ``end``."""
    return (
        datetime.combine(start, time.min, SEOUL),
        datetime.combine(end + timedelta(days=1), time.min, SEOUL),
    )


async def _decisions(session: AsyncSession, committee_id: str, lo: datetime, hi: datetime) -> list[Decision]:
    query = select(Decision).where(
        Decision.committee_id == committee_id, Decision.decided_at >= lo, Decision.decided_at < hi
    )
    return list((await session.execute(query)).scalars())


async def _vote_counts(
    session: AsyncSession,
    decisions: list[Decision],
    facts: dict[str, rules.MemberFacts],
    end_rules: rules.Ordinance,
) -> tuple[int, int]:
    """Votes cast in the decisions of the period, classified by the ordinance each decision used:
    (civilian votes, all votes)."""
    ordinance_cache: dict[str, rules.Ordinance] = {}
    civilian_votes = total_votes = 0
    for decision in decisions:
        if decision.ordinance_id not in ordinance_cache:
            row = await session.get(OrdinanceVersion, decision.ordinance_id)
            ordinance_cache[decision.ordinance_id] = committees.to_rules(row) if row else end_rules
        ordinance = ordinance_cache[decision.ordinance_id]
        for vote in (
            await session.execute(select(Vote).where(Vote.motion_id == decision.motion_id))
        ).scalars():
            total_votes += 1
            voter = facts.get(vote.member_id)
            if voter is not None and ordinance.is_civilian(voter.seat_kind):
                civilian_votes += 1
    return civilian_votes, total_votes


async def _held_meetings(
    session: AsyncSession, committee_id: str, lo: datetime, hi: datetime
) -> list[Meeting]:
    query = select(Meeting).where(
        Meeting.committee_id == committee_id,
        Meeting.status == MeetingStatus.HELD.value,
        Meeting.starts_at >= lo,
        Meeting.starts_at < hi,
    )
    return list((await session.execute(query)).scalars())


async def _attendance(
    session: AsyncSession, committee_id: str, held: list[Meeting], facts: dict[str, rules.MemberFacts]
) -> tuple[Counter[str], Counter[str]]:
    """Attendance of held meetings by seat kind: every member seated on the meeting day was expected."""
    expected: Counter[str] = Counter()
    present: Counter[str] = Counter()
    for meeting in held:
        day = meeting.starts_at.astimezone(SEOUL).date()
        ordinance = await members.rules_on(session, committee_id, day)
        seated_ids = {f.id for f in facts.values() if f.is_seated(day, ordinance)}
        marks = {
            a.member_id: a.status
            for a in (
                await session.execute(select(Attendance).where(Attendance.meeting_id == meeting.id))
            ).scalars()
        }
        for member_id in seated_ids:
            kind = facts[member_id].seat_kind.value
            expected[kind] += 1
            if member_id in marks and rules.counts_as_present(marks[member_id], ordinance):
                present[kind] += 1
    return expected, present


def _by_kind(expected: Counter[str], present: Counter[str]) -> list[AttendanceByKind]:
    return [
        AttendanceByKind(
            seat_kind=kind.value,
            expected=expected[kind.value],
            present=present[kind.value],
            rate=round(present[kind.value] / expected[kind.value], 4) if expected[kind.value] else None,
        )
        for kind in rules.SeatKind
    ]


async def _turnover(
    session: AsyncSession,
    committee_id: str,
    everyone: list[Member],
    facts: dict[str, rules.MemberFacts],
    start: date,
    end: date,
) -> TurnoverRead:
    start_rules = await members.rules_on(session, committee_id, start)
    seated_start = sum(1 for f in facts.values() if f.is_seated(start, start_rules))
    departures = sum(1 for m in everyone if m.left_on is not None and start <= m.left_on <= end)
    return TurnoverRead(
        seated_at_start=seated_start,
        appointments=sum(1 for m in everyone if start <= m.first_term_start <= end),
        departures=departures,
        rate=round(departures / seated_start, 4) if seated_start else None,
    )


async def _agenda_origins(
    session: AsyncSession, committee_id: str, lo: datetime, hi: datetime
) -> Counter[str]:
    query = select(AgendaItem.origin).where(
        AgendaItem.committee_id == committee_id,
        AgendaItem.created_at >= lo,
        AgendaItem.created_at < hi,
    )
    return Counter((await session.execute(query)).scalars())


async def committee_metrics(
    *, session: AsyncSession, committee_id: str, period_from: date | None, period_to: date | None
) -> MetricsRead:
    committee = await committees.get_row(session, committee_id)
    end = period_to or today_seoul()
    start = period_from or committee.established_on
    if start > end:
        raise unprocessable("query.from", "the period must not start after it ends")
    lo, hi = _bounds(start, end)
    everyone = await members.committee_members(session, committee_id)
    facts = {m.id: members.facts(m) for m in everyone}
    end_rules = await members.rules_on(session, committee_id, end)

    seated_end = [f for f in facts.values() if f.is_seated(end, end_rules)]
    civilian_seats = sum(1 for f in seated_end if end_rules.is_civilian(f.seat_kind))
    decisions = await _decisions(session, committee_id, lo, hi)
    civilian_votes, total_votes = await _vote_counts(session, decisions, facts, end_rules)
    held = await _held_meetings(session, committee_id, lo, hi)
    expected, present = await _attendance(session, committee_id, held, facts)
    turnover = await _turnover(session, committee_id, everyone, facts, start, end)
    origins = await _agenda_origins(session, committee_id, lo, hi)
    total_items = sum(origins.values())
    return MetricsRead(
        committee_id=committee.id,
        sgg_code=committee.sgg_code,
        period_from=start,
        period_to=end,
        civilian_seats=_share(civilian_seats, len(seated_end)),
        civilian_votes=_share(civilian_votes, total_votes),
        attendance_by_seat_kind=_by_kind(expected, present),
        attendance_overall=_share(sum(present.values()), sum(expected.values())),
        turnover=turnover,
        civilian_agenda_items=_share(origins.get(AgendaOrigin.CIVILIAN.value, 0), total_items),
        agenda_items_by_origin={o.value: origins.get(o.value, 0) for o in AgendaOrigin},
        meetings_held=len(held),
        decisions=len(decisions),
        valid_decisions=sum(1 for d in decisions if d.valid),
        decisions_without_quorum=sum(
            1 for d in decisions if any(c["rule"] == "quorum" and not c["ok"] for c in d.checks)
        ),
    )
