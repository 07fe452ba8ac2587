"""API models of finalised allocations."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from cg_budget.common import LongText
from cg_budget.envelopes.schemas import EnvelopeKind

Id = Annotated[str, StringConstraints(max_length=36)]


class AllocationLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    request_id: Id
    amount_krw: int | None = Field(
        default=None,
        ge=1,
        le=10**15,
        description="Default: the request's reviewed amount; never more than it",
    )
    envelope_kind: EnvelopeKind | None = Field(
        default=None, description="Default: the allocation's envelope_kind"
    )


class AllocationCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"method": "election", "election_id": "3c2b…", "envelope_kind": "integrated"},
                {
                    "method": "priority",
                    "envelope_kind": "borough",
                    "lines": [{"request_id": "9a1f…", "amount_krw": 30_000_000}, {"request_id": "c2d4…"}],
                },
            ]
        },
    )
    method: Literal["formula", "priority", "election"] = Field(
        description="election: fund the closed election's outcome; formula/priority: the officer's list"
    )
    election_id: Id | None = None
    envelope_kind: EnvelopeKind | None = Field(
        default=None,
        description="Envelope to draw from (default for lines; for elections default: its envelope)",
    )
    lines: list[AllocationLineIn] = Field(default=[], max_length=2000)
    note: LongText = ""


class AllocationLineRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    request_id: str
    envelope_id: str
    envelope_kind: str
    source: str = Field(description="Funding source for registry: smg_grant | borough")
    amount_krw: int
    plan_id: str | None
    plan_item_id: str | None
    linked_project_ids: list[str]


class AllocationRead(BaseModel):
    id: str
    cycle_id: str
    sgg_code: str
    fiscal_year: int
    method: str = Field(description="formula | priority | election:<rule>")
    election_id: str | None
    supplementary_number: int = Field(description="0 = original budget, n = supplementary budget n")
    total_krw: int
    note: str
    lines: list[AllocationLineRead]
    created_at: datetime
