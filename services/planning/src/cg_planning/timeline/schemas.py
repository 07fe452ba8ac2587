"""API models of proposal timelines and the resident notification inbox."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field


class Stage(StrEnum):
    """Where a proposal stands, in the order a proposal usually goes (rejected and revision may interrupt)."""

    SCREENED = "screened"  # the borough screened it (accepted, merged or rejected)
    IN_PLAN_ITEM = "in_plan_item"  # it is (part of) an item of a plan
    REVISION = "revision"  # the committee sent the plan back (the reason says why)
    ADOPTED = "adopted"  # the committee adopted the plan with its item (a valid decision)
    REQUESTED = "requested"  # budget opened a request for the item
    FUNDED = "funded"  # an allocation funded the item
    EXECUTED = "executed"  # spending on the item was reported
    COMPLETED = "completed"  # the item's money was spent in full
    REJECTED = "rejected"  # not taken up (the reason says why)


class TimelineEntryRead(BaseModel):
    stage: Stage
    at: datetime = Field(description="When it happened (the source fact's time)")
    detail: str = Field(description="What happened, in Korean, for the proposer")
    reason: str | None = Field(description="Why (rejections, revisions)")
    plan_id: str | None
    item_id: str | None
    amount_krw: int | None = Field(description="Money requested or funded at this step")


class NotificationRead(BaseModel):
    id: str
    proposal_id: str
    stage: Stage
    title: str
    body: str
    created_at: datetime
    read: bool
    read_at: datetime | None


class NotificationPage(BaseModel):
    items: list[NotificationRead]
    next_cursor: str | None
    unread_count: int = Field(description="Unread notifications in the whole inbox")


class NotificationsMarked(BaseModel):
    marked_read: int
    unread_count: int
