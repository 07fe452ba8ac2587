"""Decisions: load the facts once, evaluate the pure rule (``rules.evaluate_decision``), commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cg_committee import rules
from cg_committee.agenda import service as agenda
from cg_committee.agenda.models import AgendaItem
from cg_committee.agenda.schemas import (
    AgendaStatus,
)
from cg_committee.committees import service as committees
from cg_committee.committees.models import Committee, OrdinanceVersion
from cg_committee.common import ensure_writer, unprocessable
from cg_committee.decisions.models import Decision
from cg_committee.decisions.schemas import DecisionCreate, DecisionRead, TallyRead
from cg_committee.meetings import queries as meetings
from cg_committee.meetings.models import Meeting
from cg_committee.meetings.schemas import (
    MeetingStatus,
)
from cg_committee.members import service as members
from cg_committee.members.models import Member
from cg_committee.members.schemas import RuleCheckRead
from cg_committee.votes import service as voting
from cg_committee.votes.models import Motion, Vote
from cg_shared.audit import record_audit
from cg_shared.auth import Principal
from cg_shared.clock import now_utc, seoul_date
from cg_shared.db import utcnow
from cg_shared.events.committee import DecisionRecorded, Tally
from cg_shared.http import Conflict, Page, PageParams
from cg_shared.i18n import msg
from cg_shared.messaging import add_to_outbox
from cg_shared.paging import keyset, make_page, parse_datetime
from cg_shared.rows import bump_version, get_or_404


async def to_read(session: AsyncSession, decision: Decision) -> DecisionRead:
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
        votes=await voting.votes_read(session, decision.motion_id),
    )


@dataclass(frozen=True)
class DecisionFacts:
    """Everything the decision rule needs, loaded once (and locked where it will change)."""

    meeting: Meeting
    committee: Committee
    motion: Motion
    item: AgendaItem
    vote_rows: list[Vote]
    voted_at: datetime
    ordinance_row: OrdinanceVersion
    ordinance: rules.Ordinance
    seated: list[Member]
    present: set[str]
    recused: dict[str, tuple[str, ...]]


async def _decided_motion(
    session: AsyncSession, principal: Principal, meeting: Meeting, decision_in: DecisionCreate
) -> tuple[Motion, AgendaItem]:
    """The open motion the decision closes, named directly or found through its agenda item."""
    if decision_in.motion_id:
        found_motion = await session.get(Motion, decision_in.motion_id, with_for_update=True)
        if found_motion is None or found_motion.meeting_id != meeting.id:
            raise unprocessable("body.motion_id", "not a motion of this meeting")
        if decision_in.agenda_item_id and found_motion.agenda_item_id != decision_in.agenda_item_id:
            raise unprocessable("body.motion_id", "the motion belongs to another agenda item")
        motion: Motion | None = found_motion
        item = await agenda.get_row(session, found_motion.agenda_item_id, for_update=True)
    else:
        assert decision_in.agenda_item_id is not None
        item = await agenda.get_row(session, decision_in.agenda_item_id, for_update=True)
        if item.meeting_id != meeting.id:
            raise unprocessable("body.agenda_item_id", "not on this meeting's agenda")
        motion = await voting.open_motion_row(session, item, meeting, actor=principal, create=False)
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
    return motion, item


async def _load_facts(
    session: AsyncSession, principal: Principal, meeting_id: str, decision_in: DecisionCreate
) -> DecisionFacts:
    meeting, committee = await meetings.get_with_committee(session, meeting_id, for_update=True)
    ensure_writer(principal, committee.sgg_code)
    if meeting.status == MeetingStatus.CANCELLED.value:
        raise Conflict("the meeting was cancelled", slug="meeting-state")
    motion, item = await _decided_motion(session, principal, meeting, decision_in)
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
    return DecisionFacts(
        meeting=meeting,
        committee=committee,
        motion=motion,
        item=item,
        vote_rows=vote_rows,
        voted_at=voted_at,
        ordinance_row=ordinance_row,
        ordinance=ordinance,
        seated=seated,
        present=await meetings.present_members(session, meeting, ordinance, at=voted_at),
        recused=agenda.item_recusals(item, seated),
    )


def _evaluate(facts: DecisionFacts) -> rules.DecisionEvaluation:
    """The pure part: procedure checks and the decision rule on the loaded facts."""
    ordinance, meeting, seated = facts.ordinance, facts.meeting, facts.seated
    procedure = (
        rules.notice_check(
            notice_on=meeting.notice_on,
            meeting_day=meetings.meeting_day(meeting),
            meeting_kind=meeting.kind,
            ordinance=ordinance,
        ),
        rules.session_check(
            session=meetings.meeting_session(meeting),
            cast_at={v.member_id: v.cast_at for v in facts.vote_rows},
            voted_at=facts.voted_at,
        ),
        rules.composition_at_vote(
            civilians=sum(1 for m in seated if ordinance.is_civilian(m.seat_kind)),
            seated=len(seated),
            ordinance=ordinance,
        ),
    )
    return rules.evaluate_decision(
        subject_kind=facts.item.subject_kind,
        seated_ids=[m.id for m in seated],
        present_ids=facts.present,
        votes={v.member_id: rules.VoteChoice(v.choice) for v in facts.vote_rows},
        recused_ids=facts.recused.keys(),
        ordinance=ordinance,
        procedure=procedure,
    )


def _decision_row(
    facts: DecisionFacts, evaluation: rules.DecisionEvaluation, *, decided_at: datetime, actor: str
) -> Decision:
    tally = evaluation.tally
    return Decision(
        motion_id=facts.motion.id,
        agenda_item_id=facts.item.id,
        meeting_id=facts.meeting.id,
        committee_id=facts.committee.id,
        sgg_code=facts.committee.sgg_code,
        subject_kind=facts.item.subject_kind,
        subject_id=facts.item.subject_id,
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
        recused_member_ids=sorted(facts.recused),
        seated=tally.seated,
        present=tally.present,
        yes=tally.yes,
        no=tally.no,
        abstain=tally.abstain,
        recused=tally.recused,
        recused_voted=tally.recused_voted,
        ordinance_id=facts.ordinance_row.id,
        voted_at=facts.voted_at,
        decided_at=decided_at,
        recorded_by=actor,
    )


def _recorded_event(decision: Decision, evaluation: rules.DecisionEvaluation) -> DecisionRecorded:
    tally = evaluation.tally
    return DecisionRecorded(
        decision_id=decision.id,
        committee_id=decision.committee_id,
        meeting_id=decision.meeting_id,
        sgg_code=decision.sgg_code,
        subject_kind=decision.subject_kind,
        subject_id=decision.subject_id,
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
        decided_at=decision.decided_at,
        agenda_item_id=decision.agenda_item_id,
        motion_id=decision.motion_id,
    )


async def record_decision(
    *, session: AsyncSession, principal: Principal, meeting_id: str, decision_in: DecisionCreate
) -> DecisionRead:
    """Load the facts once → evaluate the pure rule → commit (row, item state, event, audit)."""
    facts = await _load_facts(session, principal, meeting_id, decision_in)
    evaluation = _evaluate(facts)
    decided_at = utcnow()
    decision = _decision_row(facts, evaluation, decided_at=decided_at, actor=principal.sub)
    session.add(decision)
    facts.motion.status = "decided"
    # Only a valid decision settles the item; after an invalid one the committee can vote again.
    if evaluation.valid:
        facts.item.status = AgendaStatus.DECIDED.value
        bump_version(facts.item, at=decided_at)
    await session.flush()
    add_to_outbox(session, _recorded_event(decision, evaluation), subject=decision.id)
    read = await to_read(session, decision)
    record_audit(
        session,
        actor=principal,
        action="decision.record",
        entity_type="decision",
        entity_id=decision.id,
        sgg_code=facts.committee.sgg_code,
        after=read.model_dump(),
    )
    return read


async def get_decision(*, session: AsyncSession, decision_id: str) -> DecisionRead:
    decision = await get_or_404(
        session, Decision, decision_id, msg("no decision with id {decision_id}", decision_id=decision_id)
    )
    return await to_read(session, decision)


async def list_decisions(
    *, session: AsyncSession, committee_id: str | None = None, meeting_id: str | None = None, page: PageParams
) -> Page[DecisionRead]:
    stmt = select(Decision)
    if committee_id is not None:
        await committees.get_row(session, committee_id)
        stmt = stmt.where(Decision.committee_id == committee_id)
    if meeting_id is not None:
        await meetings.get_row(session, meeting_id)
        stmt = stmt.where(Decision.meeting_id == meeting_id)
    stmt = keyset(stmt, sort=Decision.decided_at, tiebreak=Decision.id, page=page, parse=parse_datetime)
    rows = list((await session.execute(stmt)).scalars())
    reads = {d.id: await to_read(session, d) for d in rows[: page.limit]}
    return make_page(
        rows, page=page, key=lambda d: [d.decided_at.isoformat(), d.id], read=lambda d: reads[d.id]
    )
