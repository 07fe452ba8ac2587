"""Pydantic models of the projects API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema

from cg_registry.domain import POLICY_FIELDS, FundingSource, Origin, PartnerKind, ProjectStatus
from cg_shared.fields import CleanText, NoControl, SggCodeStr
from cg_shared.i18n import msg

Omitted = SkipJsonSchema[None]
MAX_KRW = 10**15  # ₩1,000 trillion: far above Seoul's whole budget, far below BIGINT overflow


def _known_field(value: str) -> str:
    if value not in POLICY_FIELDS:
        raise ValueError(msg("unknown policy field; one of: {items}", items=", ".join(POLICY_FIELDS)))
    return value


SggCode = Annotated[SggCodeStr, Field(examples=["11200"])]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300), CleanText]
OptionalTitle = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300), CleanText]
Summary = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000), CleanText]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), CleanText]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50), CleanText]
PolicyFieldCode = Annotated[str, AfterValidator(_known_field), Field(examples=["community"])]
ProjectCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[A-Z0-9][A-Z0-9-]{2,39}$"),
    Field(examples=["CG-11200-00042"]),
]
Krw = Annotated[int, Field(ge=0, le=MAX_KRW, description="Integer won")]
ProjectId = Annotated[str, StringConstraints(min_length=1, max_length=36), NoControl]
ExternalId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), NoControl]


class Partner(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: ShortText = Field(examples=["성수동 마을넷"])
    kind: PartnerKind = PartnerKind.CIVIC_GROUP
    role: Label = Field(default="partner", examples=["co-organiser"])


class FundingLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: FundingSource
    fiscal_year: int = Field(ge=2000, le=2100)
    amount_krw: Krw
    budget_line_id: ExternalId | None = Field(default=None, description="Id of the budget line it funds")


class FundingLineRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    source: str
    fiscal_year: int
    amount_krw: int
    budget_line_id: str | None
    allocation_id: str | None
    request_id: str | None


class AssessmentSummary(BaseModel):
    iap2_level: int | None
    tokenism_risk: bool | None
    assessed_at: datetime | None


def _check_period(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and end < start:
        raise ValueError("end_date is before start_date")


class ProjectCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "title_ko": "성수동 청년 마을활동가 양성 지원사업",
                    "title_en": "Seongsu-dong young village activist training",
                    "sgg_code": "11200",
                    "lead_department": "성동구 청년정책과",
                    "partners": [{"name": "성수마을넷", "kind": "civic_group", "role": "operator"}],
                    "origin": "civic_group",
                    "policy_field": "youth",
                    "target_groups": ["청년"],
                    "start_date": "2025-03-01",
                    "end_date": "2026-02-28",
                    "funding_lines": [
                        {"source": "smg_grant", "fiscal_year": 2025, "amount_krw": 120000000},
                        {"source": "borough", "fiscal_year": 2025, "amount_krw": 30000000},
                    ],
                },
                {
                    "title_ko": "성수동 마을 협치",
                    "title_en": "Seongsu village CG",
                    "sgg_code": "11200",
                    "total_krw": 1000000,
                },
            ]
        },
    )
    code: ProjectCode | None = Field(default=None, description="Omit to get the next CG-<borough>-NNNNN code")
    title_ko: Title = Field(examples=["성동구 마을공동체 협치 활성화"])
    title_en: OptionalTitle = ""
    summary_ko: Summary = ""
    summary_en: Summary = ""
    sgg_code: SggCode | None = Field(default=None, description="Borough code; omit for city-wide")
    lead_department: ShortText | None = None
    partners: list[Partner] = Field(default_factory=list, max_length=50)
    origin: Origin = Origin.DEPARTMENT
    policy_field: PolicyFieldCode = "other"
    target_groups: list[Label] = Field(default_factory=list, max_length=20)
    start_date: date | None = None
    end_date: date | None = None
    status: ProjectStatus = ProjectStatus.PLANNED
    funding_lines: list[FundingLineIn] = Field(default_factory=list, max_length=200)
    total_krw: Krw | None = Field(
        default=None,
        description="Declared total worth; the project's total is max(declared, sum of funding lines)",
    )
    plan_item_id: ExternalId | None = Field(
        default=None, description="Planning item this project carries out"
    )
    parent_id: ProjectId | None = Field(
        default=None,
        description="Parent project (same borough, or a city-wide programme); its progress rolls up",
    )

    @model_validator(mode="after")
    def _period(self) -> ProjectCreate:
        _check_period(self.start_date, self.end_date)
        return self


class ProjectUpdate(BaseModel):
    """Partial update (PATCH): only the fields sent change. ``funding_lines`` replaces the manual lines;

    lines that came from budget allocations are kept (they change only through budget events)."""

    # ``| Omitted`` = may be left out but not sent as null (the schema says so; the validator enforces it).
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"status": "active"}, {"title_ko": "성수동 청년 마을활동가 양성 사업 (확대)"}]
        },
    )
    title_ko: Title | Omitted = None
    title_en: OptionalTitle | Omitted = None
    summary_ko: Summary | Omitted = None
    summary_en: Summary | Omitted = None
    lead_department: ShortText | None = None
    partners: Annotated[list[Partner], Field(max_length=50)] | Omitted = None
    origin: Origin | Omitted = None
    policy_field: PolicyFieldCode | Omitted = None
    target_groups: Annotated[list[Label], Field(max_length=20)] | Omitted = None
    start_date: date | None = None
    end_date: date | None = None
    status: ProjectStatus | Omitted = None
    funding_lines: Annotated[list[FundingLineIn], Field(max_length=200)] | Omitted = None
    total_krw: Krw | None = None
    plan_item_id: ExternalId | None = None
    parent_id: ProjectId | None = Field(default=None, description="null detaches from the parent")

    @field_validator(
        "title_ko",
        "title_en",
        "summary_ko",
        "summary_en",
        "partners",
        "origin",
        "policy_field",
        "target_groups",
        "status",
        "funding_lines",
        mode="after",
    )
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        # null is only meaningful for the optional attributes; the rest must be omitted, not nulled.
        # Per field (not per model), so the 422 names the field that was sent as null.
        if value is None:
            raise ValueError("cannot be null: leave the field out to keep its value")
        return value


class ProjectRead(BaseModel):
    id: str
    code: str
    title_ko: str
    title_en: str
    summary_ko: str
    summary_en: str
    sgg_code: str | None = Field(description="Borough code; null = city-wide")
    city_wide: bool
    lead_department: str | None
    partners: list[Partner]
    origin: str
    policy_field: str
    target_groups: list[str]
    start_date: date | None
    end_date: date | None
    status: str
    plan_item_id: str | None
    budget_line_ids: list[str] = Field(description="Budget lines the funding lines refer to")
    funding_lines: list[FundingLineRead]
    declared_total_krw: int | None
    total_krw: int
    smg_grant_krw: int = Field(description="Sum of the SMG grant funding lines")
    has_smg_grant: bool
    public_led: bool
    assessment: AssessmentSummary
    version: int
    created_at: datetime
    updated_at: datetime
    parent_id: str | None = Field(description="Parent project (accountability tree); null = top level")
    progress_pct: int = Field(
        ge=0,
        le=100,
        description="Percent done: mean of the children's progress, else of the milestones, else 100 "
        "when completed",
    )


class HistoryEntry(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    project_id: str
    version: int
    at: datetime
    actor: str
    action: str
    changes: dict[str, Any]


Percent = Annotated[int, Field(ge=0, le=100, description="Percent done, 0–100")]


def _check_done(done_on: date | None, progress_pct: int | None) -> None:
    if done_on is not None and progress_pct is not None and progress_pct != 100:
        raise ValueError("a milestone with done_on is 100% done")


class MilestoneCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"title_ko": "공유부엌 공간 임대 계약", "due_date": "2026-03-31", "progress_pct": 40}
            ]
        },
    )
    title_ko: Title
    title_en: OptionalTitle = ""
    due_date: date | None = None
    done_on: date | None = Field(default=None, description="Set when done (then progress_pct is 100)")
    progress_pct: Percent | None = Field(default=None, description="Omit: 100 when done_on is set, else 0")

    @model_validator(mode="after")
    def _done(self) -> MilestoneCreate:
        _check_done(self.done_on, self.progress_pct)
        return self


class MilestoneUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"progress_pct": 80}]})
    title_ko: Title | Omitted = None
    title_en: OptionalTitle | Omitted = None
    due_date: date | None = None
    done_on: date | None = None
    progress_pct: Percent | Omitted = None

    @field_validator("title_ko", "title_en", "progress_pct", mode="after")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("cannot be null: leave the field out to keep its value")
        return value


class MilestoneRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    title_ko: str
    title_en: str
    due_date: date | None
    done_on: date | None
    progress_pct: int
    overdue: bool = Field(description="Due before today (Asia/Seoul) and not 100% done")


class ChildProgress(BaseModel):
    project_id: str
    code: str
    title_ko: str
    sgg_code: str | None
    status: str
    progress_pct: int
    total_krw: int


class ProjectProgress(BaseModel):
    project_id: str
    code: str
    parent_id: str | None
    progress_pct: int
    rule: str = Field(description="children | milestones | status: what progress_pct is computed from")
    version: int = Field(description="The project's version (its ETag): milestone writes change it")
    milestones: list[MilestoneRead] = Field(description="By due date (undated last)")
    children: list[ChildProgress] = Field(description="By code")
