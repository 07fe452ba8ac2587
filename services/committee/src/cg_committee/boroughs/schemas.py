"""One row per borough of the committee service's figures (``GET /v1/boroughs``)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from cg_committee.capacity.schemas import CapacityIndicator
from cg_shared.borough_table import BoroughName


class CommitteeBoroughRow(BoroughName):
    has_committee: bool
    seated_count: int = Field(description="Members seated today (Asia/Seoul)")
    civilian_seat_count: int = Field(description="Of those, civilian seats under today's ordinance")
    civilian_seat_share: float
    vote_count: int = Field(description="Votes cast in recorded decisions")
    civilian_vote_count: int = Field(description="Of those, by civilian members (the decision's ordinance)")
    civilian_vote_share: float = Field(description="Compare with civilian_seat_share: who actually decides")
    attendance_records: int = Field(description="Attendance entries recorded for meetings not cancelled")
    attended_count: int = Field(description="Of those, present or by proxy")
    attendance_rate: float
    meetings_held: int
    meetings_scheduled: int
    meetings_cancelled: int
    decision_count: int
    valid_decision_count: int
    valid_decision_share: float
    capacity: CapacityIndicator = Field(
        description="Training, support organisations and the 0–4 capacity score (last 365 days; docs/capacity.md)"
    )


class CommitteeBoroughTable(BaseModel):
    service: str = "committee"
    as_of: date = Field(description="The Seoul day seats are counted on")
    rows: list[CommitteeBoroughRow] = Field(description="Always 25 rows in borough-code order")
