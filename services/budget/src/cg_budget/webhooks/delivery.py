"""Background delivery of queued webhooks: signed POSTs, exponential backoff, a log row per attempt.

A delivery is claimed by pushing its ``next_attempt_at`` past the HTTP timeout (under ``FOR UPDATE SKIP
LOCKED`` on PostgreSQL, so replicas never send the same attempt twice), sent outside any database
transaction, and then its attempt is recorded. A 2xx ends it for good; other answers and network errors
schedule the next attempt after ``base * 2^(attempt-1)`` seconds (capped) until ``max_attempts``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cg_budget.settings import BudgetSettings
from cg_budget.webhooks import signing
from cg_budget.webhooks.crypto import SecretBox
from cg_budget.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from cg_shared.db import utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Claimed:
    delivery_id: str
    url: str
    secrets: list[str]  # the current secret, and the previous one during a rotation's overlap
    payload: bytes


@dataclass(frozen=True, slots=True)
class Result:
    timestamp: int
    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def backoff_delay(attempts: int, *, base_s: float, max_s: float) -> float:
    """Seconds to wait after the ``attempts``-th failed attempt."""
    return float(min(base_s * (2 ** max(attempts - 1, 0)), max_s))


def signing_secrets(sub: WebhookSubscription, box: SecretBox, *, now: datetime) -> list[str]:
    """Decrypted secrets that sign now: the current one, plus the previous one until its overlap ends."""
    secrets = [box.open(sub.secret_encrypted)]
    expires = sub.previous_secret_expires_at
    if sub.previous_secret_encrypted and expires is not None and now < expires:
        secrets.append(box.open(sub.previous_secret_encrypted))
    return secrets


async def claim_due(
    sessions: async_sessionmaker[AsyncSession], *, now: datetime, batch: int, lease_s: float, box: SecretBox
) -> list[Claimed]:
    async with sessions() as session, session.begin():
        rows = (
            await session.execute(
                select(WebhookDelivery, WebhookSubscription)
                .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
                .where(
                    WebhookDelivery.status == "pending",
                    WebhookDelivery.next_attempt_at <= now,
                    WebhookSubscription.active.is_(True),
                )
                .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
                .limit(batch)
                .with_for_update(skip_locked=True, of=WebhookDelivery)
            )
        ).all()
        claimed = []
        for delivery, sub in rows:
            delivery.next_attempt_at = now + timedelta(seconds=lease_s)
            secrets = signing_secrets(sub, box, now=now)
            claimed.append(Claimed(delivery.id, sub.url, secrets, delivery.payload.encode()))
        return claimed


async def send(client: httpx.AsyncClient, item: Claimed, *, timeout_s: float) -> Result:
    timestamp = int(time.time())
    headers = signing.headers_for(item.secrets, item.delivery_id, timestamp, item.payload)
    started = time.perf_counter()
    status: int | None = None
    error: str | None = None
    try:
        response = await client.post(item.url, content=item.payload, headers=headers, timeout=timeout_s)
        status = response.status_code
        if not 200 <= status < 300:
            error = f"HTTP {status}: {response.text[:200]}"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
    return Result(timestamp, status, error, int((time.perf_counter() - started) * 1000))


async def record(
    sessions: async_sessionmaker[AsyncSession], item: Claimed, result: Result, settings: BudgetSettings
) -> None:
    async with sessions() as session, session.begin():
        delivery = await session.get(WebhookDelivery, item.delivery_id, with_for_update=True)
        if delivery is None or delivery.status != "pending":
            return
        delivery.attempts += 1
        now = utcnow()
        session.add(
            WebhookAttempt(
                delivery_id=delivery.id,
                number=delivery.attempts,
                at=now,
                webhook_timestamp=result.timestamp,
                status_code=result.status_code,
                succeeded=result.succeeded,
                error=result.error,
                duration_ms=result.duration_ms,
            )
        )
        delivery.last_status_code = result.status_code
        delivery.last_error = result.error
        if result.succeeded:
            delivery.status = "succeeded"
            delivery.delivered_at = now
        elif delivery.attempts >= settings.webhook_max_attempts:
            delivery.status = "failed"
        else:
            delay = backoff_delay(
                delivery.attempts,
                base_s=settings.webhook_backoff_base_s,
                max_s=settings.webhook_backoff_max_s,
            )
            delivery.next_attempt_at = now + timedelta(seconds=delay)


async def deliver_once(
    sessions: async_sessionmaker[AsyncSession], client: httpx.AsyncClient, settings: BudgetSettings
) -> int:
    """Claim, send and record one batch of due deliveries; returns how many were attempted."""
    claimed = await claim_due(
        sessions,
        now=utcnow(),
        batch=settings.webhook_batch_size,
        lease_s=settings.webhook_timeout_s + 30,
        box=settings.secret_box(),
    )
    if not claimed:
        return 0
    results = await asyncio.gather(*(send(client, c, timeout_s=settings.webhook_timeout_s) for c in claimed))
    for item, result in zip(claimed, results, strict=True):
        await record(sessions, item, result, settings)
    return len(claimed)


async def deliver_webhooks(app: FastAPI) -> None:
    """Background task of the service app (create_service_app(background=[...]))."""
    settings: BudgetSettings = app.state.settings
    if not settings.webhook_delivery_enabled:
        return
    # Redirects are not followed: a subscriber could otherwise bounce us to an internal address.
    async with httpx.AsyncClient(follow_redirects=False) as client:
        while True:
            try:
                sent = await deliver_once(app.state.sessions, client, settings)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("webhook delivery round failed; retrying", exc_info=True)
                sent = 0
            if sent < settings.webhook_batch_size:
                await asyncio.sleep(settings.webhook_poll_interval_s)
