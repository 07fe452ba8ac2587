"""The committee's meetings as an iCalendar feed."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cg_committee.agenda.models import AgendaItem
from cg_committee.committees import service as committees
from cg_committee.meetings.models import Meeting
from cg_committee.meetings.schemas import (
    MeetingStatus,
)
from cg_shared.clock import SEOUL_TZ_NAME


async def calendar_ics(*, session: AsyncSession, committee_id: str) -> bytes:
    committee = await committees.get_row(session, committee_id)
    seoul = ZoneInfo(SEOUL_TZ_NAME)
    meetings = (
        await session.execute(
            select(Meeting)
            .where(Meeting.committee_id == committee_id)
            .order_by(Meeting.starts_at, Meeting.id)
        )
    ).scalars()
    cal = Calendar()
    cal.add("prodid", "-//Seoul CG Platform//committee//KO")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", committee.name_ko)
    cal.add("x-wr-timezone", SEOUL_TZ_NAME)
    for meeting in meetings:
        titles = (
            await session.execute(
                select(AgendaItem.title_ko)
                .where(AgendaItem.meeting_id == meeting.id)
                .order_by(AgendaItem.position, AgendaItem.id)
            )
        ).scalars()
        agenda = "\n".join(f"{n}. {t}" for n, t in enumerate(titles, start=1))
        event = Event()
        event.add("uid", f"{meeting.id}@committee.cg.seoul.go.kr")
        event.add("summary", meeting.title_ko)
        event.add("dtstart", meeting.starts_at.astimezone(seoul))
        event.add("dtend", (meeting.ends_at or meeting.starts_at + timedelta(hours=2)).astimezone(seoul))
        event.add("dtstamp", meeting.updated_at)
        event.add("sequence", meeting.version)
        if meeting.location:
            event.add("location", meeting.location)
        description = f"공고일 {meeting.notice_on.isoformat()}"
        if agenda:
            description += "\n안건:\n" + agenda
        event.add("description", description)
        event.add("status", "CANCELLED" if meeting.status == MeetingStatus.CANCELLED.value else "CONFIRMED")
        cal.add_component(event)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())
