"""API models of imports, reconciliation and exports."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from cg_budget.budget_requests.schemas import ProgramCodes
from cg_shared.http import FieldError

Cell = Annotated[str, StringConstraints(max_length=300)]


class ImportKind(StrEnum):
    APPROPRIATION = "appropriation"  # 예산액 (enacted appropriation per program code)
    EXECUTION = "execution"  # 집행액 (spent so far)


class ImportMode(StrEnum):
    REPLACE = "replace"  # each row is the current figure for its code (a snapshot export)
    ADD = "add"  # each row is an increment (e.g. one month's execution)


class ImportRow(BaseModel):
    """One row as sent (all text, so a bad value is reported against its row instead of failing the file)."""

    model_config = ConfigDict(extra="forbid")
    account: Cell | None = None
    field: Cell | None = None
    sector: Cell | None = None
    policy_program: Cell | None = None
    unit_program: Cell | None = None
    detail_program: Cell | None = None
    object_code: Cell | None = None
    name: Cell | None = None
    amount_krw: int | Cell | None = None


class ImportJson(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "rows": [
                        {
                            "account": "일반회계",
                            "field": "080",
                            "sector": "084",
                            "policy_program": "민관협치 활성화",
                            "unit_program": "지역사회혁신계획 추진",
                            "detail_program": "마을공동체 협치사업",
                            "object_code": "307-02",
                            "amount_krw": 45000000,
                        }
                    ]
                }
            ]
        },
    )
    rows: list[ImportRow] = Field(min_length=1, max_length=100_000)


class ImportReport(BaseModel):
    import_id: str | None = Field(description="Set when figures were written")
    status: str = Field(description="applied | partial | dry_run | rejected")
    replayed: bool = Field(
        default=False, description="This Idempotency-Key was already applied: nothing new written"
    )
    kind: ImportKind
    mode: ImportMode
    sgg_code: str
    fiscal_year: int
    row_count: int
    valid_count: int
    applied_count: int
    total_krw: int = Field(description="Sum of the valid rows' amounts")
    errors: list[FieldError] = Field(description="Row-level problems, e.g. field 'row 3: sector'")
    created_at: datetime | None = None


class RequestReconciliation(BaseModel):
    request_id: str
    plan_id: str | None
    plan_item_id: str | None
    title_ko: str
    program_codes: ProgramCodes
    requested_krw: int
    allocated_krw: int
    appropriated_krw: int
    executed_krw: int
    execution_rate: float | None = Field(
        description="executed / appropriated (display only; amounts are exact)"
    )
    shared_with: list[str] = Field(
        description="Other requests with the same program codes (figures not split)"
    )
    flags: list[str]


class ProgramReconciliation(BaseModel):
    program_codes: ProgramCodes
    name: str
    allocated_krw: int
    appropriated_krw: int
    executed_krw: int
    request_ids: list[str]
    flags: list[str]


class ReconciliationTotals(BaseModel):
    requested_krw: int
    allocated_krw: int
    appropriated_krw: int = Field(description="All imported appropriations of the borough and year")
    executed_krw: int
    appropriated_for_requests_krw: int = Field(
        description="Appropriations matching a request's program codes"
    )
    executed_for_requests_krw: int


class Reconciliation(BaseModel):
    sgg_code: str
    fiscal_year: int
    totals: ReconciliationTotals
    requests: list[RequestReconciliation]
    programs: list[ProgramReconciliation]
