"""One row per borough of the planning service's figures (``GET /v1/boroughs``)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from cg_shared.borough_table import BoroughName


class PlanningBoroughRow(BoroughName):
    plan_count: int = Field(description="Master and annual plans")
    plans_by_state: dict[str, int] = Field(description="Every plan state, zero included")
    item_count: int
    items_by_origin: dict[str, int] = Field(description="resident, civic_group, department (zero included)")
    resident_led_item_share: float = Field(description="Items of resident or civic-group origin / items")
    item_requested_krw: int = Field(description="Money the items ask for, integer won")
    item_funded_krw: int = Field(description="Money budget allocations gave the items")
    proposal_count: int = Field(description="Resident proposals")
    proposals_by_status: dict[str, int] = Field(description="submitted, accepted, merged, rejected")
    deliberation_count: int = Field(description="Deliberation records (forums, workshops, …)")
    deliberation_participants: int = Field(description="Sum of their participant counts")


class PlanningBoroughTable(BaseModel):
    service: str = "planning"
    rows: list[PlanningBoroughRow] = Field(description="Always 25 rows in borough-code order")
