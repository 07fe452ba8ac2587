"""Meeting use cases: schedule, agenda (manual and from planning's PlanSubmitted), attendance,
motions and named votes, decisions with computed validity, minutes, and the iCalendar feed.

Agenda placement (documented in the README of the service, tested): an item for a committee goes
to its *next* meeting — the earliest meeting still ``scheduled`` whose start is now or later. With
no such meeting the item stays ``pending``; scheduling a meeting moves every pending item of the
committee onto the next meeting. A plan submitted before its borough has a committee waits as a
pending item of the borough and joins the committee when it is established.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cg_committee import rules
from cg_committee.committees import service as committees
from cg_committee.committees.models import Committee
from cg_committee.common import (
    WRITER_ROLES,
    ensure_writer,
    is_secretariat,
    keyset,
    make_page,
    parse_datetime,
    rule_conflict,
    unprocessable,
)
from cg_committee.meetings.models import (
    AgendaItem,
    Attendance,
    Decision,
    Meeting,
    Minutes,
    Motion,
    Vote,
)
from cg_committee.meetings.schemas import (
    AgendaItemCreate,
    AgendaItemRead,
    AgendaItemUpdate,
    AgendaOrigin,
    AgendaStatus,
    AttendanceEntryRead,
    AttendanceRead,
    AttendanceUpdate,
    DecisionCreate,
    DecisionRead,
    MeetingCreate,
    MeetingKind,
    MeetingRead,
    MeetingStatus,
    MeetingUpdate,
    MinutesRead,
    MinutesStatus,
    MinutesWrite,
    MotionCreate,
    MotionRead,
    RecusalRead,
    TallyRead,
    VoteRead,
    VotesCreate,
    VotesRead,
)
from cg_committee.members import service as members
from cg_committee.members.models import Member, WorkingGroup
from cg_committee.members.schemas import RuleCheckRead
from cg_shared.audit import record_audit
from cg_shared.auth import Principal, Role, ensure_role
from cg_shared.clock import SEOUL_TZ_NAME, now_utc, seoul_date, today_seoul
from cg_shared.db import utcnow
from cg_shared.districts import DISTRICTS
from cg_shared.events import CloudEvent
from cg_shared.events.committee import DecisionRecorded, MeetingHeld, MeetingScheduled, Tally
from cg_shared.events.planning import PlanSubmitted
from cg_shared.http import Conflict, Forbidden, NotFound, Page, PageParams, check_if_match
from cg_shared.i18n import msg
from cg_shared.messaging import add_to_outbox

PLANNING_ACTOR = "system:planning.plan.submitted"
DEFAULT_MOTION_KO = "원안대로 가결한다"
DEFAULT_MOTION_EN = "Adopt as proposed"
OPEN_ITEM_STATUSES = (AgendaStatus.PENDING.value, AgendaStatus.SCHEDULED.value)


# --- loading ---------------------------------------------------------------------------------


async def _meeting(session: AsyncSession, meeting_id: str, *, for_update: bool = False) -> Meeting:
    meeting = await session.get(Meeting, meeting_id, with_for_update=for_update)
    if meeting is None:
        raise NotFound(msg("no meeting with id {meeting_id}", meeting_id=meeting_id))
    return meeting


async def _item(session: AsyncSession, item_id: str, *, for_update: bool = False) -> AgendaItem:
    item = await session.get(AgendaItem, item_id, with_for_update=for_update)
    if item is None:
        raise NotFound(msg("no agenda item with id {item_id}", item_id=item_id))
    return item


async def _meeting_with_committee(
    session: AsyncSession, meeting_id: str, *, for_update: bool = False
) -> tuple[Meeting, Committee]:
    meeting = await _meeting(session, meeting_id, for_update=for_update)
    return meeting, await committees.get_row(session, meeting.committee_id)


def meeting_day(meeting: Meeting) -> Any:
    return seoul_date(meeting.starts_at)


async def _meeting_read(session: AsyncSession, meeting: Meeting, committee: Committee) -> MeetingRead:
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


# --- agenda placement ------------------------------------------------------------------------


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


async def _next_position(session: AsyncSession, meeting_id: str) -> int:
    current = await session.scalar(
        select(func.max(AgendaItem.position)).where(AgendaItem.meeting_id == meeting_id)
    )
    return int(current) + 1 if current is not None else 1


async def _place(session: AsyncSession, item: AgendaItem, meeting: Meeting | None) -> None:
    if meeting is None:
        item.meeting_id = None
        item.status = AgendaStatus.PENDING.value
        return
    item.meeting_id = meeting.id
    item.position = await _next_position(session, meeting.id)
    item.status = AgendaStatus.SCHEDULED.value


async def _attach_pending(session: AsyncSession, committee_id: str, *, actor: Principal | str) -> list[str]:
    target = await next_meeting(session, committee_id, now=utcnow())
    if target is None:
        return []
    pending = list(
        (
            await session.execute(
                select(AgendaItem)
                .where(
                    AgendaItem.committee_id == committee_id,
                    AgendaItem.meeting_id.is_(None),
                    AgendaItem.status == AgendaStatus.PENDING.value,
                )
                .order_by(AgendaItem.created_at, AgendaItem.id)
                .with_for_update()
            )
        ).scalars()
    )
    for item in pending:
        await _place(session, item, target)
        item.version += 1
        item.updated_at = utcnow()
        await session.flush()
    if pending:
        record_audit(
            session,
            actor=actor,
            action="agenda_item.attach_pending",
            entity_type="meeting",
            entity_id=target.id,
            after={"agenda_item_ids": [i.id for i in pending]},
        )
    return [i.id for i in pending]


async def adopt_orphan_agenda_items(
    *, session: AsyncSession, committee: Committee, actor: Principal | str
) -> list[str]:
    """Plans submitted before the borough had a committee become the new committee's pending items."""
    orphans = list(
        (
            await session.execute(
                select(AgendaItem)
                .where(AgendaItem.committee_id.is_(None), AgendaItem.sgg_code == committee.sgg_code)
                .order_by(AgendaItem.created_at, AgendaItem.id)
                .with_for_update()
            )
        ).scalars()
    )
    for item in orphans:
        item.committee_id = committee.id
        item.version += 1
        item.updated_at = utcnow()
        record_audit(
            session,
            actor=actor,
            action="agenda_item.adopt_by_committee",
            entity_type="agenda_item",
            entity_id=item.id,
            sgg_code=committee.sgg_code,
            before={"committee_id": None},
            after={"committee_id": committee.id},
        )
    await session.flush()
    return [i.id for i in orphans]


async def receive_plan_submission(
    *, session: AsyncSession, event: CloudEvent, payload: PlanSubmitted
) -> AgendaItem:
    """Put a submitted plan on the borough committee's next meeting, exactly once per event.

    Idempotent by design (the inbox also skips redeliveries): the event id is a unique column, and a
    plan that is resubmitted while its earlier item is still undecided refreshes that item instead
    of adding a second one.
    """
    # A malformed event is the producer's bug: fail loudly so the consumer dead-letters it with a
    # readable error instead of a database constraint message.
    if payload.sgg_code not in DISTRICTS:
        raise ValueError(f"PlanSubmitted for unknown borough {payload.sgg_code!r}")
    if not 0 < len(payload.plan_id) <= 100 or not 0 < len(payload.subject_kind) <= 20:
        raise ValueError("PlanSubmitted plan_id (≤ 100) or subject_kind (≤ 20) has an invalid length")
    existing: AgendaItem | None = await session.scalar(
        select(AgendaItem).where(AgendaItem.source_event_id == event.id)
    )
    if existing is not None:
        return existing
    committee = await session.scalar(select(Committee).where(Committee.sgg_code == payload.sgg_code))
    open_item: AgendaItem | None = await session.scalar(
        select(AgendaItem)
        .where(
            AgendaItem.sgg_code == payload.sgg_code,
            AgendaItem.subject_kind == payload.subject_kind,
            AgendaItem.subject_id == payload.plan_id,
            AgendaItem.status.in_(OPEN_ITEM_STATUSES),
        )
        .with_for_update()
    )
    description = _plan_description(payload)
    if open_item is not None:
        before = _item_audit(open_item)
        open_item.title_ko = payload.title_ko[:300]
        open_item.title_en = payload.title_en[:300]
        open_item.description = description
        open_item.applicant_organisations = list(payload.applicant_organisations)
        open_item.partner_organisations = list(payload.partner_organisations)
        if committee is not None:
            await _move_to_next_meeting(session, open_item, committee.id)
        open_item.version += 1
        open_item.updated_at = utcnow()
        record_audit(
            session,
            actor=PLANNING_ACTOR,
            action="agenda_item.resubmitted",
            entity_type="agenda_item",
            entity_id=open_item.id,
            sgg_code=payload.sgg_code,
            before=before,
            after={**_item_audit(open_item), "event_id": event.id},
        )
        return open_item
    item = AgendaItem(
        committee_id=committee.id if committee else None,
        sgg_code=payload.sgg_code,
        title_ko=payload.title_ko[:300],
        title_en=payload.title_en[:300],
        description=description,
        subject_kind=payload.subject_kind,
        subject_id=payload.plan_id,
        origin=AgendaOrigin.PLANNING.value,
        applicant_organisations=list(payload.applicant_organisations),
        partner_organisations=list(payload.partner_organisations),
        source_event_id=event.id,
        status=AgendaStatus.PENDING.value,
        created_by=PLANNING_ACTOR,
    )
    session.add(item)
    if committee is not None:
        await _place(session, item, await next_meeting(session, committee.id, now=utcnow()))
    await session.flush()
    record_audit(
        session,
        actor=PLANNING_ACTOR,
        action="agenda_item.create_from_plan",
        entity_type="agenda_item",
        entity_id=item.id,
        sgg_code=payload.sgg_code,
        after={**_item_audit(item), "event_id": event.id},
    )
    return item


async def _move_to_next_meeting(session: AsyncSession, item: AgendaItem, committee_id: str) -> None:
    """A resubmitted plan goes before the committee again: off a meeting that has started, been held
    or cancelled (its open motions lapse) and onto the next meeting, or pending until one is
    scheduled. An item already on a meeting still ahead stays where it is."""
    now = utcnow()
    current = await session.get(Meeting, item.meeting_id) if item.meeting_id else None
    if (
        current is not None
        and current.status == MeetingStatus.SCHEDULED.value
        and current.held_at is None
        and current.starts_at >= now
    ):
        return
    if current is not None:
        await session.execute(
            update(Motion)
            .where(Motion.agenda_item_id == item.id, Motion.meeting_id == current.id, Motion.status == "open")
            .values(status="lapsed")
        )
    await _place(session, item, await next_meeting(session, committee_id, now=now))


def _plan_description(payload: PlanSubmitted) -> str:
    kind = {"master": "기본계획", "annual": "실행계획"}.get(payload.kind, payload.kind)
    year = f"{payload.fiscal_year}년 " if payload.fiscal_year else ""
    return f"{year}{kind} 심의 (계획 항목 {payload.item_count}건, 제출 {payload.submitted_at.isoformat()})"


def _item_audit(item: AgendaItem) -> dict[str, Any]:
    return {
        "committee_id": item.committee_id,
        "meeting_id": item.meeting_id,
        "position": item.position,
        "title_ko": item.title_ko,
        "subject_kind": item.subject_kind,
        "subject_id": item.subject_id,
        "origin": item.origin,
        "applicant_organisations": list(item.applicant_organisations or []),
        "partner_organisations": list(item.partner_organisations or []),
        "status": item.status,
        "version": item.version,
    }


# --- recusal ---------------------------------------------------------------------------------


def subject_organisations(item: AgendaItem) -> list[str]:
    return [*(item.applicant_organisations or []), *(item.partner_organisations or [])]


def item_recusals(item: AgendaItem, people: Iterable[Member]) -> dict[str, tuple[str, ...]]:
    return rules.recusals((members.facts(m) for m in people), subject_organisations(item))


async def _seated_on(
    session: AsyncSession, committee_id: str, day: Any
) -> tuple[list[Member], rules.Ordinance]:
    ordinance = await members.rules_on(session, committee_id, day)
    everyone = await members.committee_members(session, committee_id)
    return [m for m in everyone if members.facts(m).is_seated(day, ordinance)], ordinance


async def _item_read(
    session: AsyncSession, item: AgendaItem, seated: list[Member] | None = None
) -> AgendaItemRead:
    if seated is None and item.committee_id is not None:
        seated, _ = await _seated_on(session, item.committee_id, today_seoul())
    people = {m.id: m for m in seated or []}
    found = item_recusals(item, people.values())
    return AgendaItemRead(
        id=item.id,
        committee_id=item.committee_id,
        sgg_code=item.sgg_code,
        meeting_id=item.meeting_id,
        position=item.position,
        title_ko=item.title_ko,
        title_en=item.title_en,
        description=item.description,
        subject_kind=item.subject_kind,
        subject_id=item.subject_id,
        origin=AgendaOrigin(item.origin),
        proposed_by_member_id=item.proposed_by_member_id,
        working_group_id=item.working_group_id,
        applicant_organisations=list(item.applicant_organisations or []),
        partner_organisations=list(item.partner_organisations or []),
        source_event_id=item.source_event_id,
        status=AgendaStatus(item.status),
        version=item.version,
        created_at=item.created_at,
        recusals=[
            RecusalRead(member_id=mid, name_ko=people[mid].name_ko, organisations=list(orgs))
            for mid, orgs in sorted(found.items(), key=lambda kv: people[kv[0]].name_ko)
        ],
    )


# --- meetings --------------------------------------------------------------------------------


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
    attached = await _attach_pending(session, committee.id, actor=principal)
    read = await _meeting_read(session, meeting, committee)
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
    meeting, committee = await _meeting_with_committee(session, meeting_id)
    return await _meeting_read(session, meeting, committee)


async def list_meetings(
    *, session: AsyncSession, committee_id: str, status: MeetingStatus | None, page: PageParams
) -> Page[MeetingRead]:
    committee = await committees.get_row(session, committee_id)
    stmt = select(Meeting).where(Meeting.committee_id == committee_id)
    if status is not None:
        stmt = stmt.where(Meeting.status == status.value)
    stmt = keyset(stmt, sort=Meeting.starts_at, tiebreak=Meeting.id, page=page, parse=parse_datetime)
    rows = list((await session.execute(stmt)).scalars())
    reads = {m.id: await _meeting_read(session, m, committee) for m in rows[: page.limit]}
    return make_page(
        rows, page=page, key=lambda m: [m.starts_at.isoformat(), m.id], read=lambda m: reads[m.id]
    )


async def _present_members(
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


async def update_meeting(
    *,
    session: AsyncSession,
    principal: Principal,
    meeting_id: str,
    meeting_in: MeetingUpdate,
    if_match: str | None,
) -> MeetingRead:
    meeting, committee = await _meeting_with_committee(session, meeting_id, for_update=True)
    ensure_writer(principal, committee.sgg_code)
    check_if_match(if_match, meeting.version)
    before = (await _meeting_read(session, meeting, committee)).model_dump()
    data = meeting_in.model_dump(exclude_unset=True)
    new_status = data.pop("status", None)
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
    if meeting.notice_on > meeting_day(meeting):
        raise unprocessable("body.notice_on", "the public notice cannot come after the meeting day")
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
            day = meeting_day(meeting)
            seated, ordinance = await _seated_on(session, committee.id, day)
            present = await _present_members(session, meeting, ordinance, at=None)
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
            await _reassign_undecided(session, meeting, committee, actor=principal)
        else:
            raise unprocessable("body.status", "a meeting can only be set to held or cancelled")
    meeting.version += 1
    meeting.updated_at = utcnow()
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
        await _attach_pending(session, committee.id, actor=principal)
    for payload in events:
        add_to_outbox(session, payload, subject=meeting.id)
    read = await _meeting_read(session, meeting, committee)
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


async def _reassign_undecided(
    session: AsyncSession, meeting: Meeting, committee: Committee, *, actor: Principal
) -> None:
    """A cancelled meeting's open items move to the next meeting (or back to pending)."""
    target = await next_meeting(session, committee.id, now=utcnow())
    items = (
        await session.execute(
            select(AgendaItem).where(
                AgendaItem.meeting_id == meeting.id, AgendaItem.status == AgendaStatus.SCHEDULED.value
            )
        )
    ).scalars()
    for item in items:
        # Open motions of the cancelled meeting cannot be decided any more.
        await session.execute(
            update(Motion)
            .where(Motion.agenda_item_id == item.id, Motion.meeting_id == meeting.id, Motion.status == "open")
            .values(status="lapsed")
        )
        await _place(session, item, target)
        item.version += 1
        item.updated_at = utcnow()
        await session.flush()
        record_audit(
            session,
            actor=actor,
            action="agenda_item.reassign",
            entity_type="agenda_item",
            entity_id=item.id,
            sgg_code=committee.sgg_code,
            before={"meeting_id": meeting.id},
            after={"meeting_id": item.meeting_id, "status": item.status},
        )


# --- attendance ------------------------------------------------------------------------------


async def _attendance_read(session: AsyncSession, meeting: Meeting, committee: Committee) -> AttendanceRead:
    day = meeting_day(meeting)
    seated, ordinance = await _seated_on(session, committee.id, day)
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
    meeting, committee = await _meeting_with_committee(session, meeting_id)
    return await _attendance_read(session, meeting, committee)


async def put_attendance(
    *,
    session: AsyncSession,
    principal: Principal,
    meeting_id: str,
    attendance_in: AttendanceUpdate,
    if_match: str | None,
) -> AttendanceRead:
    meeting, committee = await _meeting_with_committee(session, meeting_id, for_update=True)
    ensure_writer(principal, committee.sgg_code)
    check_if_match(if_match, meeting.version)
    if meeting.status == MeetingStatus.CANCELLED.value:
        raise Conflict("the meeting was cancelled", slug="meeting-state")
    day = meeting_day(meeting)
    seated, ordinance = await _seated_on(session, committee.id, day)
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
    meeting.version += 1
    meeting.updated_at = utcnow()
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


# --- agenda items ----------------------------------------------------------------------------


async def _origin_for(
    session: AsyncSession, committee: Committee, item_in: AgendaItemCreate
) -> tuple[AgendaOrigin, str | None]:
    proposer: Member | None = None
    if item_in.proposed_by_member_id:
        proposer = await session.get(Member, item_in.proposed_by_member_id)
        if proposer is None or proposer.committee_id != committee.id:
            raise unprocessable("body.proposed_by_member_id", "not a member of this committee")
    if item_in.working_group_id:
        group = await session.get(WorkingGroup, item_in.working_group_id)
        if group is None or group.committee_id != committee.id:
            raise unprocessable("body.working_group_id", "not a working group of this committee")
    if item_in.origin is not None:
        return item_in.origin, proposer.id if proposer else None
    if proposer is not None:
        ordinance = await members.rules_on(session, committee.id, today_seoul())
        civilian = ordinance.is_civilian(proposer.seat_kind)
        return (AgendaOrigin.CIVILIAN if civilian else AgendaOrigin.PUBLIC), proposer.id
    return AgendaOrigin.PUBLIC, None


async def _new_item(
    session: AsyncSession,
    *,
    committee: Committee,
    principal: Principal,
    item_in: AgendaItemCreate,
    meeting: Meeting | None,
) -> AgendaItem:
    origin, proposer = await _origin_for(session, committee, item_in)
    item = AgendaItem(
        committee_id=committee.id,
        sgg_code=committee.sgg_code,
        title_ko=item_in.title_ko,
        title_en=item_in.title_en,
        description=item_in.description,
        subject_kind=item_in.subject_kind.value,
        subject_id=item_in.subject_id,
        origin=origin.value,
        proposed_by_member_id=proposer,
        working_group_id=item_in.working_group_id,
        applicant_organisations=list(item_in.applicant_organisations),
        partner_organisations=list(item_in.partner_organisations),
        status=AgendaStatus.PENDING.value,
        created_by=principal.sub,
    )
    session.add(item)
    await _place(session, item, meeting)
    await session.flush()
    record_audit(
        session,
        actor=principal,
        action="agenda_item.create",
        entity_type="agenda_item",
        entity_id=item.id,
        sgg_code=committee.sgg_code,
        after=_item_audit(item),
    )
    return item


async def add_agenda_item(
    *, session: AsyncSession, principal: Principal, meeting_id: str, item_in: AgendaItemCreate
) -> AgendaItemRead:
    meeting, committee = await _meeting_with_committee(session, meeting_id, for_update=True)
    ensure_writer(principal, committee.sgg_code)
    if meeting.status == MeetingStatus.CANCELLED.value:
        raise Conflict("the meeting was cancelled", slug="meeting-state")
    item = await _new_item(
        session, committee=committee, principal=principal, item_in=item_in, meeting=meeting
    )
    return await _item_read(session, item)


async def add_pending_agenda_item(
    *, session: AsyncSession, principal: Principal, committee_id: str, item_in: AgendaItemCreate
) -> AgendaItemRead:
    """An item for the committee's next meeting (pending until one is scheduled)."""
    committee = await committees.get_row(session, committee_id, for_update=True)
    ensure_writer(principal, committee.sgg_code)
    target = await next_meeting(session, committee.id, now=utcnow())
    item = await _new_item(session, committee=committee, principal=principal, item_in=item_in, meeting=target)
    return await _item_read(session, item)


async def get_agenda_item(*, session: AsyncSession, item_id: str) -> AgendaItemRead:
    return await _item_read(session, await _item(session, item_id))


async def list_meeting_agenda(*, session: AsyncSession, meeting_id: str) -> list[AgendaItemRead]:
    meeting, committee = await _meeting_with_committee(session, meeting_id)
    seated, _ = await _seated_on(session, committee.id, meeting_day(meeting))
    items = (
        await session.execute(
            select(AgendaItem)
            .where(AgendaItem.meeting_id == meeting.id)
            .order_by(AgendaItem.position, AgendaItem.created_at, AgendaItem.id)
        )
    ).scalars()
    return [await _item_read(session, i, seated) for i in items]


async def list_committee_agenda(
    *, session: AsyncSession, committee_id: str, status: AgendaStatus | None, page: PageParams
) -> Page[AgendaItemRead]:
    await committees.get_row(session, committee_id)
    seated, _ = await _seated_on(session, committee_id, today_seoul())
    stmt = select(AgendaItem).where(AgendaItem.committee_id == committee_id)
    if status is not None:
        stmt = stmt.where(AgendaItem.status == status.value)
    stmt = keyset(stmt, sort=AgendaItem.created_at, tiebreak=AgendaItem.id, page=page, parse=parse_datetime)
    rows = list((await session.execute(stmt)).scalars())
    reads = {i.id: await _item_read(session, i, seated) for i in rows[: page.limit]}
    return make_page(
        rows, page=page, key=lambda i: [i.created_at.isoformat(), i.id], read=lambda i: reads[i.id]
    )


async def update_agenda_item(
    *,
    session: AsyncSession,
    principal: Principal,
    item_id: str,
    item_in: AgendaItemUpdate,
    if_match: str | None,
) -> AgendaItemRead:
    item = await _item(session, item_id, for_update=True)
    if item.committee_id is None:
        raise Conflict(
            "the item waits for its borough's committee to be established", slug="agenda-item-state"
        )
    committee = await committees.get_row(session, item.committee_id)
    ensure_writer(principal, committee.sgg_code)
    check_if_match(if_match, item.version)
    if item.status in (AgendaStatus.DECIDED.value, AgendaStatus.WITHDRAWN.value):
        raise Conflict(
            msg("the item is {status} and can no longer change", status=item.status), slug="agenda-item-state"
        )
    before = _item_audit(item)
    data = item_in.model_dump(exclude_unset=True)
    if "meeting_id" in data:
        target_id = data.pop("meeting_id")
        if target_id is None:
            await _place(session, item, None)
        elif target_id != item.meeting_id:
            target = await session.get(Meeting, target_id)
            if target is None or target.committee_id != committee.id:
                raise unprocessable("body.meeting_id", "not a meeting of this committee")
            if target.status != MeetingStatus.SCHEDULED.value:
                raise Conflict(
                    msg("meeting {target_id} is {status}", target_id=target.id, status=target.status),
                    slug="meeting-state",
                )
            await _place(session, item, target)
    status = data.pop("status", None)
    if status is not None:
        if status != AgendaStatus.WITHDRAWN:
            raise unprocessable("body.status", "only 'withdrawn' can be set; other states follow from events")
        item.status = AgendaStatus.WITHDRAWN.value
    for name, value in data.items():
        if value is None:
            if name in {"title_ko", "position"}:
                raise unprocessable(f"body.{name}", "cannot be cleared")
            value = [] if name.endswith("organisations") else ""
        setattr(item, name, value)
    item.version += 1
    item.updated_at = utcnow()
    await session.flush()
    record_audit(
        session,
        actor=principal,
        action="agenda_item.update",
        entity_type="agenda_item",
        entity_id=item.id,
        sgg_code=committee.sgg_code,
        before=before,
        after=_item_audit(item),
    )
    return await _item_read(session, item)


# --- motions and votes -----------------------------------------------------------------------


async def _votes_read(session: AsyncSession, motion_id: str) -> list[VoteRead]:
    rows = (
        await session.execute(
            select(Vote, Member)
            .join(Member, Member.id == Vote.member_id)
            .where(Vote.motion_id == motion_id)
            .order_by(Member.name_ko, Member.id)
        )
    ).all()
    return [
        VoteRead(
            member_id=m.id,
            name_ko=m.name_ko,
            seat_kind=rules.SeatKind(m.seat_kind),
            choice=rules.VoteChoice(v.choice),
            recused=v.recused,
            cast_by=v.cast_by,
            cast_at=v.cast_at,
        )
        for v, m in rows
    ]


async def _motion_read(session: AsyncSession, motion: Motion) -> MotionRead:
    decision_id = await session.scalar(select(Decision.id).where(Decision.motion_id == motion.id))
    return MotionRead(
        id=motion.id,
        agenda_item_id=motion.agenda_item_id,
        meeting_id=motion.meeting_id,
        text_ko=motion.text_ko,
        text_en=motion.text_en,
        proposed_by_member_id=motion.proposed_by_member_id,
        status=motion.status,
        created_at=motion.created_at,
        decision_id=decision_id,
        votes=await _votes_read(session, motion.id),
    )


async def _votable_item(session: AsyncSession, item_id: str) -> tuple[AgendaItem, Meeting, Committee]:
    item = await _item(session, item_id, for_update=True)
    if item.meeting_id is None or item.committee_id is None:
        raise Conflict("the agenda item is not on a meeting yet", slug="agenda-item-state")
    if item.status != AgendaStatus.SCHEDULED.value:
        raise Conflict(msg("the agenda item is {status}", status=item.status), slug="agenda-item-state")
    meeting = await _meeting(session, item.meeting_id)
    if meeting.status == MeetingStatus.CANCELLED.value:
        raise Conflict("the meeting was cancelled", slug="meeting-state")
    return item, meeting, await committees.get_row(session, item.committee_id)


async def _open_motion(
    session: AsyncSession, item: AgendaItem, meeting: Meeting, *, actor: Principal, create: bool
) -> Motion | None:
    motion = await session.scalar(
        select(Motion)
        .where(Motion.agenda_item_id == item.id, Motion.meeting_id == meeting.id, Motion.status == "open")
        .order_by(Motion.created_at.desc())
        .limit(1)
    )
    if motion is None and create:
        motion = Motion(
            agenda_item_id=item.id,
            meeting_id=meeting.id,
            text_ko=DEFAULT_MOTION_KO,
            text_en=DEFAULT_MOTION_EN,
            status="open",
            created_by=actor.sub,
        )
        session.add(motion)
        await session.flush()
    return motion


async def open_motion(
    *, session: AsyncSession, principal: Principal, item_id: str, motion_in: MotionCreate
) -> MotionRead:
    item, meeting, committee = await _votable_item(session, item_id)
    ensure_writer(principal, committee.sgg_code)
    if await _open_motion(session, item, meeting, actor=principal, create=False) is not None:
        raise Conflict("the item already has an open motion; record its decision first", slug="motion-open")
    if motion_in.proposed_by_member_id:
        proposer = await session.get(Member, motion_in.proposed_by_member_id)
        if proposer is None or proposer.committee_id != committee.id:
            raise unprocessable("body.proposed_by_member_id", "not a member of this committee")
    motion = Motion(
        agenda_item_id=item.id,
        meeting_id=meeting.id,
        text_ko=motion_in.text_ko,
        text_en=motion_in.text_en,
        proposed_by_member_id=motion_in.proposed_by_member_id,
        status="open",
        created_by=principal.sub,
    )
    session.add(motion)
    await session.flush()
    read = await _motion_read(session, motion)
    record_audit(
        session,
        actor=principal,
        action="motion.open",
        entity_type="motion",
        entity_id=motion.id,
        sgg_code=committee.sgg_code,
        after=read.model_dump(exclude={"votes"}),
    )
    return read


async def list_motions(*, session: AsyncSession, item_id: str) -> list[MotionRead]:
    item = await _item(session, item_id)
    motions = (
        await session.execute(
            select(Motion).where(Motion.agenda_item_id == item.id).order_by(Motion.created_at, Motion.id)
        )
    ).scalars()
    return [await _motion_read(session, m) for m in motions]


async def get_motion(*, session: AsyncSession, motion_id: str) -> MotionRead:
    motion = await session.get(Motion, motion_id)
    if motion is None:
        raise NotFound(msg("no motion with id {motion_id}", motion_id=motion_id))
    return await _motion_read(session, motion)


def _ensure_may_vote(principal: Principal, committee: Committee, voters: list[Member] | None) -> None:
    """The secretariat records named votes; a member may cast only their own (token sub = user_sub)."""
    if principal.role is Role.COMMITTEE_MEMBER:
        if principal.sgg_code != committee.sgg_code:
            raise Forbidden(
                msg(
                    "a committee member of {sgg_code} may not vote in {sgg_code_2}",
                    sgg_code=principal.sgg_code,
                    sgg_code_2=committee.sgg_code,
                )
            )
        if voters is not None and any(not m.user_sub or m.user_sub != principal.sub for m in voters):
            raise Forbidden("a committee member may only cast their own vote")
        return
    ensure_writer(principal, committee.sgg_code)


async def cast_votes(
    *,
    session: AsyncSession,
    principal: Principal,
    votes_in: VotesCreate,
    item_id: str | None = None,
    motion_id: str | None = None,
) -> VotesRead:
    ensure_role(principal, *WRITER_ROLES, Role.COMMITTEE_MEMBER)
    motion_ref = motion_id or votes_in.motion_id
    explicit: Motion | None = None
    if motion_ref is not None:
        explicit = await session.get(Motion, motion_ref)
        if explicit is None:
            raise NotFound(msg("no motion with id {motion_ref}", motion_ref=motion_ref))
        if item_id is not None and explicit.agenda_item_id != item_id:
            raise unprocessable("body.motion_id", "the motion belongs to another agenda item")
        item_id = explicit.agenda_item_id
    if item_id is None:  # the routers always pass one of the two
        raise unprocessable("body.motion_id", "required")
    item, meeting, committee = await _votable_item(session, item_id)
    _ensure_may_vote(principal, committee, None)
    day = meeting_day(meeting)
    seated, ordinance = await _seated_on(session, committee.id, day)
    by_id = {m.id: m for m in seated}
    voters: list[Member] = []
    seen: set[str] = set()
    for index, vote_in in enumerate(votes_in.votes):
        if vote_in.member_id in seen:
            raise unprocessable(f"body.votes.{index}.member_id", "listed twice")
        seen.add(vote_in.member_id)
        member = by_id.get(vote_in.member_id)
        if member is None:
            raise unprocessable(
                f"body.votes.{index}.member_id",
                msg("not a seated member of this committee on {day}", day=day),
            )
        voters.append(member)
    _ensure_may_vote(principal, committee, voters)
    if explicit is not None:
        if explicit.meeting_id != meeting.id or explicit.status != "open":
            raise Conflict(
                msg(
                    "motion {explicit_id} is {status}; votes are closed",
                    explicit_id=explicit.id,
                    status=explicit.status,
                ),
                slug="motion-closed",
            )
        motion = explicit
    else:
        found = await _open_motion(session, item, meeting, actor=principal, create=True)
        if found is None:  # create=True always returns a motion
            raise Conflict("could not open a motion", slug="motion-missing")
        motion = found
    cast_at = votes_in.cast_at or now_utc()
    if cast_at > now_utc():
        raise unprocessable("body.cast_at", "votes cannot be recorded as cast in the future")
    present = await _present_members(session, meeting, ordinance, at=None)
    absent = [m.id for m in voters if m.id not in present]
    if absent:
        raise rule_conflict(
            rules.Rule.VOTER_PRESENT.value,
            "only members recorded as present (or by an allowed proxy) can vote; record attendance first",
            member_ids=absent,
        )
    recused = item_recusals(item, seated)
    warnings: list[str] = []
    in_session = meeting_session(meeting)
    if not in_session.contains(cast_at):
        when = "before the meeting started" if cast_at < in_session.starts_at else "after the meeting closed"
        warnings.append(
            f"{rules.Rule.IN_SESSION.value}: the votes are recorded as cast at {cast_at.isoformat()}, {when} "
            f"(in session {in_session.describe()}); a decision on them will be invalid"
        )
    notice = rules.notice_check(
        notice_on=meeting.notice_on, meeting_day=day, meeting_kind=meeting.kind, ordinance=ordinance
    )
    if not notice.ok:
        warnings.append(f"{notice.rule.value}: {notice.detail}; a decision of this meeting will be invalid")
    existing = {
        v.member_id: v
        for v in (await session.execute(select(Vote).where(Vote.motion_id == motion.id))).scalars()
    }
    before = {mid: existing[mid].choice for mid in seen if mid in existing}
    for vote_in, member in zip(votes_in.votes, voters, strict=True):
        is_recused = member.id in recused
        if is_recused:
            warnings.append(
                f"{member.name_ko} ({member.id}) is recused ({', '.join(recused[member.id])}); "
                "the vote is recorded and the decision will be invalid"
            )
        row = existing.get(member.id)
        if row is None:
            session.add(
                Vote(
                    motion_id=motion.id,
                    member_id=member.id,
                    choice=vote_in.choice.value,
                    recused=is_recused,
                    cast_by=principal.sub,
                    cast_at=cast_at,
                )
            )
        else:
            row.choice = vote_in.choice.value
            row.recused = is_recused
            row.cast_by = principal.sub
            row.cast_at = cast_at
    await session.flush()
    record_audit(
        session,
        actor=principal,
        action="vote.cast",
        entity_type="motion",
        entity_id=motion.id,
        sgg_code=committee.sgg_code,
        before={"votes": before} if before else None,
        after={"votes": {v.member_id: v.choice.value for v in votes_in.votes}},
    )
    return VotesRead(motion=await _motion_read(session, motion), warnings=warnings)


# --- decisions -------------------------------------------------------------------------------


async def _decision_read(session: AsyncSession, decision: Decision) -> DecisionRead:
    return DecisionRead(
        id=decision.id,
        committee_id=decision.committee_id,
        sgg_code=decision.sgg_code,
        meeting_id=decision.meeting_id,
        agenda_item_id=decision.agenda_item_id,
        motion_id=decision.motion_id,
        subject_kind=decision.subject_kind,
        subject_id=decision.subject_id,
        outcome=decision.outcome,
        valid=decision.valid,
        required_majority=decision.required_majority,
        reasons=list(decision.reasons),
        checks=[RuleCheckRead.model_validate(c) for c in decision.checks],
        tally=TallyRead(
            seated=decision.seated,
            present=decision.present,
            yes=decision.yes,
            no=decision.no,
            abstain=decision.abstain,
            recused=decision.recused,
            recused_voted=decision.recused_voted,
        ),
        recused_member_ids=list(decision.recused_member_ids),
        ordinance_id=decision.ordinance_id,
        voted_at=decision.voted_at,
        decided_at=decision.decided_at,
        votes=await _votes_read(session, decision.motion_id),
    )


async def record_decision(
    *, session: AsyncSession, principal: Principal, meeting_id: str, decision_in: DecisionCreate
) -> DecisionRead:
    meeting, committee = await _meeting_with_committee(session, meeting_id, for_update=True)
    ensure_writer(principal, committee.sgg_code)
    if meeting.status == MeetingStatus.CANCELLED.value:
        raise Conflict("the meeting was cancelled", slug="meeting-state")
    if decision_in.motion_id:
        found_motion = await session.get(Motion, decision_in.motion_id, with_for_update=True)
        if found_motion is None or found_motion.meeting_id != meeting.id:
            raise unprocessable("body.motion_id", "not a motion of this meeting")
        if decision_in.agenda_item_id and found_motion.agenda_item_id != decision_in.agenda_item_id:
            raise unprocessable("body.motion_id", "the motion belongs to another agenda item")
        motion: Motion | None = found_motion
        item = await _item(session, found_motion.agenda_item_id, for_update=True)
    else:
        assert decision_in.agenda_item_id is not None
        item = await _item(session, decision_in.agenda_item_id, for_update=True)
        if item.meeting_id != meeting.id:
            raise unprocessable("body.agenda_item_id", "not on this meeting's agenda")
        motion = await _open_motion(session, item, meeting, actor=principal, create=False)
        if motion is None:
            raise Conflict(
                "no open vote on this item at this meeting (record votes first; a decided vote is final, "
                "a new vote opens a new motion)",
                slug="motion-missing",
            )
    assert motion is not None
    if motion.status != "open":
        raise Conflict(
            msg("motion {motion_id} is already {status}", motion_id=motion.id, status=motion.status),
            slug="motion-closed",
        )
    vote_rows = list((await session.execute(select(Vote).where(Vote.motion_id == motion.id))).scalars())
    # The vote was taken when its last vote was cast, unless the secretariat says otherwise.
    voted_at = decision_in.voted_at or max((v.cast_at for v in vote_rows), default=None) or now_utc()
    vote_day = seoul_date(voted_at)
    ordinance_row = await committees.ordinance_at(session, committee.id, vote_day)
    ordinance = committees.to_rules(ordinance_row)
    seated = [
        m
        for m in await members.committee_members(session, committee.id)
        if members.facts(m).is_seated(vote_day, ordinance)
    ]
    present = await _present_members(session, meeting, ordinance, at=voted_at)
    votes = {v.member_id: rules.VoteChoice(v.choice) for v in vote_rows}
    recused = item_recusals(item, seated)
    procedure = (
        rules.notice_check(
            notice_on=meeting.notice_on,
            meeting_day=meeting_day(meeting),
            meeting_kind=meeting.kind,
            ordinance=ordinance,
        ),
        rules.session_check(
            session=meeting_session(meeting),
            cast_at={v.member_id: v.cast_at for v in vote_rows},
            voted_at=voted_at,
        ),
        rules.composition_at_vote(
            civilians=sum(1 for m in seated if ordinance.is_civilian(m.seat_kind)),
            seated=len(seated),
            ordinance=ordinance,
        ),
    )
    evaluation = rules.evaluate_decision(
        subject_kind=item.subject_kind,
        seated_ids=[m.id for m in seated],
        present_ids=present,
        votes=votes,
        recused_ids=recused.keys(),
        ordinance=ordinance,
        procedure=procedure,
    )
    decided_at = utcnow()
    decision = Decision(
        motion_id=motion.id,
        agenda_item_id=item.id,
        meeting_id=meeting.id,
        committee_id=committee.id,
        sgg_code=committee.sgg_code,
        subject_kind=item.subject_kind,
        subject_id=item.subject_id,
        outcome=evaluation.outcome,
        valid=evaluation.valid,
        required_majority=evaluation.required_majority.value,
        reasons=evaluation.reasons,
        checks=[
            {
                "rule": c.rule.value,
                "severity": c.severity.value,
                "ok": c.ok,
                "detail": c.detail,
                "member_ids": list(c.member_ids),
            }
            for c in evaluation.checks
        ],
        recused_member_ids=sorted(recused),
        seated=evaluation.tally.seated,
        present=evaluation.tally.present,
        yes=evaluation.tally.yes,
        no=evaluation.tally.no,
        abstain=evaluation.tally.abstain,
        recused=evaluation.tally.recused,
        recused_voted=evaluation.tally.recused_voted,
        ordinance_id=ordinance_row.id,
        voted_at=voted_at,
        decided_at=decided_at,
        recorded_by=principal.sub,
    )
    session.add(decision)
    motion.status = "decided"
    # Only a valid decision settles the item; after an invalid one the committee can vote again.
    if evaluation.valid:
        item.status = AgendaStatus.DECIDED.value
        item.version += 1
        item.updated_at = decided_at
    await session.flush()
    tally = evaluation.tally
    add_to_outbox(
        session,
        DecisionRecorded(
            decision_id=decision.id,
            committee_id=committee.id,
            meeting_id=meeting.id,
            sgg_code=committee.sgg_code,
            subject_kind=item.subject_kind,
            subject_id=item.subject_id,
            outcome=evaluation.outcome,
            valid=evaluation.valid,
            reasons=evaluation.reasons,
            tally=Tally(
                seated=tally.seated,
                present=tally.present,
                yes=tally.yes,
                no=tally.no,
                abstain=tally.abstain,
                recused=tally.recused,
                recused_voted=tally.recused_voted,
            ),
            decided_at=decided_at,
            agenda_item_id=item.id,
            motion_id=motion.id,
        ),
        subject=decision.id,
    )
    read = await _decision_read(session, decision)
    record_audit(
        session,
        actor=principal,
        action="decision.record",
        entity_type="decision",
        entity_id=decision.id,
        sgg_code=committee.sgg_code,
        after=read.model_dump(),
    )
    return read


async def get_decision(*, session: AsyncSession, decision_id: str) -> DecisionRead:
    decision = await session.get(Decision, decision_id)
    if decision is None:
        raise NotFound(msg("no decision with id {decision_id}", decision_id=decision_id))
    return await _decision_read(session, decision)


async def list_decisions(
    *, session: AsyncSession, committee_id: str | None = None, meeting_id: str | None = None, page: PageParams
) -> Page[DecisionRead]:
    stmt = select(Decision)
    if committee_id is not None:
        await committees.get_row(session, committee_id)
        stmt = stmt.where(Decision.committee_id == committee_id)
    if meeting_id is not None:
        await _meeting(session, meeting_id)
        stmt = stmt.where(Decision.meeting_id == meeting_id)
    stmt = keyset(stmt, sort=Decision.decided_at, tiebreak=Decision.id, page=page, parse=parse_datetime)
    rows = list((await session.execute(stmt)).scalars())
    reads = {d.id: await _decision_read(session, d) for d in rows[: page.limit]}
    return make_page(
        rows, page=page, key=lambda d: [d.decided_at.isoformat(), d.id], read=lambda d: reads[d.id]
    )


# --- minutes ---------------------------------------------------------------------------------


async def _minutes(session: AsyncSession, meeting_id: str, *, for_update: bool = False) -> Minutes | None:
    return await session.get(Minutes, meeting_id, with_for_update=for_update)


async def get_minutes(*, session: AsyncSession, principal: Principal | None, meeting_id: str) -> MinutesRead:
    meeting, committee = await _meeting_with_committee(session, meeting_id)
    minutes = await _minutes(session, meeting.id)
    # Drafts and approved-but-unpublished minutes are the secretariat's; the public sees 404.
    if minutes is None or (
        minutes.status != MinutesStatus.PUBLISHED.value and not is_secretariat(principal, committee.sgg_code)
    ):
        raise NotFound(msg("no published minutes for meeting {meeting_id}", meeting_id=meeting_id))
    return MinutesRead.model_validate(minutes)


async def create_minutes(
    *, session: AsyncSession, principal: Principal, meeting_id: str, minutes_in: MinutesWrite
) -> MinutesRead:
    meeting, committee = await _meeting_with_committee(session, meeting_id, for_update=True)
    ensure_writer(principal, committee.sgg_code)
    if meeting.status == MeetingStatus.CANCELLED.value:
        raise Conflict("the meeting was cancelled", slug="meeting-state")
    if await _minutes(session, meeting.id) is not None:
        raise Conflict("the meeting already has minutes; PUT to edit the draft", slug="minutes-exist")
    minutes = Minutes(
        meeting_id=meeting.id,
        status=MinutesStatus.DRAFT.value,
        body_ko=minutes_in.body_ko,
        body_en=minutes_in.body_en,
    )
    session.add(minutes)
    await session.flush()
    read = MinutesRead.model_validate(minutes)
    record_audit(
        session,
        actor=principal,
        action="minutes.create",
        entity_type="minutes",
        entity_id=meeting.id,
        sgg_code=committee.sgg_code,
        after=read.model_dump(),
    )
    return read


async def update_minutes(
    *,
    session: AsyncSession,
    principal: Principal,
    meeting_id: str,
    minutes_in: MinutesWrite,
    if_match: str | None,
) -> MinutesRead:
    meeting, committee = await _meeting_with_committee(session, meeting_id)
    ensure_writer(principal, committee.sgg_code)
    minutes = await _minutes(session, meeting.id, for_update=True)
    if minutes is None:
        raise NotFound(
            msg("meeting {meeting_id} has no minutes yet; POST a draft first", meeting_id=meeting_id)
        )
    check_if_match(if_match, minutes.version)
    if minutes.status != MinutesStatus.DRAFT.value:
        raise Conflict(
            msg("the minutes are {status} and can no longer be edited", status=minutes.status),
            slug="minutes-state",
        )
    before = MinutesRead.model_validate(minutes).model_dump()
    minutes.body_ko = minutes_in.body_ko
    minutes.body_en = minutes_in.body_en
    minutes.version += 1
    minutes.updated_at = utcnow()
    await session.flush()
    read = MinutesRead.model_validate(minutes)
    record_audit(
        session,
        actor=principal,
        action="minutes.update",
        entity_type="minutes",
        entity_id=meeting.id,
        sgg_code=committee.sgg_code,
        before=before,
        after=read.model_dump(),
    )
    return read


async def advance_minutes(
    *, session: AsyncSession, principal: Principal, meeting_id: str, to: MinutesStatus
) -> MinutesRead:
    """draft → approved (the meeting must have been held) → published (then public)."""
    meeting, committee = await _meeting_with_committee(session, meeting_id)
    ensure_writer(principal, committee.sgg_code)
    minutes = await _minutes(session, meeting.id, for_update=True)
    if minutes is None:
        raise NotFound(msg("meeting {meeting_id} has no minutes yet", meeting_id=meeting_id))
    expected = {MinutesStatus.APPROVED: MinutesStatus.DRAFT, MinutesStatus.PUBLISHED: MinutesStatus.APPROVED}[
        to
    ]
    if minutes.status != expected.value:
        raise Conflict(
            msg(
                "the minutes are {status}; only {expected} minutes can become {to}",
                status=minutes.status,
                expected=expected.value,
                to=to.value,
            ),
            slug="minutes-state",
        )
    if to is MinutesStatus.APPROVED and meeting.status != MeetingStatus.HELD.value:
        raise Conflict("minutes can be approved only for a meeting that was held", slug="meeting-state")
    before = MinutesRead.model_validate(minutes).model_dump()
    now = utcnow()
    minutes.status = to.value
    if to is MinutesStatus.APPROVED:
        minutes.approved_at, minutes.approved_by = now, principal.sub
    else:
        minutes.published_at, minutes.published_by = now, principal.sub
    minutes.version += 1
    minutes.updated_at = now
    await session.flush()
    read = MinutesRead.model_validate(minutes)
    record_audit(
        session,
        actor=principal,
        action=f"minutes.{'approve' if to is MinutesStatus.APPROVED else 'publish'}",
        entity_type="minutes",
        entity_id=meeting.id,
        sgg_code=committee.sgg_code,
        before=before,
        after=read.model_dump(),
    )
    return read


# --- iCalendar -------------------------------------------------------------------------------


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
