"""Queueing webhook deliveries: one per matching active subscription, written with the event in its own
transaction (the delivery worker in :mod:`cg_budget.webhooks.delivery` sends them)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from cg_budget.webhooks.models import WebhookDelivery, WebhookSubscription
from cg_shared.db import utcnow
from cg_shared.events.envelope import CloudEvent


async def enqueue(
    session: AsyncSession, *, cloud_event: CloudEvent, event_name: str, sgg_code: str | None
) -> int:
    """Queue one delivery per matching active subscription, in the event's own transaction."""
    stmt = select(WebhookSubscription).where(WebhookSubscription.active.is_(True))
    stmt = stmt.where(
        or_(WebhookSubscription.sgg_code.is_(None), WebhookSubscription.sgg_code == sgg_code)
        if sgg_code is not None
        else WebhookSubscription.sgg_code.is_(None)
    )
    body = cloud_event.to_json().decode()
    now = utcnow()
    count = 0
    for sub in (await session.execute(stmt)).scalars():
        names: list[Any] = sub.event_types
        if "*" not in names and event_name not in names:
            continue
        session.add(
            WebhookDelivery(
                id=f"msg_{uuid.uuid4().hex}",
                subscription_id=sub.id,
                event_type=event_name,
                event_id=cloud_event.id,
                payload=body,
                status="pending",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
        )
        count += 1
    return count
