"""API models of budget requests and their review."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from cg_budget.common import FiscalYear, Krw, LongText, SggCode, ShortText, Title

Code = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


class Feasibility(StrEnum):
    PENDING = "pending"
    FEASIBLE = "feasible"
    CONDITIONAL = "conditional"
    INFEASIBLE = "infeasible"


class RequestStatus(StrEnum):
    OPEN = "open"  # waiting for review
    REVIEWED = "reviewed"  # feasibility decided
    FUNDED = "funded"  # a finalised allocation line funds it


class ProgramCodes(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "account": "일반회계",
                    "field": "080",
                    "sector": "084",
                    "policy_program": "민관협치 활성화",
                    "unit_program": "지역사회혁신계획 추진",
                    "detail_program": "마을공동체 협치사업",
                    "object_code": "307-02",
                }
            ]
        },
    )
    account: Code | None = Field(default=None, description="회계 (e.g. 일반회계)")
    field: Code | None = Field(default=None, description="분야: one of the 14 three-digit field codes")
    sector: Code | None = Field(default=None, description="부문: three digits starting like its field")
    policy_program: Code | None = Field(default=None, description="정책사업")
    unit_program: Code | None = Field(default=None, description="단위사업")
    detail_program: Code | None = Field(default=None, description="세부사업")
    object_code: Code | None = Field(default=None, description="편성목/통계목, e.g. 307-02")


class YearlyAmount(BaseModel):
    fiscal_year: int
    amount_krw: int


class RequestCreate(BaseModel):
    """A request typed in by an officer (requests normally come from adopted plans)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "sgg_code": "11200",
                    "fiscal_year": 2027,
                    "title_ko": "성수동 주민 공유공간 운영",
                    "amount_krw": 45_000_000,
                    "program_codes": {"account": "일반회계", "field": "080", "sector": "084"},
                }
            ]
        },
    )
    sgg_code: SggCode
    fiscal_year: FiscalYear
    title_ko: Title
    title_en: ShortText = ""
    amount_krw: Krw
    program_codes: ProgramCodes = ProgramCodes()
    plan_id: Annotated[str, StringConstraints(max_length=64)] | None = None
    plan_item_id: Annotated[str, StringConstraints(max_length=64)] | None = None
    linked_project_ids: list[Annotated[str, StringConstraints(max_length=64)]] = Field(
        default=[], max_length=100
    )


class RequestReview(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "feasibility": "feasible",
                    "feasibility_note": "부서 검토 완료",
                    "amount_krw": 40_000_000,
                    "revision_reason": "임차료 단가 조정",
                }
            ]
        },
    )
    feasibility: Feasibility | None = None
    feasibility_note: LongText | None = None
    amount_krw: Krw | None = Field(default=None, description="Revised cost; requires revision_reason")
    revision_reason: LongText | None = None
    program_codes: ProgramCodes | None = Field(default=None, description="Replaces all seven codes")


class RequestRead(BaseModel):
    id: str
    sgg_code: str
    fiscal_year: int
    cycle_id: str | None
    source: str = Field(description="plan (from PlanAdopted) | manual")
    plan_id: str | None
    plan_item_id: str | None
    title_ko: str
    title_en: str
    origin: str
    policy_field: str | None
    responsible_department: str | None
    partner_organisations: list[str]
    linked_project_ids: list[str]
    yearly_amounts: list[YearlyAmount]
    program_codes: ProgramCodes
    program_code_issues: list[str] = Field(
        description="Problems with the codes as received; fix them in review"
    )
    requested_krw: int = Field(description="Amount asked for by the plan item")
    amount_krw: int = Field(description="Amount after review (cost revisions)")
    feasibility: Feasibility
    feasibility_note: str
    status: RequestStatus
    version: int
    created_at: datetime
    updated_at: datetime


class RevisionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    at: datetime
    actor: str
    action: str
    changes: dict[str, Any]
    reason: str
