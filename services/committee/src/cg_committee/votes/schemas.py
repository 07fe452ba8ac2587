"""Pydantic models of motions and named votes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from cg_committee.common import MemberId, Moment, ShortText, Title
from cg_committee.rules import SeatKind, VoteChoice


class MotionCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"text_ko": "원안대로 가결한다", "text_en": "Adopt as proposed"}]},
    )
    text_ko: Title
    text_en: ShortText = ""
    proposed_by_member_id: MemberId | None = None


class VoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    member_id: MemberId
    choice: VoteChoice


class VotesCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "votes": [
                        {"member_id": "<member id>", "choice": "yes"},
                        {"member_id": "<id>", "choice": "no"},
                    ]
                }
            ]
        },
    )
    motion_id: MemberId | None = Field(
        default=None, description="Motion to vote on; default: the item's open motion (opened if none)"
    )
    votes: list[VoteIn] = Field(min_length=1, max_length=300)
    cast_at: Moment | None = Field(
        default=None,
        description=(
            "When the votes were cast, for a secretariat recording them after the meeting; default now. "
            "Never in the future. Votes count only when cast while the meeting is in session (from "
            "starts_at until ends_at, or until it is closed as held)"
        ),
    )


class VoteRead(BaseModel):
    member_id: str
    name_ko: str
    seat_kind: SeatKind
    choice: VoteChoice
    recused: bool = Field(description="The member was recused when the vote was cast")
    cast_by: str
    cast_at: datetime


class MotionRead(BaseModel):
    id: str
    agenda_item_id: str
    meeting_id: str
    text_ko: str
    text_en: str
    proposed_by_member_id: str | None
    status: str
    created_at: datetime
    decision_id: str | None
    votes: list[VoteRead]


class VotesRead(BaseModel):
    motion: MotionRead
    warnings: list[str] = Field(description="e.g. a recused member voted: the decision will be invalid")
