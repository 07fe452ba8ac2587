"""API models of webhook subscriptions and their delivery log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from cg_budget.common import SggCode

Url = Annotated[str, StringConstraints(strip_whitespace=True, min_length=8, max_length=2000)]
EventName = Annotated[str, StringConstraints(pattern=r"^(\*|[a-z_]+\.[a-z_]+)$", max_length=60)]


class WebhookCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "url": "https://budget.gu.example.kr/cg/webhooks",
                    "event_types": ["allocation.finalized", "appropriation.imported"],
                    "sgg_code": "11200",
                    "description": "성동구 e호조 연계",
                }
            ]
        },
    )
    url: Url = Field(description="http(s) URL receiving POSTs; no credentials in the URL")
    event_types: list[EventName] = Field(
        min_length=1,
        max_length=20,
        description="Short event names (cycle.opened, envelope.set, request.created, request.executed, "
        "election.closed, allocation.finalized, appropriation.imported) or * for all",
    )
    sgg_code: SggCode | None = Field(
        default=None, description="Borough whose events are sent; omit = all (smg_admin)"
    )
    description: Annotated[str, StringConstraints(max_length=300)] = ""
    secret: str | None = Field(
        default=None,
        max_length=200,
        description="Optional whsec_<base64> secret; generated when omitted. Returned only on creation.",
    )


class WebhookUpdate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"event_types": ["allocation.finalized"], "active": False},
                {
                    "url": "https://budget.gu.example.kr/cg/webhooks/v2",
                    "description": "성동구 e호조 연계 (신규)",
                },
            ]
        },
    )
    url: Url | None = None
    event_types: Annotated[list[EventName], Field(min_length=1, max_length=20)] | None = None
    description: Annotated[str, StringConstraints(max_length=300)] | None = None
    active: bool | None = None


class WebhookRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    sgg_code: str | None
    url: str
    event_types: list[str]
    description: str
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime
    previous_secret_expires_at: datetime | None = Field(
        default=None, description="While in the future, the previous secret signs as well (rotation overlap)"
    )


class WebhookCreated(WebhookRead):
    secret: str = Field(description="Signing secret (whsec_…): store it now, it is not shown again")


class SecretRotate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"overlap_seconds": 86400}, {"overlap_seconds": 0}]}
    )
    overlap_seconds: int = Field(
        default=86400,
        ge=0,
        description="How long the old secret keeps signing next to the new one (0: stop at once)",
    )
    secret: str | None = Field(
        default=None, max_length=200, description="Optional whsec_<base64> new secret; generated when omitted"
    )


class SecretRotated(BaseModel):
    id: str
    version: int
    secret: str = Field(description="The new signing secret (whsec_…): store it now, it is not shown again")
    previous_secret_expires_at: datetime | None = Field(
        description="Until then every delivery carries signatures with both secrets"
    )


class AttemptRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    number: int
    at: datetime
    webhook_timestamp: int
    status_code: int | None
    succeeded: bool
    error: str | None
    duration_ms: int


class DeliveryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str = Field(description="The webhook-id header value, identical on every retry")
    subscription_id: str
    event_type: str
    kind: str = Field(default="event", description="event | ping (a test delivery)")
    event_id: str
    status: str = Field(description="pending | succeeded | failed (gave up after the last retry)")
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    created_at: datetime
    delivered_at: datetime | None
    attempt_log: list[AttemptRead]
