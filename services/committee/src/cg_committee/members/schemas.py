"""Pydantic models of the members API: seats and terms, co-chairs, composition, term sweep."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from cg_committee.committees.schemas import OrdinanceRead
from cg_committee.common import Email, Name, Organisations, Phone, RefId, SaneDate, ShortText
from cg_committee.rules import Rule, SeatKind, Severity, TermStatus


class DepartureReason(StrEnum):
    RESIGNED = "resigned"
    DISMISSED = "dismissed"
    DECEASED = "deceased"
    OTHER = "other"


class MemberCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name_ko": "김민지",
                    "name_en": "Kim Minji",
                    "seat_kind": "civilian_appointed",
                    "affiliations": ["성수동마을협동조합"],
                    "email": "kim.minji@example.kr",
                    "phone": "010-1234-5678",
                    "term_start": "2027-01-01",
                }
            ]
        },
    )
    name_ko: Name
    name_en: Name | None = None
    seat_kind: SeatKind
    position_title: ShortText = Field(default="", examples=["성동구청장"])
    user_sub: ShortText | None = Field(
        default=None, description="Subject of the member's login; lets them cast their own votes"
    )
    email: Email | None = None
    phone: Phone | None = None
    affiliations: Organisations = Field(default_factory=list)
    term_start: SaneDate | None = Field(default=None, description="Default: today (Asia/Seoul)")
    term_end: SaneDate | None = Field(
        default=None,
        description=(
            "Last day of the term; default: the ordinance's full term length. For an ex-officio member, "
            "optionally the day their office ends (not capped by the term length); default: none"
        ),
    )
    ex_officio: bool | None = Field(
        default=None,
        description=(
            "Seated by virtue of an office (당연직: the deputy mayor, a department head, a council member "
            "designated by the council): no fixed term, no renewal, seated until they leave the office. "
            "Default: true for councillor and official seats, false otherwise; never for civilian seats"
        ),
    )
    replaces_member_id: RefId | None = Field(
        default=None, description="A member this appointment replaces (they leave that day)"
    )

    @model_validator(mode="after")
    def _ordered(self) -> MemberCreate:
        if self.term_start and self.term_end and self.term_end < self.term_start:
            raise ValueError("term_end must not be before term_start")
        return self


class MemberUpdate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"affiliations": ["성동구 자원봉사센터"]}]}
    )
    name_ko: Name | None = None
    name_en: Name | None = None
    position_title: ShortText | None = None
    user_sub: ShortText | None = None
    email: Email | None = None
    phone: Phone | None = None
    affiliations: Organisations | None = None


class RenewalCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"term_start": "2029-01-01"}]})
    term_start: SaneDate | None = Field(default=None, description="Default: the day after the current term")
    term_end: SaneDate | None = None


class DepartureCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"reason": "resigned"}]})
    left_on: SaneDate | None = Field(default=None, description="Default: today (Asia/Seoul)")
    reason: DepartureReason


class MemberContact(BaseModel):
    email: str | None
    phone: str | None
    user_sub: str | None


class MemberRead(BaseModel):
    """A member; ``contact`` is filled only for the borough's secretariat and officers."""

    id: str
    committee_id: str
    name_ko: str
    name_en: str
    seat_kind: SeatKind
    civilian: bool
    position_title: str
    affiliations: list[str]
    first_term_start: date
    term_start: date
    term_end: date | None = Field(description="Last day of the term; none for an ex-officio member")
    ex_officio: bool
    renewals: int
    status: TermStatus = Field(description="Status today (Asia/Seoul)")
    left_on: date | None
    left_reason: str | None
    replaces_member_id: str | None
    replaced_by_member_id: str | None
    application_id: str | None
    is_co_chair: bool
    version: int
    contact: MemberContact | None = None


class CoChairsUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    member_ids: list[RefId] = Field(max_length=5, examples=[["<civilian member id>", "<mayor member id>"]])


class CoChairsRead(BaseModel):
    committee_id: str
    version: int
    co_chairs: list[MemberRead]


class RuleCheckRead(BaseModel):
    rule: Rule
    severity: Severity
    ok: bool
    detail: str
    member_ids: list[str]


class TermEntry(BaseModel):
    member_id: str
    name_ko: str
    seat_kind: SeatKind
    term_end: date
    days: int = Field(description="Days left until term end (ending soon) or days since it (carry-over)")


class CompositionRead(BaseModel):
    committee_id: str
    sgg_code: str
    as_of: date
    ordinance: OrdinanceRead
    seated_count: int
    by_seat_kind: dict[str, int]
    civilian_count: int
    civilian_share: float = Field(description="Civilians / seated members (0 when nobody is seated)")
    vacancies: int = Field(description="size_cap minus seated members")
    compliant: bool = Field(description="No rule is violated (warnings do not count)")
    rules: list[RuleCheckRead]
    violations: list[RuleCheckRead]
    carry_over: list[TermEntry]
    terms_ending_soon: list[TermEntry]
    expired_without_carry_over: list[TermEntry]
    co_chairs: list[MemberRead]


class TermEndedEntry(BaseModel):
    member_id: str
    term_end: date
    carry_over: bool


class TermSweepRead(BaseModel):
    committee_id: str
    as_of: date
    ended: list[TermEndedEntry] = Field(description="Terms reported as ended by this sweep (each once)")
