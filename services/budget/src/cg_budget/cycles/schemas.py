"""API models of budget cycles, their calendar and supplementary budgets."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from cg_budget.common import FiscalYear, LongText, SggCode, ShortText, Title
from cg_budget.cycles.calendar import CycleStatus, DeadlineState, Level


class CycleCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"sgg_code": "11200", "fiscal_year": 2027, "title_ko": "2027 성동구 협치 예산"}]
        },
    )
    sgg_code: SggCode = Field(description="Borough code, or 11000 for the SMG-level cycle")
    fiscal_year: FiscalYear
    title_ko: ShortText = ""


class CycleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    level: Level
    sgg_code: str
    fiscal_year: int
    status: CycleStatus
    title_ko: str
    bill_submitted_on: date | None
    enacted_on: date | None
    provisional_since: date | None
    execution_started_on: date | None
    settled_on: date | None
    allowed_transitions: list[CycleStatus] = Field(description="States this cycle may move to next")
    version: int
    created_at: datetime
    updated_at: datetime


class TransitionIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"to": "BILL_SUBMITTED", "effective_on": "2026-11-18", "note": "예산안 제출"}]
        },
    )
    to: CycleStatus
    effective_on: date | None = Field(
        default=None,
        description="Legal date of the step (bill submitted, enacted, …); default today in Seoul",
    )
    note: LongText = ""


class TransitionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    from_status: CycleStatus
    to_status: CycleStatus
    effective_on: date
    at: datetime
    actor: str
    note: str


class DeadlineRead(BaseModel):
    key: str = Field(examples=["bill_to_council"])
    label_ko: str
    label_en: str
    due: date
    met_on: date | None
    days_left: int = Field(description="Days from as_of to the due date (negative once past)")
    overdue: bool
    warning: bool = Field(description="Due within the warning window, or overdue")
    state: DeadlineState


class SupplementaryCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"title": "제1회 추가경정예산", "reason": "협치사업 증액"}]},
    )
    title: Title
    reason: LongText = ""


class SupplementaryEnact(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"enacted_on": "2027-06-20"}]})
    enacted_on: date | None = Field(default=None, description="Council decision date; default today in Seoul")


class SupplementaryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    cycle_id: str
    number: int
    title: str
    reason: str
    status: str = Field(description="drafting | enacted")
    enacted_on: date | None
    created_at: datetime


class CalendarRead(BaseModel):
    cycle_id: str
    sgg_code: str
    level: Level
    fiscal_year: int
    status: CycleStatus
    as_of: date
    allowed_transitions: list[CycleStatus]
    provisional_budget_in_force: bool = Field(description="The year began without an enacted budget (준예산)")
    deadlines: list[DeadlineRead]
    warnings: list[str] = Field(description="Human-readable warnings for deadlines due soon or overdue")
    supplementary_budgets: list[SupplementaryRead]
    transitions: list[TransitionRead]
