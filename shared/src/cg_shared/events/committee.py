"""Events produced by the committee service."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from cg_shared.events import topics
from cg_shared.events.envelope import EventPayload, event_type


@event_type(
    "kr.seoul.cg.committee.committee.established.v1",
    topic=topics.COMMITTEE_COMMITTEE,
    description="A borough's CG committee (민관협치위원회) was established.",
)
class CommitteeEstablished(EventPayload):
    committee_id: str
    sgg_code: str
    name_ko: str
    name_en: str = ""


@event_type(
    "kr.seoul.cg.committee.member.appointed.v1",
    topic=topics.COMMITTEE_MEMBER,
    description="A member was appointed to a seat.",
)
class MemberAppointed(EventPayload):
    committee_id: str
    member_id: str
    sgg_code: str
    seat_kind: str
    term_start: date
    # Additive relaxation: none for an ex-officio member (seated while in office, no fixed term).
    term_end: date | None = None
    renewals: int = 0  # additive: 0 for a first appointment, n for the n-th renewal (re-appointment)
    ex_officio: bool = False  # additive: seated by virtue of an office (당연직)


@event_type(
    "kr.seoul.cg.committee.member.term_ended.v1",
    topic=topics.COMMITTEE_MEMBER,
    description="A member's term ended (carry_over=true when they serve on until replaced).",
)
class MemberTermEnded(EventPayload):
    committee_id: str
    member_id: str
    sgg_code: str
    term_end: date
    carry_over: bool


@event_type(
    "kr.seoul.cg.committee.meeting.scheduled.v1",
    topic=topics.COMMITTEE_MEETING,
    description="A committee meeting was scheduled with public notice.",
)
class MeetingScheduled(EventPayload):
    committee_id: str
    meeting_id: str
    sgg_code: str
    starts_at: datetime
    location: str = ""


@event_type(
    "kr.seoul.cg.committee.meeting.held.v1",
    topic=topics.COMMITTEE_MEETING,
    description="A meeting took place; attendance figures.",
)
class MeetingHeld(EventPayload):
    committee_id: str
    meeting_id: str
    sgg_code: str
    seated_count: int
    present_count: int


class Tally(BaseModel):
    model_config = ConfigDict(frozen=True)
    seated: int
    present: int
    yes: int
    no: int
    abstain: int
    recused: int = 0
    recused_voted: int = 0


@event_type(
    "kr.seoul.cg.committee.decision.recorded.v1",
    topic=topics.COMMITTEE_DECISION,
    description=(
        "A committee decision with its computed validity. Planning adopts a plan only on "
        "outcome=adopted and valid=true; anything else sends it to revision."
    ),
)
class DecisionRecorded(EventPayload):
    decision_id: str
    committee_id: str
    meeting_id: str
    sgg_code: str
    subject_kind: str  # plan | agenda | ordinance | other
    subject_id: str | None = None  # e.g. the plan id when subject_kind == "plan"
    outcome: str  # adopted | rejected
    valid: bool
    reasons: list[str] = []
    tally: Tally
    decided_at: datetime
    # Additive: where in the committee's record the decision sits.
    agenda_item_id: str | None = None
    motion_id: str | None = None


class TraineeCount(BaseModel):
    model_config = ConfigDict(frozen=True)
    participant_kind: str  # committee_member | resident | official | coordinator
    participants: int
    person_hours: float


@event_type(
    "kr.seoul.cg.committee.capacity_training.recorded.v1",
    topic=topics.COMMITTEE_COMMITTEE,
    description=(
        "Participants of a capacity-building activity (민관협치 교육, 주민자치학교 …) of a borough were "
        "recorded: the 'starting conditions' evidence of the CG assessment rubric."
    ),
)
class CapacityTrainingRecorded(EventPayload):
    activity_id: str
    sgg_code: str
    kind: str
    title_ko: str
    held_on: date
    hours: float
    trainees: list[TraineeCount] = []
