"""The committee service's per-borough figures: five grouped SQL queries, one per kind of record."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from cg_committee.boroughs.schemas import CommitteeBoroughRow, CommitteeBoroughTable
from cg_committee.capacity.service import borough_indicators
from cg_committee.committees.models import Committee, OrdinanceVersion
from cg_committee.decisions.models import Decision
from cg_committee.meetings.models import Attendance, Meeting
from cg_committee.members.models import Member
from cg_committee.rules import CIVILIAN_SEATS, SeatKind
from cg_committee.votes.models import Vote
from cg_shared.borough_table import Grouped, boroughs, share
from cg_shared.clock import today_seoul

_CIVILIAN_KINDS = sorted(k.value for k in CIVILIAN_SEATS)


def _civilian(expert_counts: Any) -> Any:
    """A seat is civilian by kind, or an expert's when the ordinance in force counts experts as civilians."""
    return or_(
        Member.seat_kind.in_(_CIVILIAN_KINDS),
        and_(Member.seat_kind == SeatKind.EXPERT.value, expert_counts.is_(True)),
    )


def _in_force(column: Any, today: date) -> Any:
    """The ordinance in force today for each committee: the latest version effective by today."""
    return (
        select(column)
        .where(OrdinanceVersion.committee_id == Committee.id, OrdinanceVersion.effective_from <= today)
        .order_by(OrdinanceVersion.effective_from.desc())
        .limit(1)
        .correlate(Committee)
        .scalar_subquery()
    )


def _seated(today: date) -> Any:
    """Seated as rules.term_status says: started, not left, and in term (ex officio: no end) or carried
    over past its end where the ordinance carries terms over."""
    return and_(
        Member.term_start <= today,
        or_(Member.left_on.is_(None), Member.left_on > today),
        or_(
            Member.term_end.is_(None),
            Member.term_end >= today,
            _in_force(OrdinanceVersion.carry_over, today).is_(True),
        ),
    )


async def _seats(session: AsyncSession, today: date, seated: Any) -> Grouped:
    expert_counts = _in_force(OrdinanceVersion.expert_counts_as_civilian, today)
    query = (
        select(
            Committee.sgg_code,
            func.count(func.distinct(Committee.id)),
            func.count(Member.id).filter(seated),
            func.count(Member.id).filter(seated, _civilian(expert_counts)),
        )
        .select_from(Committee)
        .outerjoin(Member, Member.committee_id == Committee.id)
        .group_by(Committee.sgg_code)
    )
    return Grouped(await session.execute(query), 3)


async def _votes(session: AsyncSession) -> Grouped:
    query = (
        select(
            Decision.sgg_code,
            func.count(),
            func.count().filter(_civilian(OrdinanceVersion.expert_counts_as_civilian)),
        )
        .select_from(Vote)
        .join(Decision, Decision.motion_id == Vote.motion_id)
        .join(Member, Member.id == Vote.member_id)
        .join(OrdinanceVersion, OrdinanceVersion.id == Decision.ordinance_id)
        .group_by(Decision.sgg_code)
    )
    return Grouped(await session.execute(query), 2)


async def _attendance(session: AsyncSession) -> Grouped:
    query = (
        select(
            Committee.sgg_code,
            func.count(),
            func.count().filter(Attendance.status.in_(("present", "proxy"))),
        )
        .select_from(Attendance)
        .join(Meeting, Meeting.id == Attendance.meeting_id)
        .join(Committee, Committee.id == Meeting.committee_id)
        .where(Meeting.status != "cancelled")
        .group_by(Committee.sgg_code)
    )
    return Grouped(await session.execute(query), 2)


async def _meetings(session: AsyncSession) -> Grouped:
    query = (
        select(
            Committee.sgg_code,
            func.count().filter(Meeting.status == "held"),
            func.count().filter(Meeting.status == "scheduled"),
            func.count().filter(Meeting.status == "cancelled"),
        )
        .select_from(Meeting)
        .join(Committee, Committee.id == Meeting.committee_id)
        .group_by(Committee.sgg_code)
    )
    return Grouped(await session.execute(query), 3)


async def _decisions(session: AsyncSession) -> Grouped:
    query = select(Decision.sgg_code, func.count(), func.count().filter(Decision.valid.is_(True))).group_by(
        Decision.sgg_code
    )
    return Grouped(await session.execute(query), 2)


def _row(district: Any, facts: dict[str, Grouped], capacity: Any) -> CommitteeBoroughRow:
    code = district.sgg_code
    committees, seated_n, civilian_seats = facts["seats"][code]
    vote_n, civilian_votes = facts["votes"][code]
    records, attended = facts["attendance"][code]
    held, scheduled, cancelled = facts["meetings"][code]
    decision_n, valid_n = facts["decisions"][code]
    return CommitteeBoroughRow(
        sgg_code=code,
        name_ko=district.name_ko,
        name_en=district.name_en,
        has_committee=committees > 0,
        seated_count=seated_n,
        civilian_seat_count=civilian_seats,
        civilian_seat_share=share(civilian_seats, seated_n),
        vote_count=vote_n,
        civilian_vote_count=civilian_votes,
        civilian_vote_share=share(civilian_votes, vote_n),
        attendance_records=records,
        attended_count=attended,
        attendance_rate=share(attended, records),
        meetings_held=held,
        meetings_scheduled=scheduled,
        meetings_cancelled=cancelled,
        decision_count=decision_n,
        valid_decision_count=valid_n,
        valid_decision_share=share(valid_n, decision_n),
        capacity=capacity,
    )


async def table(session: AsyncSession) -> CommitteeBoroughTable:
    today = today_seoul()
    seated = _seated(today)
    facts = {
        "seats": await _seats(session, today, seated),
        "votes": await _votes(session),
        "attendance": await _attendance(session),
        "meetings": await _meetings(session),
        "decisions": await _decisions(session),
    }
    capacity = await borough_indicators(
        session,
        today=today,
        seated=seated,
        seated_counts={d.sgg_code: facts["seats"][d.sgg_code][1] for d in boroughs()},
    )
    rows = [_row(district, facts, capacity[district.sgg_code]) for district in boroughs()]
    return CommitteeBoroughTable(as_of=today, rows=rows)
