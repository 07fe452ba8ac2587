"""Pydantic models of the meetings API: meetings, agenda items, attendance, motions, votes,
decisions and minutes."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from cg_committee.common import LongText, Organisations, RefId, SaneDate, ShortText, Title
from cg_committee.members.schemas import RuleCheckRead
from cg_committee.rules import AttendanceStatus, SeatKind, SubjectKind, VoteChoice


def _sane_moment(value: datetime) -> datetime:
    if not 1990 <= value.year <= 2200:
        raise ValueError("timestamp must be between 1990 and 2200")
    return value


Moment = Annotated[AwareDatetime, AfterValidator(_sane_moment), Field(examples=["2027-03-12T14:00:00+09:00"])]
MemberId = RefId  # any row reference in a body (member, motion, agenda item …)


class MeetingKind(StrEnum):
    REGULAR = "regular"  # 정기회
    EXTRAORDINARY = "extraordinary"  # 임시회


class MeetingStatus(StrEnum):
    SCHEDULED = "scheduled"
    HELD = "held"
    CANCELLED = "cancelled"


class AgendaOrigin(StrEnum):
    CIVILIAN = "civilian"  # raised by a civilian member, a resident or a civic group
    PUBLIC = "public"  # raised by the borough administration, a councillor or an official member
    PLANNING = "planning"  # a plan submitted through the planning service


class AgendaStatus(StrEnum):
    PENDING = "pending"  # waiting for a meeting
    SCHEDULED = "scheduled"  # on a meeting's agenda
    DECIDED = "decided"  # a valid decision was recorded
    WITHDRAWN = "withdrawn"


class MinutesStatus(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    PUBLISHED = "published"


# --- meetings --------------------------------------------------------------------------------


class MeetingCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "title_ko": "2027년 제3차 성동구 민관협치위원회 정기회의",
                    "kind": "regular",
                    "starts_at": "2027-08-20T14:00:00+09:00",
                    "ends_at": "2027-08-20T16:00:00+09:00",
                    "location": "성동구청 3층 대회의실",
                    "notice_on": "2027-08-10",
                }
            ]
        },
    )
    title_ko: Title
    title_en: ShortText = ""
    kind: MeetingKind = MeetingKind.REGULAR
    starts_at: Moment
    ends_at: Moment | None = None
    location: ShortText = ""
    notice_on: SaneDate | None = Field(default=None, description="Public notice date; default today")

    @model_validator(mode="after")
    def _ordered(self) -> MeetingCreate:
        if self.ends_at is not None and self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class MeetingUpdate(BaseModel):
    """Reschedule, rename, or move the meeting to ``held`` / ``cancelled``."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"status": "held"}]})
    title_ko: Title | None = None
    title_en: ShortText | None = None
    starts_at: Moment | None = None
    ends_at: Moment | None = None
    location: ShortText | None = None
    notice_on: SaneDate | None = None
    status: MeetingStatus | None = None


class MeetingRead(BaseModel):
    id: str
    committee_id: str
    sgg_code: str
    title_ko: str
    title_en: str
    kind: MeetingKind
    starts_at: datetime
    ends_at: datetime | None
    location: str
    notice_on: date
    notice_days_before: int = Field(description="Days between the public notice and the meeting day")
    notice_required_days: int = Field(
        description="Days of notice the ordinance requires for this kind of meeting (regular or extraordinary)"
    )
    notice_sufficient: bool = Field(
        description="notice_days_before ≥ notice_required_days; without it no decision of the meeting is valid"
    )
    status: MeetingStatus
    held_at: datetime | None
    version: int
    created_at: datetime


# --- attendance ------------------------------------------------------------------------------


class AttendanceEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    member_id: MemberId
    status: AttendanceStatus
    proxy_holder: ShortText = Field(default="", description="Who held the proxy (only for status=proxy)")
    arrived_at: Moment | None = Field(default=None, description="Late arrival: counts from this time")
    left_at: Moment | None = Field(default=None, description="Early departure: counts until this time")

    @model_validator(mode="after")
    def _ordered(self) -> AttendanceEntry:
        if self.arrived_at and self.left_at and self.left_at <= self.arrived_at:
            raise ValueError("left_at must be after arrived_at")
        return self


class AttendanceUpdate(BaseModel):
    """The full attendance list of the meeting (members not listed are recorded as not present)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "entries": [
                        {"member_id": "<member id>", "status": "present"},
                        {"member_id": "<member id>", "status": "absent"},
                    ]
                }
            ]
        },
    )
    entries: list[AttendanceEntry] = Field(max_length=300)


class AttendanceEntryRead(BaseModel):
    member_id: str
    name_ko: str
    seat_kind: SeatKind
    status: AttendanceStatus
    proxy_holder: str
    arrived_at: datetime | None
    left_at: datetime | None
    counts_as_present: bool


class AttendanceRead(BaseModel):
    meeting_id: str
    version: int = Field(description="The meeting's version (send it as If-Match to change attendance)")
    seated_count: int
    present_count: int
    quorum_required: int
    quorum_met: bool = Field(description="Whole-meeting attendance; each vote re-checks at its own time")
    entries: list[AttendanceEntryRead]


# --- agenda items ----------------------------------------------------------------------------


class AgendaItemCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "title_ko": "마을돌봄 공동체 지원사업 협약(안)",
                    "subject_kind": "agenda",
                    "origin": "civilian",
                    "applicant_organisations": ["성수동마을협동조합"],
                    "partner_organisations": ["성동구 사회적경제지원센터"],
                }
            ]
        },
    )
    title_ko: Title
    title_en: ShortText = ""
    description: LongText = ""
    subject_kind: SubjectKind = SubjectKind.AGENDA
    subject_id: ShortText | None = Field(default=None, max_length=100, description="e.g. the plan id")
    origin: AgendaOrigin | None = Field(
        default=None, description="Default: from the proposing member's seat, else public"
    )
    proposed_by_member_id: MemberId | None = None
    working_group_id: MemberId | None = Field(default=None, description="Working group that prepared it")
    applicant_organisations: Organisations = Field(default_factory=list)
    partner_organisations: Organisations = Field(default_factory=list)


class AgendaItemUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"position": 1}]})
    title_ko: Title | None = None
    title_en: ShortText | None = None
    description: LongText | None = None
    position: int | None = Field(default=None, ge=0, le=10_000)
    meeting_id: RefId | None = Field(
        default=None, description="Move to another meeting of the committee; null: pending"
    )
    status: AgendaStatus | None = Field(default=None, description="Only 'withdrawn' may be set by hand")
    applicant_organisations: Organisations | None = None
    partner_organisations: Organisations | None = None


class RecusalRead(BaseModel):
    member_id: str
    name_ko: str
    organisations: list[str] = Field(description="The subject's organisations the member is affiliated with")


class AgendaItemRead(BaseModel):
    id: str
    committee_id: str | None
    sgg_code: str
    meeting_id: str | None
    position: int
    title_ko: str
    title_en: str
    description: str
    subject_kind: str
    subject_id: str | None
    origin: AgendaOrigin
    proposed_by_member_id: str | None
    working_group_id: str | None
    applicant_organisations: list[str]
    partner_organisations: list[str]
    source_event_id: str | None
    status: AgendaStatus
    version: int
    created_at: datetime
    recusals: list[RecusalRead] = Field(description="Seated members who must not vote on this item")


# --- motions and votes -----------------------------------------------------------------------


class MotionCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"text_ko": "원안대로 가결한다", "text_en": "Adopt as proposed"}]},
    )
    text_ko: Title
    text_en: ShortText = ""
    proposed_by_member_id: MemberId | None = None


class VoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    member_id: MemberId
    choice: VoteChoice


class VotesCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "votes": [
                        {"member_id": "<member id>", "choice": "yes"},
                        {"member_id": "<id>", "choice": "no"},
                    ]
                }
            ]
        },
    )
    motion_id: MemberId | None = Field(
        default=None, description="Motion to vote on; default: the item's open motion (opened if none)"
    )
    votes: list[VoteIn] = Field(min_length=1, max_length=300)
    cast_at: Moment | None = Field(
        default=None,
        description=(
            "When the votes were cast, for a secretariat recording them after the meeting; default now. "
            "Never in the future. Votes count only when cast while the meeting is in session (from "
            "starts_at until ends_at, or until it is closed as held)"
        ),
    )


class VoteRead(BaseModel):
    member_id: str
    name_ko: str
    seat_kind: SeatKind
    choice: VoteChoice
    recused: bool = Field(description="The member was recused when the vote was cast")
    cast_by: str
    cast_at: datetime


class MotionRead(BaseModel):
    id: str
    agenda_item_id: str
    meeting_id: str
    text_ko: str
    text_en: str
    proposed_by_member_id: str | None
    status: str
    created_at: datetime
    decision_id: str | None
    votes: list[VoteRead]


class VotesRead(BaseModel):
    motion: MotionRead
    warnings: list[str] = Field(description="e.g. a recused member voted: the decision will be invalid")


# --- decisions -------------------------------------------------------------------------------


class DecisionCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"agenda_item_id": "<agenda item id>"}]}
    )
    agenda_item_id: MemberId | None = None
    motion_id: MemberId | None = None
    voted_at: Moment | None = Field(
        default=None,
        description=(
            "When the vote was taken (quorum is checked at this time); default: when its last vote was "
            "cast. A vote taken outside the meeting's session makes the decision invalid"
        ),
    )

    @model_validator(mode="after")
    def _one_reference(self) -> DecisionCreate:
        if not (self.agenda_item_id or self.motion_id):
            raise ValueError("give agenda_item_id or motion_id")
        return self


class TallyRead(BaseModel):
    seated: int
    present: int
    yes: int
    no: int
    abstain: int
    recused: int
    recused_voted: int


class DecisionRead(BaseModel):
    id: str
    committee_id: str
    sgg_code: str
    meeting_id: str
    agenda_item_id: str
    motion_id: str
    subject_kind: str
    subject_id: str | None
    outcome: str = Field(description="adopted | rejected")
    valid: bool
    required_majority: str
    reasons: list[str]
    checks: list[RuleCheckRead]
    tally: TallyRead
    recused_member_ids: list[str]
    ordinance_id: str
    voted_at: datetime
    decided_at: datetime
    votes: list[VoteRead]


# --- minutes ---------------------------------------------------------------------------------


class MinutesWrite(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"body_ko": "1. 개회 선언 … 2. 안건 심의 …", "body_en": ""}]},
    )
    body_ko: LongText
    body_en: LongText = ""


class MinutesRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    meeting_id: str
    status: MinutesStatus
    body_ko: str
    body_en: str
    version: int
    created_at: datetime
    updated_at: datetime
    approved_at: datetime | None
    published_at: datetime | None
