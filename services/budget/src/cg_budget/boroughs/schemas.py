"""One row per borough of the budget service's figures (``GET /v1/boroughs``)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from cg_shared.borough_table import BoroughName


class BudgetBoroughRow(BoroughName):
    envelope_count: int
    envelope_krw: int = Field(description="Money in the borough's envelopes (all kinds), integer won")
    envelope_smg_grant_krw: int = Field(description="Of which in SMG-grant envelopes")
    request_count: int = Field(description="Budget requests")
    request_krw: int = Field(description="Their current amounts")
    request_from_plan_count: int = Field(description="Requests opened from adopted plan items")
    election_count: int = Field(description="Participatory-budgeting elections")
    ballot_count: int
    pb_voter_count: int = Field(description="Distinct voters over the borough's elections")
    pb_turnout: float = Field(description="pb_voter_count / the borough's population (5 places)")
    allocated_krw: int = Field(description="Money allocated to requests (all allocations)")
    allocated_smg_grant_krw: int
    allocated_borough_krw: int


class BudgetBoroughTable(BaseModel):
    service: str = "budget"
    fiscal_year: int | None = Field(description="Only this fiscal year's cycles, or every year (null)")
    rows: list[BudgetBoroughRow] = Field(description="Always 25 rows in borough-code order")
