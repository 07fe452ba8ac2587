"""API models of plan items, their funding and convergence suggestions."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from cg_planning.types import (
    Code,
    Dong,
    Id,
    Krw,
    LongText,
    Name,
    NameList,
    OptionalTitle,
    Title,
    Unit,
    Year,
)


class Origin(StrEnum):
    RESIDENT = "resident"
    CIVIC_GROUP = "civic_group"
    DEPARTMENT = "department"


class YearlyAmountIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    fiscal_year: Year
    amount_krw: Krw


class ProgramCodesIn(BaseModel):
    """Program budget codes (회계 → 분야 → 부문 → 정책사업 → 단위사업 → 세부사업 → 편성목)."""

    model_config = ConfigDict(extra="forbid")
    account: Code | None = None
    field: Code | None = None
    sector: Code | None = None
    policy_program: Code | None = None
    unit_program: Code | None = None
    detail_program: Code | None = None
    object_code: Code | None = None


class Kpi(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name = Field(examples=["참여 주민 수"])
    unit: Unit = Field(default="", examples=["명"])
    baseline: float | None = Field(default=None, ge=-1e15, le=1e15)
    target: float = Field(ge=-1e15, le=1e15, examples=[400])


_ITEM_EXAMPLE: dict[str, Any] = {
    "title_ko": "성수동 청년 마을공동체 공간 조성",
    "title_en": "Seongsu youth community space",
    "description": "유휴 공간을 청년 주도 공동체 공간으로 전환",
    "origin": "resident",
    "policy_field": "community",
    "dong": "성수1가1동",
    "responsible_department": "마을공동체과",
    "partner_organisations": ["성동청년센터"],
    "target_groups": ["청년"],
    "requested_budget": [{"fiscal_year": 2027, "amount_krw": 120000000}],
    "program_codes": {"account": "일반회계", "field": "080", "sector": "081", "detail_program": "청년공간"},
    "kpis": [{"name": "참여 주민 수", "unit": "명", "target": 400}],
    "linked_project_ids": [],
}


class ItemCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_ITEM_EXAMPLE]})
    title_ko: Title
    title_en: OptionalTitle = ""
    description: LongText = ""
    origin: Origin = Field(
        default=Origin.DEPARTMENT,
        description="Where the agenda came from; items accepted from a proposal take the proposer's kind",
    )
    policy_field: Code | None = Field(default=None, examples=["community"])
    dong: Dong | None = None
    responsible_department: Name | None = None
    applicant_organisations: NameList = []
    partner_organisations: NameList = []
    target_groups: NameList = []
    requested_budget: Annotated[list[YearlyAmountIn], Field(max_length=10)] = []
    program_codes: ProgramCodesIn = ProgramCodesIn()
    kpis: Annotated[list[Kpi], Field(max_length=30)] = []
    linked_project_ids: Annotated[list[Id], Field(max_length=50)] = Field(
        default=[], description="Registry projects this item joins up with (validated against the read model)"
    )


class ItemUpdate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "linked_project_ids": ["3d2c9b1a-7e6f-4d5c-8b4a-0f1e2d3c4b55"],
                    "partner_organisations": ["성동청년센터"],
                }
            ]
        },
    )
    title_ko: Title | None = None
    title_en: OptionalTitle | None = None
    description: LongText | None = None
    origin: Origin | None = None
    policy_field: Code | None = None
    dong: Dong | None = None
    responsible_department: Name | None = None
    applicant_organisations: NameList | None = None
    partner_organisations: NameList | None = None
    target_groups: NameList | None = None
    requested_budget: Annotated[list[YearlyAmountIn], Field(max_length=10)] | None = None
    program_codes: ProgramCodesIn | None = None
    kpis: Annotated[list[Kpi], Field(max_length=30)] | None = None
    linked_project_ids: Annotated[list[Id], Field(max_length=50)] | None = None


class FundingRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    allocation_id: str
    request_id: str
    fiscal_year: int
    source: str
    amount_krw: int
    recorded_at: datetime


class ItemRead(BaseModel):
    id: str
    plan_id: str
    sgg_code: str
    title_ko: str
    title_en: str
    description: str
    origin: Origin
    policy_field: str | None
    dong: str | None
    responsible_department: str | None
    applicant_organisations: list[str]
    partner_organisations: list[str]
    target_groups: list[str]
    requested_budget: list[YearlyAmountIn]
    requested_total_krw: int
    program_codes: ProgramCodesIn
    kpis: list[Kpi]
    linked_project_ids: list[str]
    source_proposal_id: str | None = Field(description="The proposal this item was created from, if any")
    proposal_ids: list[str] = Field(description="Every proposal accepted or merged into this item")
    deliberation_count: int
    funded: bool
    funded_krw: int
    fundings: list[FundingRead]
    version: int
    created_at: datetime
    updated_at: datetime


class ConvergenceSuggestionRead(BaseModel):
    project_id: str
    code: str
    title_ko: str
    title_en: str
    policy_field: str | None
    status: str
    start_date: date | None
    end_date: date | None
    score: float = Field(description="0..1, higher = more overlap")
    title_similarity: float
    shared_partners: list[str]
    shared_target_groups: list[str]
    period_overlap: bool
    already_linked: bool
    reasons: list[str]


class ConvergenceRead(BaseModel):
    item_id: str
    sgg_code: str
    policy_field: str | None
    period_start: date
    period_end: date
    candidates_considered: int
    suggestions: list[ConvergenceSuggestionRead]
