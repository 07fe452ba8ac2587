"""Motions and named votes."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cg_committee import rules
from cg_committee.agenda import service as agenda
from cg_committee.agenda.models import AgendaItem
from cg_committee.agenda.schemas import (
    AgendaStatus,
)
from cg_committee.committees import service as committees
from cg_committee.committees.models import Committee
from cg_committee.common import (
    WRITER_ROLES,
    ensure_writer,
    rule_conflict,
    unprocessable,
)
from cg_committee.decisions.models import Decision
from cg_committee.meetings import queries as meetings
from cg_committee.meetings.models import Meeting
from cg_committee.meetings.schemas import (
    MeetingStatus,
)
from cg_committee.members import seats
from cg_committee.members.models import Member
from cg_committee.votes.models import Motion, Vote
from cg_committee.votes.schemas import MotionCreate, MotionRead, VoteRead, VotesCreate, VotesRead
from cg_shared.audit import record_audit
from cg_shared.auth import Principal, Role, ensure_role
from cg_shared.clock import now_utc
from cg_shared.http import Conflict, Forbidden
from cg_shared.i18n import msg
from cg_shared.rows import get_or_404

DEFAULT_MOTION_KO = "원안대로 가결한다"
DEFAULT_MOTION_EN = "Adopt as proposed"


async def votes_read(session: AsyncSession, motion_id: str) -> list[VoteRead]:
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


async def to_read(session: AsyncSession, motion: Motion) -> MotionRead:
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
        votes=await votes_read(session, motion.id),
    )


async def _votable_item(session: AsyncSession, item_id: str) -> tuple[AgendaItem, Meeting, Committee]:
    item = await agenda.get_row(session, item_id, for_update=True)
    if item.meeting_id is None or item.committee_id is None:
        raise Conflict("the agenda item is not on a meeting yet", slug="agenda-item-state")
    if item.status != AgendaStatus.SCHEDULED.value:
        raise Conflict(msg("the agenda item is {status}", status=item.status), slug="agenda-item-state")
    meeting = await meetings.get_row(session, item.meeting_id)
    if meeting.status == MeetingStatus.CANCELLED.value:
        raise Conflict("the meeting was cancelled", slug="meeting-state")
    return item, meeting, await committees.get_row(session, item.committee_id)


async def open_motion_row(
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
    if await open_motion_row(session, item, meeting, actor=principal, create=False) is not None:
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
    read = await to_read(session, motion)
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
    item = await agenda.get_row(session, item_id)
    motions = (
        await session.execute(
            select(Motion).where(Motion.agenda_item_id == item.id).order_by(Motion.created_at, Motion.id)
        )
    ).scalars()
    return [await to_read(session, m) for m in motions]


async def get_motion(*, session: AsyncSession, motion_id: str) -> MotionRead:
    motion = await get_or_404(
        session, Motion, motion_id, msg("no motion with id {motion_id}", motion_id=motion_id)
    )
    return await to_read(session, motion)


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


async def _named_motion(
    session: AsyncSession, votes_in: VotesCreate, item_id: str | None, motion_id: str | None
) -> tuple[Motion | None, str]:
    """The motion named by the path or the body (if any) and the agenda item the votes are on."""
    motion_ref = motion_id or votes_in.motion_id
    explicit: Motion | None = None
    if motion_ref is not None:
        explicit = await get_or_404(
            session, Motion, motion_ref, msg("no motion with id {motion_ref}", motion_ref=motion_ref)
        )
        if item_id is not None and explicit.agenda_item_id != item_id:
            raise unprocessable("body.motion_id", "the motion belongs to another agenda item")
        item_id = explicit.agenda_item_id
    if item_id is None:  # the routers always pass one of the two
        raise unprocessable("body.motion_id", "required")
    return explicit, item_id


def _voters(votes_in: VotesCreate, seated: list[Member], day: date) -> list[Member]:
    """The seated member behind each vote, in the order given; 422 naming the vote otherwise."""
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
    return voters


async def _motion_to_vote_on(
    session: AsyncSession, explicit: Motion | None, item: AgendaItem, meeting: Meeting, *, actor: Principal
) -> Motion:
    """The named motion while it is open at this meeting, else the item's open motion (opened if none)."""
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
        return explicit
    found = await open_motion_row(session, item, meeting, actor=actor, create=True)
    if found is None:  # create=True always returns a motion
        raise Conflict("could not open a motion", slug="motion-missing")
    return found


def _procedure_warnings(
    meeting: Meeting, day: date, ordinance: rules.Ordinance, cast_at: datetime
) -> list[str]:
    """Votes outside the session or at a meeting without due notice are kept, with a warning."""
    warnings: list[str] = []
    in_session = meetings.meeting_session(meeting)
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
    return warnings


async def _store_votes(
    session: AsyncSession,
    motion: Motion,
    votes_in: VotesCreate,
    voters: list[Member],
    recused: dict[str, tuple[str, ...]],
    *,
    cast_by: str,
    cast_at: datetime,
    warnings: list[str],
) -> dict[str, str]:
    """Insert or replace each member's vote; returns the choices they replaced (for the audit)."""
    existing = {
        v.member_id: v
        for v in (await session.execute(select(Vote).where(Vote.motion_id == motion.id))).scalars()
    }
    before = {m.id: existing[m.id].choice for m in voters if m.id in existing}
    for vote_in, member in zip(votes_in.votes, voters, strict=True):
        is_recused = member.id in recused
        if is_recused:
            warnings.append(
                f"{member.name_ko} ({member.id}) is recused ({', '.join(recused[member.id])}); "
                "the vote is recorded and the decision will be invalid"
            )
        row = existing.get(member.id)
        if row is None:
            row = Vote(motion_id=motion.id, member_id=member.id)
            session.add(row)
        row.choice = vote_in.choice.value
        row.recused = is_recused
        row.cast_by = cast_by
        row.cast_at = cast_at
    await session.flush()
    return before


async def cast_votes(
    *,
    session: AsyncSession,
    principal: Principal,
    votes_in: VotesCreate,
    item_id: str | None = None,
    motion_id: str | None = None,
) -> VotesRead:
    ensure_role(principal, *WRITER_ROLES, Role.COMMITTEE_MEMBER)
    explicit, item_id = await _named_motion(session, votes_in, item_id, motion_id)
    item, meeting, committee = await _votable_item(session, item_id)
    _ensure_may_vote(principal, committee, None)
    day = meetings.meeting_day(meeting)
    seated, ordinance = await seats.seated_on(session, committee.id, day)
    voters = _voters(votes_in, seated, day)
    _ensure_may_vote(principal, committee, voters)
    motion = await _motion_to_vote_on(session, explicit, item, meeting, actor=principal)
    cast_at = votes_in.cast_at or now_utc()
    if cast_at > now_utc():
        raise unprocessable("body.cast_at", "votes cannot be recorded as cast in the future")
    present = await meetings.present_members(session, meeting, ordinance, at=None)
    absent = [m.id for m in voters if m.id not in present]
    if absent:
        raise rule_conflict(
            rules.Rule.VOTER_PRESENT.value,
            "only members recorded as present (or by an allowed proxy) can vote; record attendance first",
            member_ids=absent,
        )
    warnings = _procedure_warnings(meeting, day, ordinance, cast_at)
    recused = agenda.item_recusals(item, seated)
    before = await _store_votes(
        session, motion, votes_in, voters, recused, cast_by=principal.sub, cast_at=cast_at, warnings=warnings
    )
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
    return VotesRead(motion=await to_read(session, motion), warnings=warnings)
