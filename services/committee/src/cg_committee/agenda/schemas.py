"""Pydantic models of agenda items."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from cg_committee.common import LongText, MemberId, Organisations, RefId, ShortText, Title
from cg_committee.rules import SubjectKind


class AgendaOrigin(StrEnum):
    CIVILIAN = "civilian"  # raised by a civilian member, a resident or a civic group
    PUBLIC = "public"  # raised by the borough administration, a councillor or an official member
    PLANNING = "planning"  # a plan submitted through the planning service


class AgendaStatus(StrEnum):
    PENDING = "pending"  # waiting for a meeting
    SCHEDULED = "scheduled"  # on a meeting's agenda
    DECIDED = "decided"  # a valid decision was recorded
    WITHDRAWN = "withdrawn"


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
