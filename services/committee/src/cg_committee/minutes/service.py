"""Minutes: draft → approved (the meeting was held) → published (then public)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from cg_committee.common import (
    ensure_writer,
    is_secretariat,
)
from cg_committee.meetings import queries as meetings
from cg_committee.meetings.schemas import (
    MeetingStatus,
)
from cg_committee.minutes.models import Minutes
from cg_committee.minutes.schemas import MinutesRead, MinutesStatus, MinutesWrite
from cg_shared.audit import record_audit
from cg_shared.auth import Principal
from cg_shared.db import utcnow
from cg_shared.http import Conflict, NotFound, check_if_match
from cg_shared.i18n import msg
from cg_shared.rows import bump_version


async def get_row(session: AsyncSession, meeting_id: str, *, for_update: bool = False) -> Minutes | None:
    return await session.get(Minutes, meeting_id, with_for_update=for_update)


async def get_minutes(*, session: AsyncSession, principal: Principal | None, meeting_id: str) -> MinutesRead:
    meeting, committee = await meetings.get_with_committee(session, meeting_id)
    minutes = await get_row(session, meeting.id)
    # Drafts and approved-but-unpublished minutes are the secretariat's; the public sees 404.
    if minutes is None or (
        minutes.status != MinutesStatus.PUBLISHED.value and not is_secretariat(principal, committee.sgg_code)
    ):
        raise NotFound(msg("no published minutes for meeting {meeting_id}", meeting_id=meeting_id))
    return MinutesRead.model_validate(minutes)


async def create_minutes(
    *, session: AsyncSession, principal: Principal, meeting_id: str, minutes_in: MinutesWrite
) -> MinutesRead:
    meeting, committee = await meetings.get_with_committee(session, meeting_id, for_update=True)
    ensure_writer(principal, committee.sgg_code)
    if meeting.status == MeetingStatus.CANCELLED.value:
        raise Conflict("the meeting was cancelled", slug="meeting-state")
    if await get_row(session, meeting.id) is not None:
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
    meeting, committee = await meetings.get_with_committee(session, meeting_id)
    ensure_writer(principal, committee.sgg_code)
    minutes = await get_row(session, meeting.id, for_update=True)
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
    bump_version(minutes)
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
    meeting, committee = await meetings.get_with_committee(session, meeting_id)
    ensure_writer(principal, committee.sgg_code)
    minutes = await get_row(session, meeting.id, for_update=True)
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
    bump_version(minutes, at=now)
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
