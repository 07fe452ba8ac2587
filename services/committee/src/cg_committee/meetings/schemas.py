"""Pydantic models of the meetings API: meetings and attendance."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from cg_committee.common import MemberId, Moment, SaneDate, ShortText, Title
from cg_committee.rules import AttendanceStatus, SeatKind


class MeetingKind(StrEnum):
    REGULAR = "regular"  # 정기회
    EXTRAORDINARY = "extraordinary"  # 임시회


class MeetingStatus(StrEnum):
    SCHEDULED = "scheduled"
    HELD = "held"
    CANCELLED = "cancelled"


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
