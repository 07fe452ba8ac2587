"""API models of capacity building."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from cg_committee.common import LongText, Name, RefId, SaneDate, SggCode, ShortText, Title


class ActivityKind(StrEnum):
    TRAINING = "training"  # 민관협치 교육 for committee members and officials
    RESIDENTS_SCHOOL = "residents_school"  # 주민자치학교
    WORKSHOP = "workshop"
    FORUM = "forum"
    STUDY_VISIT = "study_visit"


class ParticipantKind(StrEnum):
    COMMITTEE_MEMBER = "committee_member"
    RESIDENT = "resident"
    OFFICIAL = "official"
    COORDINATOR = "coordinator"


class OrganisationKind(StrEnum):
    CG_SUPPORT_CENTRE = "cg_support_centre"  # 협치지원센터
    VILLAGE_SUPPORT_CENTRE = "village_support_centre"  # 마을자치센터 / 마을공동체지원센터
    SOCIAL_ECONOMY_CENTRE = "social_economy_centre"
    COORDINATOR_OFFICE = "coordinator_office"  # 협치지원관
    OTHER = "other"


class Operation(StrEnum):
    DIRECT = "direct"
    COMMISSIONED = "commissioned"  # 위탁


Hours = float


class ActivityCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "sgg_code": "11200",
                    "kind": "training",
                    "title_ko": "민관협치위원 역량강화 교육",
                    "topic": "지역사회혁신계획 수립과 숙의",
                    "held_on": "2026-11-20",
                    "hours": 3,
                    "provider": "성동구 협치지원센터",
                }
            ]
        },
    )
    sgg_code: SggCode
    kind: ActivityKind
    title_ko: Title
    title_en: ShortText = ""
    topic: ShortText = ""
    held_on: SaneDate = Field(description="Seoul date; not in the future (record what took place)")
    hours: float = Field(gt=0, le=24, multiple_of=0.25, description="Length of the session in hours")
    provider: ShortText = ""
    support_organisation_id: RefId | None = None


class ParticipantIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    participant_kind: ParticipantKind
    member_id: RefId | None = Field(default=None, description="Required for committee members")
    display_name: ShortText = Field(default="", description="Residents: kept for the secretariat only")
    hours: float | None = Field(
        default=None, gt=0, le=24, multiple_of=0.25, description="Hours attended (default: the whole session)"
    )
    completed: bool = True


class ParticipantsAdd(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "participants": [
                        {"participant_kind": "committee_member", "member_id": "01J9Z3K8Q4M2V7X5N6B1C0D2E3"},
                        {"participant_kind": "resident", "display_name": "김서울", "hours": 2.5},
                    ]
                }
            ]
        },
    )
    participants: list[ParticipantIn] = Field(min_length=1, max_length=500)


class ParticipantRead(BaseModel):
    id: str
    participant_kind: ParticipantKind
    member_id: str | None
    display_name: str | None = Field(description="Shown to the borough's secretariat only (null otherwise)")
    hours: float
    completed: bool


class ActivityRead(BaseModel):
    id: str
    sgg_code: str
    kind: ActivityKind
    title_ko: str
    title_en: str
    topic: str
    held_on: date
    hours: float
    provider: str
    support_organisation_id: str | None
    participant_count: int
    person_hours: float
    participants: list[ParticipantRead] = Field(description="Filled on the single-activity read")
    created_at: datetime


class OrganisationCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "sgg_code": "11200",
                    "name_ko": "성동구 협치지원센터",
                    "kind": "cg_support_centre",
                    "operation": "commissioned",
                    "established_on": "2018-03-01",
                    "staff_count": 5,
                    "coordinator_count": 1,
                }
            ]
        },
    )
    sgg_code: SggCode
    name_ko: Name
    name_en: ShortText = ""
    kind: OrganisationKind
    operation: Operation
    established_on: SaneDate | None = None
    closed_on: SaneDate | None = None
    staff_count: int = Field(default=0, ge=0, le=10_000)
    coordinator_count: int = Field(default=0, ge=0, le=1_000, description="CG coordinators (협치지원관)")
    url: ShortText = ""
    note: LongText = ""


class OrganisationRead(BaseModel):
    id: str
    sgg_code: str
    name_ko: str
    name_en: str
    kind: OrganisationKind
    operation: Operation
    established_on: date | None
    closed_on: date | None
    active: bool = Field(description="Not closed as of today (Seoul)")
    staff_count: int
    coordinator_count: int
    url: str
    note: str
    created_at: datetime


class CapacityIndicator(BaseModel):
    """The capacity figures of one borough over the 365 days up to today (Seoul)."""

    training_sessions: int = Field(description="Activities held in the window")
    training_person_hours: float = Field(description="Hours attended, summed over participants")
    trained_member_count: int = Field(description="Seated members who attended at least one activity")
    trained_member_share: float = Field(description="trained_member_count / seated members")
    resident_trainee_count: int = Field(description="Resident participations in the window")
    support_organisation_count: int = Field(description="Active support organisations")
    coordinator_count: int = Field(description="CG coordinators in active support organisations")
    capacity_score: int = Field(ge=0, le=4, description="0–4, see docs/capacity.md")
