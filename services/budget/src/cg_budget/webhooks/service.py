"""Webhook use cases: subscriptions and the delivery log (deliveries are queued with an event by
:mod:`cg_budget.webhooks.queue`)."""

from __future__ import annotations

import ipaddress
import json
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import delete as sql_delete
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cg_budget.common import ensure_known_sgg, ensure_officer
from cg_budget.webhooks import signing
from cg_budget.webhooks.catalogue import WEBHOOK_EVENT_TYPES
from cg_budget.webhooks.crypto import SecretBox
from cg_budget.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from cg_budget.webhooks.schemas import (
    AttemptRead,
    DeliveryRead,
    SecretRotate,
    SecretRotated,
    WebhookCreate,
    WebhookCreated,
    WebhookRead,
    WebhookUpdate,
)
from cg_budget.writes import finish_write
from cg_shared.audit import record_audit
from cg_shared.auth import Principal, Role, ensure_role
from cg_shared.db import utcnow
from cg_shared.http import (
    FieldError,
    NotFound,
    Page,
    PageParams,
    Unprocessable,
    check_if_match,
    encode_cursor,
)
from cg_shared.i18n import msg
from cg_shared.rows import bump_version, loader


def known_event_names() -> tuple[str, ...]:
    return WEBHOOK_EVENT_TYPES


def validate_url(url: str, *, block_private: bool, field: str = "body.url") -> str:
    """SSRF guard: only http(s), a host, no credentials; optionally no loopback/private IP literals."""
    parts = urlsplit(url)
    problem: str | None = None
    if parts.scheme not in ("http", "https"):
        problem = "only http and https URLs are allowed"
    elif not parts.hostname:
        problem = "the URL needs a host"
    elif parts.username or parts.password:
        problem = "credentials in the URL are not allowed; authenticate with the signature"
    elif block_private:
        host = parts.hostname
        if host == "localhost" or host.endswith(".localhost"):
            problem = "loopback hosts are not allowed"
        else:
            try:
                address = ipaddress.ip_address(host)
            except ValueError:
                address = None
            if address is not None and (
                address.is_private or address.is_loopback or address.is_link_local or address.is_reserved
            ):
                problem = "private, loopback and link-local addresses are not allowed"
    if problem:
        raise Unprocessable(
            msg("webhook URL refused: {problem}", problem=problem),
            errors=[FieldError(field=field, message=problem)],
        )
    return url


def _validate_event_types(names: list[str], field: str = "body.event_types") -> list[str]:
    known = set(known_event_names())
    unknown = [n for n in names if n != "*" and n not in known]
    if unknown:
        raise Unprocessable(
            msg("unknown event types: {items}", items=", ".join(unknown)),
            errors=[
                FieldError(field=field, message=msg("known: {items} or *", items=", ".join(sorted(known))))
            ],
        )
    return sorted(set(names))


def _ensure_can_manage(principal: Principal, sgg_code: str | None) -> None:
    if sgg_code is None:
        ensure_role(principal, Role.SMG_ADMIN)
    else:
        ensure_officer(principal, sgg_code)


_get = loader(
    WebhookSubscription,
    lambda webhook_id: msg("no webhook subscription with id {webhook_id}", webhook_id=webhook_id),
)


def _checked_secret(secret: str | None, field: str = "body.secret") -> str | None:
    if secret is not None:
        try:
            signing.secret_key(secret)
        except ValueError as exc:
            raise Unprocessable(
                "invalid webhook secret", errors=[FieldError(field=field, message=str(exc))]
            ) from exc
    return secret


async def create(
    *,
    session: AsyncSession,
    principal: Principal,
    webhook_in: WebhookCreate,
    block_private: bool,
    box: SecretBox,
) -> WebhookCreated:
    if webhook_in.sgg_code is not None:
        ensure_known_sgg(webhook_in.sgg_code, field="body.sgg_code")
    sgg_code = webhook_in.sgg_code
    if sgg_code is None and principal.role is Role.BOROUGH_OFFICER:
        sgg_code = principal.sgg_code  # an officer's subscription is for their own borough
    _ensure_can_manage(principal, sgg_code)
    url = validate_url(webhook_in.url, block_private=block_private)
    secret = _checked_secret(webhook_in.secret) or signing.generate_secret()
    row = WebhookSubscription(
        sgg_code=sgg_code,
        url=url,
        secret_encrypted=box.seal(secret),
        event_types=_validate_event_types(list(webhook_in.event_types)),
        description=webhook_in.description,
        active=True,
        version=1,
        created_by=principal.sub,
        created_at=utcnow(),
        updated_at=utcnow(),
    )
    session.add(row)
    # The read has no secret: it is never written to the audit log.
    read = await finish_write(
        session,
        row,
        lambda: WebhookRead.model_validate(row),
        actor=principal,
        action="webhook.create",
        entity_type="webhook",
    )
    return WebhookCreated(**read.model_dump(), secret=secret)


async def get(*, session: AsyncSession, principal: Principal, webhook_id: str) -> WebhookRead:
    row = await _get(session, webhook_id)
    _ensure_can_manage(principal, row.sgg_code)
    return WebhookRead.model_validate(row)


async def list_(*, session: AsyncSession, principal: Principal, page: PageParams) -> Page[WebhookRead]:
    ensure_role(principal, Role.BOROUGH_OFFICER)
    stmt = select(WebhookSubscription).order_by(WebhookSubscription.id).limit(page.limit + 1)
    if not principal.is_admin:
        stmt = stmt.where(WebhookSubscription.sgg_code == principal.sgg_code)
    if page.cursor:
        stmt = stmt.where(WebhookSubscription.id > str(page.cursor[0]))
    rows = list((await session.execute(stmt)).scalars())
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    return Page(
        items=[WebhookRead.model_validate(r) for r in rows],
        next_cursor=encode_cursor([rows[-1].id]) if more and rows else None,
    )


async def update(
    *,
    session: AsyncSession,
    principal: Principal,
    webhook_id: str,
    webhook_in: WebhookUpdate,
    if_match: str | None,
    block_private: bool,
) -> WebhookRead:
    row = await _get(session, webhook_id, for_update=True)
    _ensure_can_manage(principal, row.sgg_code)
    check_if_match(if_match, row.version)
    before = WebhookRead.model_validate(row).model_dump()
    if webhook_in.url is not None:
        row.url = validate_url(webhook_in.url, block_private=block_private)
    if webhook_in.event_types is not None:
        row.event_types = _validate_event_types(list(webhook_in.event_types))
    if webhook_in.description is not None:
        row.description = webhook_in.description
    if webhook_in.active is not None:
        row.active = webhook_in.active
    bump_version(row)
    return await finish_write(
        session,
        row,
        lambda: WebhookRead.model_validate(row),
        actor=principal,
        action="webhook.update",
        entity_type="webhook",
        before=before,
    )


async def list_deliveries(
    *, session: AsyncSession, principal: Principal, webhook_id: str, page: PageParams
) -> Page[DeliveryRead]:
    row = await _get(session, webhook_id)
    _ensure_can_manage(principal, row.sgg_code)
    stmt = (
        select(WebhookDelivery)
        .where(WebhookDelivery.subscription_id == webhook_id)
        .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
        .limit(page.limit + 1)
    )
    if page.cursor:
        stmt = stmt.where(WebhookDelivery.id < str(page.cursor[0]))
    deliveries = list((await session.execute(stmt)).scalars())
    more = len(deliveries) > page.limit
    deliveries = deliveries[: page.limit]
    attempts: dict[str, list[AttemptRead]] = {d.id: [] for d in deliveries}
    if deliveries:
        rows = await session.execute(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id.in_(list(attempts)))
            .order_by(WebhookAttempt.delivery_id, WebhookAttempt.number)
        )
        for attempt in rows.scalars():
            attempts[attempt.delivery_id].append(AttemptRead.model_validate(attempt))
    items = [_delivery_read(d, attempts[d.id]) for d in deliveries]
    # Delivery ids are random, so the cursor is only a tie-breaker hint; pages follow creation time.
    return Page(items=items, next_cursor=encode_cursor([deliveries[-1].id]) if more and deliveries else None)


async def rotate_secret(
    *,
    session: AsyncSession,
    principal: Principal,
    webhook_id: str,
    rotate_in: SecretRotate,
    if_match: str | None,
    box: SecretBox,
    max_overlap_s: int,
) -> SecretRotated:
    """New signing secret; the current one becomes the previous one and keeps signing for the overlap."""
    row = await _get(session, webhook_id, for_update=True)
    _ensure_can_manage(principal, row.sgg_code)
    check_if_match(if_match, row.version)
    if rotate_in.overlap_seconds > max_overlap_s:
        raise Unprocessable(
            msg("overlap longer than {seconds} s", seconds=max_overlap_s),
            errors=[
                FieldError(
                    field="body.overlap_seconds", message=msg("at most {seconds}", seconds=max_overlap_s)
                )
            ],
        )
    secret = _checked_secret(rotate_in.secret) or signing.generate_secret()
    now = utcnow()
    if rotate_in.overlap_seconds > 0:
        row.previous_secret_encrypted = row.secret_encrypted
        row.previous_secret_expires_at = now + timedelta(seconds=rotate_in.overlap_seconds)
    else:
        row.previous_secret_encrypted = None
        row.previous_secret_expires_at = None
    row.secret_encrypted = box.seal(secret)
    bump_version(row, at=now)
    await session.flush()
    record_audit(
        session,
        actor=principal,
        action="webhook.rotate_secret",
        entity_type="webhook",
        entity_id=row.id,
        sgg_code=row.sgg_code,
        # never the secrets themselves
        after={"version": row.version, "previous_secret_expires_at": row.previous_secret_expires_at},
    )
    return SecretRotated(
        id=row.id,
        version=row.version,
        secret=secret,
        previous_secret_expires_at=row.previous_secret_expires_at,
    )


PING_EVENT = "webhook.ping"


async def ping(*, session: AsyncSession, principal: Principal, webhook_id: str) -> DeliveryRead:
    """Queue a signed test delivery now, whatever the subscription's event types (sent while it is active)."""
    row = await _get(session, webhook_id)
    _ensure_can_manage(principal, row.sgg_code)
    now = utcnow()
    event_id = str(uuid.uuid4())
    body = {
        "specversion": "1.0",
        "id": event_id,
        "source": "/cg/budget/webhooks",
        "type": "kr.seoul.cg.budget.webhook.ping.v1",
        "time": now.isoformat().replace("+00:00", "Z"),
        "datacontenttype": "application/json",
        "data": {
            "webhook_id": row.id,
            "message": "테스트 전송 (test delivery)",
            "requested_by": principal.sub,
        },
    }
    delivery = WebhookDelivery(
        id=f"msg_{uuid.uuid4().hex}",
        subscription_id=row.id,
        event_type=PING_EVENT,
        kind="ping",
        event_id=event_id,
        payload=json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        status="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(delivery)
    await session.flush()
    record_audit(
        session,
        actor=principal,
        action="webhook.ping",
        entity_type="webhook",
        entity_id=row.id,
        sgg_code=row.sgg_code,
        after={"delivery_id": delivery.id},
    )
    return _delivery_read(delivery, [])


async def redeliver(
    *, session: AsyncSession, principal: Principal, webhook_id: str, delivery_id: str
) -> DeliveryRead:
    """Send one earlier delivery again (same webhook-id and bytes, so receivers can deduplicate): it goes
    back to pending and is attempted at once; a failure then ends it again (no new retry series)."""
    row = await _get(session, webhook_id)
    _ensure_can_manage(principal, row.sgg_code)
    delivery = await session.get(WebhookDelivery, delivery_id, with_for_update=True)
    if delivery is None or delivery.subscription_id != row.id:
        raise NotFound(
            msg(
                "no delivery {delivery_id} of webhook subscription {webhook_id}",
                delivery_id=delivery_id,
                webhook_id=webhook_id,
            )
        )
    before = delivery.status
    delivery.status = "pending"
    delivery.next_attempt_at = utcnow()
    await session.flush()
    record_audit(
        session,
        actor=principal,
        action="webhook.redeliver",
        entity_type="webhook",
        entity_id=row.id,
        sgg_code=row.sgg_code,
        before={"delivery_id": delivery.id, "status": before},
        after={"delivery_id": delivery.id, "status": "pending"},
    )
    attempts = await session.execute(
        select(WebhookAttempt)
        .where(WebhookAttempt.delivery_id == delivery.id)
        .order_by(WebhookAttempt.number)
    )
    return _delivery_read(delivery, [AttemptRead.model_validate(a) for a in attempts.scalars()])


async def delete(
    *, session: AsyncSession, principal: Principal, webhook_id: str, if_match: str | None
) -> None:
    """Remove the subscription with its delivery log; nothing more is sent to it."""
    row = await _get(session, webhook_id, for_update=True)
    _ensure_can_manage(principal, row.sgg_code)
    check_if_match(if_match, row.version)
    before = WebhookRead.model_validate(row).model_dump()
    deliveries = select(WebhookDelivery.id).where(WebhookDelivery.subscription_id == row.id)
    await session.execute(sql_delete(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(deliveries)))
    await session.execute(sql_delete(WebhookDelivery).where(WebhookDelivery.subscription_id == row.id))
    await session.delete(row)
    await session.flush()
    record_audit(
        session,
        actor=principal,
        action="webhook.delete",
        entity_type="webhook",
        entity_id=webhook_id,
        sgg_code=before["sgg_code"],
        before=before,
    )


def _delivery_read(d: WebhookDelivery, attempts: list[AttemptRead]) -> DeliveryRead:
    return DeliveryRead(
        id=d.id,
        subscription_id=d.subscription_id,
        event_type=d.event_type,
        kind=d.kind,
        event_id=d.event_id,
        status=d.status,
        attempts=d.attempts,
        next_attempt_at=d.next_attempt_at if d.status == "pending" else None,
        last_status_code=d.last_status_code,
        created_at=d.created_at,
        delivered_at=d.delivered_at,
        attempt_log=attempts,
    )
