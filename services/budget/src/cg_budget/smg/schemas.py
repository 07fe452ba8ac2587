"""API models of the SMG funding channels."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from cg_budget.common import FiscalYear, Krw, LongText, SggCode, ShortText, Title


class CallState(StrEnum):
    UPCOMING = "upcoming"
    OPEN = "open"
    CLOSED = "closed"


class ProgrammeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$", examples=["SMG-2030-VILLAGE"])
    title_ko: Title
    title_en: ShortText = ""
    fiscal_year: FiscalYear
    policy_field: ShortText | None = None
    pool_krw: Krw = Field(gt=0, description="Money SMG puts into the programme (integer won)")
    max_award_krw: Krw | None = Field(default=None, description="Cap per application, if any")
    call_opens_on: date = Field(description="First day boroughs may apply (Seoul date)")
    call_closes_on: date = Field(description="Last day boroughs may apply (Seoul date), not in the past")
    description: LongText = ""


class ProgrammeRead(BaseModel):
    id: str
    code: str
    title_ko: str
    title_en: str
    fiscal_year: int
    policy_field: str | None
    pool_krw: int
    max_award_krw: int | None
    awarded_krw: int
    call_opens_on: date
    call_closes_on: date
    call_state: CallState = Field(description="Today (Seoul) before, inside or after the call window")
    description: str
    application_count: int
    created_at: datetime


class ApplicationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sgg_code: SggCode
    title_ko: Title
    requested_krw: Krw = Field(gt=0, description="Money asked for (integer won; more than 0)")
    plan_item_id: ShortText | None = Field(
        default=None, description="The adopted plan item this project also appears in, if any"
    )


class ApplicationStatus(StrEnum):
    SUBMITTED = "submitted"
    AWARDED = "awarded"
    REJECTED = "rejected"


class ApplicationRead(BaseModel):
    id: str
    programme_id: str
    sgg_code: str
    title_ko: str
    requested_krw: int
    plan_item_id: str | None
    status: ApplicationStatus
    award_krw: int
    reason: str
    submitted_on: date
    decided_at: datetime | None


class Outcome(StrEnum):
    AWARDED = "awarded"
    REJECTED = "rejected"


class ApplicationDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Outcome
    award_krw: Krw | None = Field(
        default=None, description="Awarded amount (awarded only; default: the requested amount)"
    )
    reason: LongText = Field(default="", description="Required when rejected")


class BlockGrantSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount_krw: Krw
    grade: str | None = Field(default=None, pattern=r"^[가나다]$", description="Plan grade it was sized on")
    note: LongText = ""


class BlockGrantUseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    request_id: str = Field(
        min_length=1, max_length=36, description="The budget request opened from an adopted plan item"
    )
    amount_krw: Krw = Field(gt=0)


class BlockGrantUseRead(BaseModel):
    id: str
    request_id: str
    plan_id: str
    plan_item_id: str
    title_ko: str
    amount_krw: int
    created_at: datetime


class BlockGrantRead(BaseModel):
    id: str
    sgg_code: str
    fiscal_year: int
    amount_krw: int
    assigned_krw: int
    unassigned_krw: int
    grade: str | None
    note: str
    version: int
    uses: list[BlockGrantUseRead]
    updated_at: datetime


class ChannelRow(BaseModel):
    """SMG money of one borough and fiscal year, by channel."""

    sgg_code: str
    name_ko: str
    name_en: str
    fiscal_year: int
    block_grant_krw: int = Field(description="Integrated grant committed to the borough")
    through_plan_krw: int = Field(description="Of it, put on adopted plan items")
    programme_awarded_krw: int = Field(description="Awards of project-by-project programmes (공모사업)")
    programme_awarded_on_plan_items_krw: int = Field(
        description="Of the awards, those for projects that are also adopted plan items"
    )
    programme_application_count: int
    smg_total_krw: int = Field(description="through_plan_krw + programme_awarded_krw")
    plan_share: float | None = Field(
        description="through_plan_krw / smg_total_krw (4 places); null when no SMG money flowed"
    )


class ChannelReport(BaseModel):
    fiscal_year: int | None
    rows: list[ChannelRow] = Field(description="One row per borough and fiscal year with SMG money")
    through_plan_krw: int
    programme_awarded_krw: int
    plan_share: float | None = Field(description="City-wide share through plans")
