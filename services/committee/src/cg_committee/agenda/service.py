"""Agenda item use cases: items added by the secretariat and items from planning's PlanSubmitted; recusal per item."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cg_committee import rules
from cg_committee.agenda import placement
from cg_committee.agenda.models import AgendaItem
from cg_committee.agenda.schemas import (
    AgendaItemCreate,
    AgendaItemRead,
    AgendaItemUpdate,
    AgendaOrigin,
    AgendaStatus,
    RecusalRead,
)
from cg_committee.committees import service as committees
from cg_committee.committees.models import Committee
from cg_committee.common import ensure_writer, unprocessable
from cg_committee.meetings import queries as meetings
from cg_committee.meetings.models import Meeting
from cg_committee.meetings.schemas import (
    MeetingStatus,
)
from cg_committee.members import seats
from cg_committee.members import service as members
from cg_committee.members.models import Member
from cg_committee.working_groups.models import WorkingGroup
from cg_shared.audit import record_audit
from cg_shared.auth import Principal
from cg_shared.clock import today_seoul
from cg_shared.db import utcnow
from cg_shared.districts import DISTRICTS
from cg_shared.events import CloudEvent
from cg_shared.events.planning import PlanSubmitted
from cg_shared.http import Conflict, Page, PageParams, check_if_match
from cg_shared.i18n import msg
from cg_shared.paging import keyset, make_page, parse_datetime
from cg_shared.rows import bump_version, get_or_404

PLANNING_ACTOR = "system:planning.plan.submitted"
OPEN_ITEM_STATUSES = (AgendaStatus.PENDING.value, AgendaStatus.SCHEDULED.value)


async def get_row(session: AsyncSession, item_id: str, *, for_update: bool = False) -> AgendaItem:
    return await get_or_404(
        session,
        AgendaItem,
        item_id,
        msg("no agenda item with id {item_id}", item_id=item_id),
        for_update=for_update,
    )


async def _resubmitted(
    session: AsyncSession,
    item: AgendaItem,
    committee: Committee | None,
    *,
    event: CloudEvent,
    payload: PlanSubmitted,
) -> None:
    """A plan resubmitted while its item is undecided refreshes that item (and goes before the
    committee again) instead of adding a second one."""
    before = audit_view(item)
    item.title_ko = payload.title_ko[:300]
    item.title_en = payload.title_en[:300]
    item.description = _plan_description(payload)
    item.applicant_organisations = list(payload.applicant_organisations)
    item.partner_organisations = list(payload.partner_organisations)
    if committee is not None:
        await placement.move_to_next_meeting(session, item, committee.id)
    bump_version(item)
    record_audit(
        session,
        actor=PLANNING_ACTOR,
        action="agenda_item.resubmitted",
        entity_type="agenda_item",
        entity_id=item.id,
        sgg_code=payload.sgg_code,
        before=before,
        after={**audit_view(item), "event_id": event.id},
    )


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
    if open_item is not None:
        await _resubmitted(session, open_item, committee, event=event, payload=payload)
        return open_item
    item = AgendaItem(
        committee_id=committee.id if committee else None,
        sgg_code=payload.sgg_code,
        title_ko=payload.title_ko[:300],
        title_en=payload.title_en[:300],
        description=_plan_description(payload),
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
        await placement.place(session, item, await meetings.next_meeting(session, committee.id, now=utcnow()))
    await session.flush()
    record_audit(
        session,
        actor=PLANNING_ACTOR,
        action="agenda_item.create_from_plan",
        entity_type="agenda_item",
        entity_id=item.id,
        sgg_code=payload.sgg_code,
        after={**audit_view(item), "event_id": event.id},
    )
    return item


def _plan_description(payload: PlanSubmitted) -> str:
    kind = {"master": "기본계획", "annual": "실행계획"}.get(payload.kind, payload.kind)
    year = f"{payload.fiscal_year}년 " if payload.fiscal_year else ""
    return f"{year}{kind} 심의 (계획 항목 {payload.item_count}건, 제출 {payload.submitted_at.isoformat()})"


def audit_view(item: AgendaItem) -> dict[str, Any]:
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


def subject_organisations(item: AgendaItem) -> list[str]:
    return [*(item.applicant_organisations or []), *(item.partner_organisations or [])]


def item_recusals(item: AgendaItem, people: Iterable[Member]) -> dict[str, tuple[str, ...]]:
    return rules.recusals((members.facts(m) for m in people), subject_organisations(item))


async def to_read(
    session: AsyncSession, item: AgendaItem, seated: list[Member] | None = None
) -> AgendaItemRead:
    if seated is None and item.committee_id is not None:
        seated, _ = await seats.seated_on(session, item.committee_id, today_seoul())
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
    await placement.place(session, item, meeting)
    await session.flush()
    record_audit(
        session,
        actor=principal,
        action="agenda_item.create",
        entity_type="agenda_item",
        entity_id=item.id,
        sgg_code=committee.sgg_code,
        after=audit_view(item),
    )
    return item


async def add_agenda_item(
    *, session: AsyncSession, principal: Principal, meeting_id: str, item_in: AgendaItemCreate
) -> AgendaItemRead:
    meeting, committee = await meetings.get_with_committee(session, meeting_id, for_update=True)
    ensure_writer(principal, committee.sgg_code)
    if meeting.status == MeetingStatus.CANCELLED.value:
        raise Conflict("the meeting was cancelled", slug="meeting-state")
    item = await _new_item(
        session, committee=committee, principal=principal, item_in=item_in, meeting=meeting
    )
    return await to_read(session, item)


async def add_pending_agenda_item(
    *, session: AsyncSession, principal: Principal, committee_id: str, item_in: AgendaItemCreate
) -> AgendaItemRead:
    """An item for the committee's next meeting (pending until one is scheduled)."""
    committee = await committees.get_row(session, committee_id, for_update=True)
    ensure_writer(principal, committee.sgg_code)
    target = await meetings.next_meeting(session, committee.id, now=utcnow())
    item = await _new_item(session, committee=committee, principal=principal, item_in=item_in, meeting=target)
    return await to_read(session, item)


async def get_agenda_item(*, session: AsyncSession, item_id: str) -> AgendaItemRead:
    return await to_read(session, await get_row(session, item_id))


async def list_meeting_agenda(*, session: AsyncSession, meeting_id: str) -> list[AgendaItemRead]:
    meeting, committee = await meetings.get_with_committee(session, meeting_id)
    seated, _ = await seats.seated_on(session, committee.id, meetings.meeting_day(meeting))
    items = (
        await session.execute(
            select(AgendaItem)
            .where(AgendaItem.meeting_id == meeting.id)
            .order_by(AgendaItem.position, AgendaItem.created_at, AgendaItem.id)
        )
    ).scalars()
    return [await to_read(session, i, seated) for i in items]


async def list_committee_agenda(
    *, session: AsyncSession, committee_id: str, status: AgendaStatus | None, page: PageParams
) -> Page[AgendaItemRead]:
    await committees.get_row(session, committee_id)
    seated, _ = await seats.seated_on(session, committee_id, today_seoul())
    stmt = select(AgendaItem).where(AgendaItem.committee_id == committee_id)
    if status is not None:
        stmt = stmt.where(AgendaItem.status == status.value)
    stmt = keyset(stmt, sort=AgendaItem.created_at, tiebreak=AgendaItem.id, page=page, parse=parse_datetime)
    rows = list((await session.execute(stmt)).scalars())
    reads = {i.id: await to_read(session, i, seated) for i in rows[: page.limit]}
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
    item = await get_row(session, item_id, for_update=True)
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
    before = audit_view(item)
    data = item_in.model_dump(exclude_unset=True)
    if "meeting_id" in data:
        target_id = data.pop("meeting_id")
        if target_id is None:
            await placement.place(session, item, None)
        elif target_id != item.meeting_id:
            target = await session.get(Meeting, target_id)
            if target is None or target.committee_id != committee.id:
                raise unprocessable("body.meeting_id", "not a meeting of this committee")
            if target.status != MeetingStatus.SCHEDULED.value:
                raise Conflict(
                    msg("meeting {target_id} is {status}", target_id=target.id, status=target.status),
                    slug="meeting-state",
                )
            await placement.place(session, item, target)
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
    bump_version(item)
    await session.flush()
    record_audit(
        session,
        actor=principal,
        action="agenda_item.update",
        entity_type="agenda_item",
        entity_id=item.id,
        sgg_code=committee.sgg_code,
        before=before,
        after=audit_view(item),
    )
    return await to_read(session, item)
