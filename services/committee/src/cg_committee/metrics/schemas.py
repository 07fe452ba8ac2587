"""Participation metrics for the tokenism view."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


class Share(BaseModel):
    numerator: int
    denominator: int
    share: float | None = Field(description="numerator / denominator, 4 decimals; null when nothing to count")


class AttendanceByKind(BaseModel):
    seat_kind: str
    expected: int = Field(description="Seated member × held meeting pairs")
    present: int
    rate: float | None


class TurnoverRead(BaseModel):
    seated_at_start: int
    appointments: int = Field(description="First appointments in the period (renewals excluded)")
    departures: int = Field(description="Members who left in the period (resigned, dismissed, replaced …)")
    rate: float | None = Field(description="departures / seated_at_start")


class MetricsRead(BaseModel):
    committee_id: str
    sgg_code: str
    period_from: date
    period_to: date
    civilian_seats: Share = Field(description="Civilian share of seats on period_to")
    civilian_votes: Share = Field(description="Civilian share of named votes cast in decisions of the period")
    attendance_by_seat_kind: list[AttendanceByKind]
    attendance_overall: Share
    turnover: TurnoverRead
    civilian_agenda_items: Share = Field(
        description="Share of agenda items (created in the period) that originated from civilians"
    )
    agenda_items_by_origin: dict[str, int]
    meetings_held: int
    decisions: int
    valid_decisions: int
    decisions_without_quorum: int
