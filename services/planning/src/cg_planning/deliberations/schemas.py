"""API models of deliberation records."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from cg_planning.types import LongText, RequiredLongText


class DeliberationKind(StrEnum):
    FORUM = "forum"
    SURVEY = "survey"
    WORKING_GROUP = "working_group"
    HEARING = "hearing"
    WORKSHOP = "workshop"
    DEPARTMENT_REVIEW = "department_review"
    ONLINE_CONSULTATION = "online_consultation"
    OTHER = "other"


class DeliberationCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "forum",
                    "held_on": "2026-05-14",
                    "participants_count": 48,
                    "summary": "성수1가1동 주민포럼: 공간 운영 주체를 청년 협의체로 하자는 의견 다수",
                    "changed_item": True,
                    "change_summary": "운영 주체를 구청 직영에서 청년 협의체 위탁으로 변경",
                }
            ]
        },
    )
    kind: DeliberationKind
    held_on: date
    participants_count: int = Field(ge=0, le=10_000_000)
    summary: RequiredLongText
    changed_item: bool = Field(default=False, description="Did this input change the item? (feedback)")
    change_summary: LongText | None = Field(
        default=None, description="What changed; required when changed_item"
    )


class DeliberationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    item_id: str
    plan_id: str
    sgg_code: str
    kind: DeliberationKind
    held_on: date
    participants_count: int
    summary: str
    changed_item: bool
    change_summary: str | None
    recorded_by: str
    created_at: datetime
