"""Pydantic models of minutes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from cg_committee.common import LongText


class MinutesStatus(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    PUBLISHED = "published"


class MinutesWrite(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"body_ko": "1. 개회 선언 … 2. 안건 심의 …", "body_en": ""}]},
    )
    body_ko: LongText
    body_en: LongText = ""


class MinutesRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    meeting_id: str
    status: MinutesStatus
    body_ko: str
    body_en: str
    version: int
    created_at: datetime
    updated_at: datetime
    approved_at: datetime | None
    published_at: datetime | None
