"""Where agenda items sit. An item for a committee goes to its *next* meeting — the earliest
meeting still ``scheduled`` whose start is now or later. With no such meeting the item stays
``pending``; scheduling a meeting moves every pending item of the committee onto the next meeting.
A plan submitted before its borough has a committee waits as a pending item of the borough and
joins the committee when it is established."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cg_committee.agenda.models import AgendaItem
from cg_committee.agenda.schemas import (
    AgendaStatus,
)
from cg_committee.committees.models import Committee
from cg_committee.meetings import queries as meetings
from cg_committee.meetings.models import Meeting
from cg_committee.meetings.schemas import (
    MeetingStatus,
)
from cg_committee.votes.models import Motion
from cg_shared.audit import record_audit
from cg_shared.auth import Principal
from cg_shared.db import utcnow
from cg_shared.rows import bump_version

# The placement rule as the API documents it on the routes that place items.
PLACEMENT_DOC = (
    "Pending agenda items of the committee (including plans submitted through planning while no "
    "meeting was scheduled) join the committee's next meeting: the earliest scheduled one starting now or later."
)


async def next_position(session: AsyncSession, meeting_id: str) -> int:
    current = await session.scalar(
        select(func.max(AgendaItem.position)).where(AgendaItem.meeting_id == meeting_id)
    )
    return int(current) + 1 if current is not None else 1


async def place(session: AsyncSession, item: AgendaItem, meeting: Meeting | None) -> None:
    if meeting is None:
        item.meeting_id = None
        item.status = AgendaStatus.PENDING.value
        return
    item.meeting_id = meeting.id
    item.position = await next_position(session, meeting.id)
    item.status = AgendaStatus.SCHEDULED.value


async def attach_pending(session: AsyncSession, committee_id: str, *, actor: Principal | str) -> list[str]:
    target = await meetings.next_meeting(session, committee_id, now=utcnow())
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
        await place(session, item, target)
        bump_version(item)
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


async def move_to_next_meeting(session: AsyncSession, item: AgendaItem, committee_id: str) -> None:
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
    await place(session, item, await meetings.next_meeting(session, committee_id, now=now))


async def reassign_undecided(
    session: AsyncSession, meeting: Meeting, committee: Committee, *, actor: Principal
) -> None:
    """A cancelled meeting's open items move to the next meeting (or back to pending)."""
    target = await meetings.next_meeting(session, committee.id, now=utcnow())
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
        await place(session, item, target)
        bump_version(item)
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
