"""API models of plans, transitions, evaluations and participation metrics."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from cg_planning.plans.workflow import PlanState
from cg_planning.types import (
    Id,
    LongText,
    Name,
    OptionalShort,
    OptionalTitle,
    Reason,
    SggCode,
    ShortLine,
    ShortText,
    Title,
    Year,
)


class PlanKind(StrEnum):
    MASTER = "master"  # 3-year master plan (민관협치 활성화 기본계획)
    ANNUAL = "annual"  # annual action plan (실행계획), belongs to a master plan


Grade = Literal["가", "나", "다"]


class Coordinator(BaseModel):
    """The CG coordinator (협치조정관/협치지원관): a paid public role, so not personal data."""

    model_config = ConfigDict(extra="forbid")
    name: ShortLine = Field(examples=["김협치"])
    organisation: OptionalShort = Field(default="", examples=["성동구 협치지원단"])


class PlanCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "sgg_code": "11200",
                    "kind": "master",
                    "title_ko": "성동구 민관협치 활성화 기본계획 2026-2028",
                    "title_en": "Seongdong CG master plan 2026-2028",
                    "term_start_year": 2026,
                    "themes": ["마을공동체", "청년"],
                    "goals": ["주민 제안 의제 비율 50% 이상"],
                    "coordinator": {"name": "김협치", "organisation": "성동구 협치지원단"},
                },
                {
                    "sgg_code": "11200",
                    "kind": "annual",
                    "master_plan_id": "6f1c2a3e-0000-4000-8000-000000000001",
                    "fiscal_year": 2027,
                    "title_ko": "2027 성동구 지역사회혁신계획 실행계획",
                },
            ]
        },
    )
    sgg_code: SggCode
    kind: PlanKind
    title_ko: Title
    title_en: OptionalTitle = ""
    term_start_year: Year | None = Field(
        default=None, description="Master plans: first year of the 3-year term"
    )
    fiscal_year: Year | None = Field(default=None, description="Annual plans: the fiscal year it runs")
    master_plan_id: Id | None = Field(default=None, description="Annual plans: the master plan it belongs to")
    themes: Annotated[list[ShortText], Field(max_length=30)] = []
    goals: Annotated[list[ShortText], Field(max_length=50)] = []
    coordinator: Coordinator | None = None


class PlanUpdate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"goals": ["주민 제안 의제 비율 60% 이상"]}]}
    )
    title_ko: Title | None = None
    title_en: OptionalTitle | None = None
    themes: Annotated[list[ShortText], Field(max_length=30)] | None = None
    goals: Annotated[list[ShortText], Field(max_length=50)] | None = None
    coordinator: Coordinator | None = None


class MoveRead(BaseModel):
    to: PlanState
    trigger: str
    via: str
    actor: str
    guard: str


class WorkflowRuleRead(MoveRead):
    source: PlanState = Field(alias="from")
    model_config = ConfigDict(populate_by_name=True)


class PlanRead(BaseModel):
    id: str
    sgg_code: str
    kind: PlanKind
    master_plan_id: str | None
    fiscal_year: int | None
    term_start_year: int
    term_end_year: int
    title_ko: str
    title_en: str
    themes: list[str]
    goals: list[str]
    coordinator: Coordinator | None
    state: PlanState
    allowed_moves: list[MoveRead]
    item_count: int
    submitted_at: datetime | None
    adopted_at: datetime | None
    adoption_timing: AdoptionTimingRead | None = Field(
        default=None, description="Annual plans once adopted: the adoption against the legal window"
    )
    decision_id: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class AdoptionTimingRead(BaseModel):
    """An annual plan for year N is adopted in July–September of N-1, before the budget bill (21 Nov).

    ``late`` is a warning (adopted, the warnings say what follows); a committee decision adopting a plan
    after its fiscal year ended is refused: the plan goes to REVISION instead."""

    timing: str = Field(description="early | on_time | late")
    window_from: date
    window_to: date
    budget_bill_due: date
    warnings: list[str]


class TransitionRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"to": "DELIBERATION", "reason": "동별 의제 발굴 완료 (12개 의제)"}]},
    )
    to: PlanState
    reason: Reason = Field(description="Why; recorded in the plan's history")


class SubmitRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"note": "9월 정기회의 안건으로 상정 요청"}]}
    )
    note: LongText = ""


class TransitionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    plan_id: str
    from_state: PlanState | None
    to_state: PlanState
    trigger: str
    actor: str
    actor_role: str | None
    reason: str
    decision_id: str | None
    at: datetime


class CommitteeDecisionRead(BaseModel):
    """A committee decision about this plan as planning received it, and what planning did with it."""

    model_config = ConfigDict(from_attributes=True)
    decision_id: str
    committee_id: str
    meeting_id: str
    outcome: str
    valid: bool
    reasons: list[str]
    tally: dict[str, Any]
    decided_at: datetime
    received_at: datetime
    applied: bool
    result: str


# --- evaluation ---------------------------------------------------------------------------------


class KpiResult(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name = Field(description="Name of one of the item's KPIs", examples=["참여 주민 수"])
    actual: float = Field(ge=-1e15, le=1e15, examples=[420])


class ItemResult(BaseModel):
    model_config = ConfigDict(extra="forbid")
    item_id: Id
    completed: bool
    kpi_results: Annotated[list[KpiResult], Field(max_length=30)] = []
    note: LongText = ""


class EvaluationCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "fiscal_year": 2027,
                    "item_results": [
                        {
                            "item_id": "0b7e3d2c-1a4f-4e6b-8c9d-5f2a7b1e3c44",
                            "completed": True,
                            "kpi_results": [{"name": "참여 주민 수", "actual": 420}],
                        }
                    ],
                    "summary": "주민 제안 의제 8건 중 7건 완료",
                }
            ]
        },
    )
    fiscal_year: Year
    item_results: Annotated[list[ItemResult], Field(max_length=1000)] = []
    summary: LongText = ""
    grade: Grade | None = Field(default=None, description="The city's grade; only smg_admin may set it")


class GradeUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"grade": "가"}]})
    grade: Grade


class ParticipationFigures(BaseModel):
    deliberation_events: int
    participants: int
    proposals_received: int
    proposals_taken_up: int
    share_items_changed_by_input: float | None


class EvaluationRead(BaseModel):
    id: str
    plan_id: str
    fiscal_year: int
    item_results: list[ItemResult]
    total_items: int
    completed_items: int
    item_completion_rate: float
    kpi_achievement_rate: float | None
    participation: ParticipationFigures
    grade: Grade | None
    graded_at: datetime | None
    summary: str
    version: int
    created_at: datetime
    updated_at: datetime


# --- metrics ------------------------------------------------------------------------------------


class ItemParticipationRead(BaseModel):
    item_id: str
    title_ko: str
    origin: str
    deliberation_events: int
    participants: int
    changed_by_input: bool
    iap2_depth: int = Field(description="Deepest IAP2 level of its deliberation: 0 inform … 4 empower")
    tokenism_risk: bool = Field(description="Depth ≤ 2 and no recorded effect of input")
    public_led: bool = Field(description="Department origin and no partner organisation")


class PlanMetricsRead(BaseModel):
    plan_id: str
    sgg_code: str
    state: PlanState
    items_total: int
    items_by_origin: dict[str, int]
    origin_shares: dict[str, float | None]
    deliberation_events: int
    participants: int
    deliberation_events_per_item: float | None
    participants_per_item: float | None
    items_changed_by_input: int
    share_items_changed_by_input: float | None
    proposals_received: int
    proposals_by_status: dict[str, int]
    share_proposals_accepted: float | None = Field(
        description="(accepted + merged) / screened proposals; None before any screening"
    )
    items_without_deliberation: list[str]
    public_led_items: int
    tokenism_risk_items: int
    items: list[ItemParticipationRead]
