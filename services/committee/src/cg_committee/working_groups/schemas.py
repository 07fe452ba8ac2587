"""Pydantic models of working groups."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from cg_committee.common import LongText, Name
from cg_committee.rules import SeatKind


class WorkingGroupRole(StrEnum):
    CHAIR = "chair"
    MEMBER = "member"


class WorkingGroupCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"name_ko": "돌봄·복지 분과", "purpose": "돌봄 의제 사전 검토"}]},
    )
    name_ko: Name
    name_en: Name | None = None
    purpose: LongText = ""


class WorkingGroupMembership(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"role": "chair"}]})
    role: WorkingGroupRole = WorkingGroupRole.MEMBER


class WorkingGroupMemberRead(BaseModel):
    member_id: str
    name_ko: str
    seat_kind: SeatKind
    role: WorkingGroupRole


class WorkingGroupRead(BaseModel):
    id: str
    committee_id: str
    name_ko: str
    name_en: str
    purpose: str
    created_at: datetime
    members: list[WorkingGroupMemberRead]
