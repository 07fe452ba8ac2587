"""Meeting use cases: schedule, change, hold or cancel a meeting, and record its attendance."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cg_committee import rules
from cg_committee.agenda import placement
from cg_committee.committees import service as committees
from cg_committee.committees.models import Committee
from cg_committee.common import ensure_writer, rule_conflict, unprocessable
from cg_committee.meetings import queries as meetings
from cg_committee.meetings.models import Attendance, Meeting
from cg_committee.meetings.schemas import (
    AttendanceEntryRead,
    AttendanceRead,
    AttendanceUpdate,
    MeetingCreate,
    MeetingRead,
    MeetingStatus,
    MeetingUpdate,
)
from cg_committee.members import seats
from cg_committee.members.models import Member
from cg_shared.audit import record_audit
from cg_shared.auth import Principal
from cg_shared.clock import seoul_date, today_seoul
from cg_shared.db import utcnow
from cg_shared.events.committee import MeetingHeld, MeetingScheduled
from cg_shared.http import Conflict, Page, PageParams, check_if_match
from cg_shared.i18n import msg
from cg_shared.messaging import add_to_outbox
from cg_shared.paging import keyset, make_page, parse_datetime
from cg_shared.rows import bump_version


async def schedule(
    *, session: AsyncSession, principal: Principal, committee_id: str, meeting_in: MeetingCreate
) -> MeetingRead:
    committee = await committees.get_row(session, committee_id, for_update=True)
    ensure_writer(principal, committee.sgg_code)
    notice_on = meeting_in.notice_on or today_seoul()
    if notice_on > seoul_date(meeting_in.starts_at):
        raise unprocessable("body.notice_on", "the public notice cannot come after the meeting day")
    meeting = Meeting(
        committee_id=committee.id,
        title_ko=meeting_in.title_ko,
        title_en=meeting_in.title_en,
        kind=meeting_in.kind.value,
        starts_at=meeting_in.starts_at,
        ends_at=meeting_in.ends_at,
        location=meeting_in.location,
        notice_on=notice_on,
        status=MeetingStatus.SCHEDULED.value,
        created_by=principal.sub,
    )
    session.add(meeting)
    await session.flush()
    attached = await placement.attach_pending(session, committee.id, actor=principal)
    read = await meetings.to_read(session, meeting, committee)
    add_to_outbox(
        session,
        MeetingScheduled(
            committee_id=committee.id,
            meeting_id=meeting.id,
            sgg_code=committee.sgg_code,
            starts_at=meeting.starts_at,
            location=meeting.location,
        ),
        subject=meeting.id,
    )
    record_audit(
        session,
        actor=principal,
        action="meeting.schedule",
        entity_type="meeting",
        entity_id=meeting.id,
        sgg_code=committee.sgg_code,
        after={**read.model_dump(), "attached_agenda_item_ids": attached},
    )
    return read


async def get_meeting(*, session: AsyncSession, meeting_id: str) -> MeetingRead:
    meeting, committee = await meetings.get_with_committee(session, meeting_id)
    return await meetings.to_read(session, meeting, committee)


async def list_meetings(
    *, session: AsyncSession, committee_id: str, status: MeetingStatus | None, page: PageParams
) -> Page[MeetingRead]:
    committee = await committees.get_row(session, committee_id)
    stmt = select(Meeting).where(Meeting.committee_id == committee_id)
    if status is not None:
        stmt = stmt.where(Meeting.status == status.value)
    stmt = keyset(stmt, sort=Meeting.starts_at, tiebreak=Meeting.id, page=page, parse=parse_datetime)
    rows = list((await session.execute(stmt)).scalars())
    reads = {m.id: await meetings.to_read(session, m, committee) for m in rows[: page.limit]}
    return make_page(
        rows, page=page, key=lambda m: [m.starts_at.isoformat(), m.id], read=lambda m: reads[m.id]
    )


def _apply_changes(meeting: Meeting, data: dict[str, Any]) -> bool:
    """Set the changed fields of a scheduled meeting; True when it moved to another start."""
    if meeting.status != MeetingStatus.SCHEDULED.value and any(v is not None for v in data.values()):
        raise Conflict(
            msg("the meeting is {status}; only a scheduled meeting can be changed", status=meeting.status),
            slug="meeting-state",
        )
    rescheduled = False
    for name, value in data.items():
        if value is None:
            if name in {"ends_at"}:
                meeting.ends_at = None
            continue
        if name == "starts_at" and value != meeting.starts_at:
            rescheduled = True
        setattr(meeting, name, value)
    if meeting.ends_at is not None and meeting.ends_at <= meeting.starts_at:
        raise unprocessable("body.ends_at", "must be after starts_at")
    if meeting.notice_on > meetings.meeting_day(meeting):
        raise unprocessable("body.notice_on", "the public notice cannot come after the meeting day")
    return rescheduled


async def update_meeting(
    *,
    session: AsyncSession,
    principal: Principal,
    meeting_id: str,
    meeting_in: MeetingUpdate,
    if_match: str | None,
) -> MeetingRead:
    meeting, committee = await meetings.get_with_committee(session, meeting_id, for_update=True)
    ensure_writer(principal, committee.sgg_code)
    check_if_match(if_match, meeting.version)
    before = (await meetings.to_read(session, meeting, committee)).model_dump()
    data = meeting_in.model_dump(exclude_unset=True)
    new_status = data.pop("status", None)
    rescheduled = _apply_changes(meeting, data)
    events: list[Any] = []
    if new_status is not None and new_status != meeting.status:
        if meeting.status != MeetingStatus.SCHEDULED.value:
            raise Conflict(
                msg("the meeting is already {status}", status=meeting.status),
                slug="meeting-state",
                extra={"status": meeting.status},
            )
        if new_status == MeetingStatus.HELD:
            meeting.status = MeetingStatus.HELD.value
            meeting.held_at = utcnow()
            day = meetings.meeting_day(meeting)
            seated, ordinance = await seats.seated_on(session, committee.id, day)
            present = await meetings.present_members(session, meeting, ordinance, at=None)
            events.append(
                MeetingHeld(
                    committee_id=committee.id,
                    meeting_id=meeting.id,
                    sgg_code=committee.sgg_code,
                    seated_count=len(seated),
                    present_count=len(present & {m.id for m in seated}),
                )
            )
        elif new_status == MeetingStatus.CANCELLED:
            meeting.status = MeetingStatus.CANCELLED.value
            await session.flush()
            await placement.reassign_undecided(session, meeting, committee, actor=principal)
        else:
            raise unprocessable("body.status", "a meeting can only be set to held or cancelled")
    bump_version(meeting)
    await session.flush()
    if rescheduled and meeting.status == MeetingStatus.SCHEDULED.value:
        events.append(
            MeetingScheduled(
                committee_id=committee.id,
                meeting_id=meeting.id,
                sgg_code=committee.sgg_code,
                starts_at=meeting.starts_at,
                location=meeting.location,
            )
        )
        await placement.attach_pending(session, committee.id, actor=principal)
    for payload in events:
        add_to_outbox(session, payload, subject=meeting.id)
    read = await meetings.to_read(session, meeting, committee)
    record_audit(
        session,
        actor=principal,
        action="meeting.update",
        entity_type="meeting",
        entity_id=meeting.id,
        sgg_code=committee.sgg_code,
        before=before,
        after=read.model_dump(),
    )
    return read


async def _attendance_read(session: AsyncSession, meeting: Meeting, committee: Committee) -> AttendanceRead:
    day = meetings.meeting_day(meeting)
    seated, ordinance = await seats.seated_on(session, committee.id, day)
    seated_ids = {m.id for m in seated}
    rows = (
        await session.execute(
            select(Attendance, Member)
            .join(Member, Member.id == Attendance.member_id)
            .where(Attendance.meeting_id == meeting.id)
            .order_by(Member.name_ko, Member.id)
        )
    ).all()
    entries = [
        AttendanceEntryRead(
            member_id=m.id,
            name_ko=m.name_ko,
            seat_kind=rules.SeatKind(m.seat_kind),
            status=rules.AttendanceStatus(a.status),
            proxy_holder=a.proxy_holder,
            arrived_at=a.arrived_at,
            left_at=a.left_at,
            counts_as_present=rules.counts_as_present(a.status, ordinance) and m.id in seated_ids,
        )
        for a, m in rows
    ]
    present = sum(1 for e in entries if e.counts_as_present)
    return AttendanceRead(
        meeting_id=meeting.id,
        version=meeting.version,
        seated_count=len(seated_ids),
        present_count=present,
        quorum_required=rules.minimum_for_share(
            len(seated_ids), ordinance.quorum_percent, strict=ordinance.quorum_strict
        ),
        quorum_met=rules.quorum_met(present=present, seated=len(seated_ids), ordinance=ordinance),
        entries=entries,
    )


async def get_attendance(*, session: AsyncSession, meeting_id: str) -> AttendanceRead:
    meeting, committee = await meetings.get_with_committee(session, meeting_id)
    return await _attendance_read(session, meeting, committee)


async def put_attendance(
    *,
    session: AsyncSession,
    principal: Principal,
    meeting_id: str,
    attendance_in: AttendanceUpdate,
    if_match: str | None,
) -> AttendanceRead:
    meeting, committee = await meetings.get_with_committee(session, meeting_id, for_update=True)
    ensure_writer(principal, committee.sgg_code)
    check_if_match(if_match, meeting.version)
    if meeting.status == MeetingStatus.CANCELLED.value:
        raise Conflict("the meeting was cancelled", slug="meeting-state")
    day = meetings.meeting_day(meeting)
    seated, ordinance = await seats.seated_on(session, committee.id, day)
    seated_ids = {m.id for m in seated}
    seen: set[str] = set()
    for index, entry in enumerate(attendance_in.entries):
        where = f"body.entries.{index}"
        if entry.member_id in seen:
            raise unprocessable(f"{where}.member_id", "listed twice")
        seen.add(entry.member_id)
        if entry.member_id not in seated_ids:
            raise unprocessable(
                f"{where}.member_id", msg("not a seated member of this committee on {day}", day=day)
            )
        if entry.status is rules.AttendanceStatus.PROXY and not ordinance.proxy_allowed:
            raise rule_conflict(
                rules.Rule.PROXY_ALLOWED.value,
                "this committee's ordinance does not allow attendance by proxy",
                member_id=entry.member_id,
            )
        if entry.status is not rules.AttendanceStatus.PROXY and entry.proxy_holder:
            raise unprocessable(f"{where}.proxy_holder", "only for status=proxy")
    before = (await _attendance_read(session, meeting, committee)).model_dump(exclude={"version"})
    existing = {
        a.member_id: a
        for a in (
            await session.execute(select(Attendance).where(Attendance.meeting_id == meeting.id))
        ).scalars()
    }
    for member_id, row in existing.items():
        if member_id not in seen:
            await session.delete(row)
    for entry in attendance_in.entries:
        found = existing.get(entry.member_id)
        if found is None:
            found = Attendance(meeting_id=meeting.id, member_id=entry.member_id, recorded_by=principal.sub)
            session.add(found)
        row = found
        row.status = entry.status.value
        row.proxy_holder = entry.proxy_holder
        row.arrived_at = entry.arrived_at
        row.left_at = entry.left_at
        row.recorded_at = utcnow()
        row.recorded_by = principal.sub
    bump_version(meeting)
    await session.flush()
    read = await _attendance_read(session, meeting, committee)
    record_audit(
        session,
        actor=principal,
        action="meeting.attendance.put",
        entity_type="meeting",
        entity_id=meeting.id,
        sgg_code=committee.sgg_code,
        before=before,
        after=read.model_dump(exclude={"version"}),
    )
    return read
