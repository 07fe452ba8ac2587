"""Loading a meeting and what every use case on it needs: its day, its session, its read model, the next meeting, who counts as present."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cg_committee import rules
from cg_committee.committees import service as committees
from cg_committee.committees.models import Committee
from cg_committee.meetings.models import Attendance, Meeting
from cg_committee.meetings.schemas import (
    MeetingKind,
    MeetingRead,
    MeetingStatus,
)
from cg_committee.members import service as members
from cg_shared.clock import seoul_date
from cg_shared.i18n import msg
from cg_shared.rows import get_or_404


async def get_row(session: AsyncSession, meeting_id: str, *, for_update: bool = False) -> Meeting:
    return await get_or_404(
        session,
        Meeting,
        meeting_id,
        msg("no meeting with id {meeting_id}", meeting_id=meeting_id),
        for_update=for_update,
    )


async def get_with_committee(
    session: AsyncSession, meeting_id: str, *, for_update: bool = False
) -> tuple[Meeting, Committee]:
    meeting = await get_row(session, meeting_id, for_update=for_update)
    return meeting, await committees.get_row(session, meeting.committee_id)


def meeting_day(meeting: Meeting) -> Any:
    return seoul_date(meeting.starts_at)


async def to_read(session: AsyncSession, meeting: Meeting, committee: Committee) -> MeetingRead:
    ordinance = await members.rules_on(session, committee.id, meeting_day(meeting))
    notice_days = (meeting_day(meeting) - meeting.notice_on).days
    required = ordinance.required_notice_days(meeting.kind)
    return MeetingRead(
        id=meeting.id,
        committee_id=meeting.committee_id,
        sgg_code=committee.sgg_code,
        title_ko=meeting.title_ko,
        title_en=meeting.title_en,
        kind=MeetingKind(meeting.kind),
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        location=meeting.location,
        notice_on=meeting.notice_on,
        notice_days_before=notice_days,
        notice_required_days=required,
        notice_sufficient=notice_days >= required,
        status=MeetingStatus(meeting.status),
        held_at=meeting.held_at,
        version=meeting.version,
        created_at=meeting.created_at,
    )


def meeting_session(meeting: Meeting) -> rules.Session:
    """The meeting is in session from its start until its planned end, or until it was closed as held."""
    ends = meeting.ends_at
    if meeting.held_at is not None and (ends is None or meeting.held_at < ends):
        ends = meeting.held_at
    return rules.Session(starts_at=meeting.starts_at, ends_at=ends)


async def next_meeting(session: AsyncSession, committee_id: str, *, now: datetime) -> Meeting | None:
    """The committee's next meeting: the earliest still-scheduled one starting now or later."""
    return await session.scalar(
        select(Meeting)
        .where(
            Meeting.committee_id == committee_id,
            Meeting.status == MeetingStatus.SCHEDULED.value,
            Meeting.starts_at >= now,
        )
        .order_by(Meeting.starts_at, Meeting.id)
        .limit(1)
    )


async def present_members(
    session: AsyncSession, meeting: Meeting, ordinance: rules.Ordinance, *, at: datetime | None
) -> set[str]:
    """Members counting as present (proxies only where allowed), at ``at`` when given."""
    rows = (await session.execute(select(Attendance).where(Attendance.meeting_id == meeting.id))).scalars()
    present: set[str] = set()
    for row in rows:
        if not rules.counts_as_present(row.status, ordinance):
            continue
        if at is not None and (
            (row.arrived_at is not None and row.arrived_at > at)
            or (row.left_at is not None and row.left_at <= at)
        ):
            continue
        present.add(row.member_id)
    return present
