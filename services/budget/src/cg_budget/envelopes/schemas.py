"""API models of envelopes and the SMG grant formula."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from cg_budget.common import Krw, LongText


class EnvelopeKind(StrEnum):
    SMG_GRANT = "smg_grant"  # the city's CG grant to the borough (set by smg_admin)
    BOROUGH = "borough"  # the borough's own CG funds
    INTEGRATED = "integrated"  # pooled envelope replacing fragmented project grants


FundingSource = Literal["smg_grant", "borough"]


class EnvelopeSet(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"amount_krw": 800_000_000, "note": "2027 협치 예산 구비"}]},
    )
    amount_krw: Krw
    note: LongText = ""
    integrated_source: FundingSource | None = Field(
        default=None,
        description="Integrated envelopes only: the funding source reported for lines drawn from it "
        "(default smg_grant, since the pool replaces city project grants)",
    )


class GrantFormulaIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "base_krw": 200_000_000,
                    "per_resident_krw": 500,
                    "grade_bonus_krw": {"가": 500_000_000},
                    "apply": True,
                }
            ]
        },
    )
    base_krw: Krw | None = Field(default=None, description="Default: CG_GRANT_BASE_KRW")
    per_resident_krw: Krw | None = Field(default=None, description="Default: CG_GRANT_PER_RESIDENT_KRW")
    grade_bonus_krw: dict[str, Krw] | None = Field(default=None, description="Bonus per grade 가/나/다")
    grade: Literal["가", "나", "다"] | None = Field(
        default=None, description="Override the grade; default: the plan evaluation of the previous year"
    )
    apply: bool = Field(default=True, description="false = preview only, nothing is written")
    note: LongText = ""


class EnvelopeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    cycle_id: str
    sgg_code: str
    kind: EnvelopeKind
    amount_krw: int
    allocated_krw: int
    available_krw: int
    integrated_source: str | None
    formula: dict[str, Any] | None
    note: str
    revision: int = Field(description="0 = original budget, n = set in supplementary budget n")
    version: int
    created_at: datetime
    updated_at: datetime


class GrantComputation(BaseModel):
    sgg_code: str
    population: int
    grade: str | None
    grade_source: str = Field(description="override | plan_evaluation:<plan id>:<year> | none")
    base_krw: int
    population_krw: int
    grade_bonus_krw: int
    total_krw: int
    applied: bool
    envelope: EnvelopeRead | None
