"""Borough IT's webhook administration against a real HTTP receiver, on SQLite and PostgreSQL: secret
rotation with an overlap window (both secrets sign during it, only the new one after), a test ping,
manual redelivery of one delivery, delete, and secrets encrypted at rest (also for rows that existed
before migration 0005)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import create_async_engine

from cg_budget.main import create_app
from cg_budget.settings import BudgetSettings
from cg_budget.webhooks.crypto import SecretBox
from cg_shared.migrations import upgrade_async
from cg_shared.testing.helpers import eventually, running_app, service_dir

from ..conftest import OFFICER, OTHER_OFFICER, settings_for
from .test_budget_webhooks import Receiver, serve

pytestmark = pytest.mark.postgres

KEY = Fernet.generate_key().decode()


def signature_with(secret: str, headers: dict[str, str], body: bytes) -> str:
    # Independent of the service's signing module: the Standard Webhooks recipe.
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def app_settings(url: str) -> BudgetSettings:
    return settings_for(url, webhook_poll_interval_s=0.05, webhook_max_attempts=2, webhook_secret_keys=KEY)


@dataclass
class _Hook:
    """One subscription of the test, with its receiver: reads its delivery log and pings it."""

    client: Any
    receiver: Receiver
    id: str

    async def deliveries(self) -> list[dict[str, Any]]:
        r = await self.client.get(f"/v1/webhooks/{self.id}/deliveries", headers=OFFICER)
        assert r.status_code == 200, r.text
        return list(r.json()["items"])

    async def ping_and_wait(self) -> dict[str, Any]:
        ping = await self.client.post(f"/v1/webhooks/{self.id}/ping", headers=OFFICER)
        assert ping.status_code == 202, ping.text
        assert ping.json()["kind"] == "ping" and ping.json()["status"] == "pending"
        found = await eventually(
            self.deliveries,
            until=lambda ds: any(d["id"] == ping.json()["id"] and d["status"] == "succeeded" for d in ds),
            timeout_s=20,
            what="ping delivered",
        )
        (delivery,) = [d for d in found if d["id"] == ping.json()["id"]]
        (call,) = [s for s in self.receiver.seen if s["headers"]["webhook-id"] == delivery["id"]]
        return call

    async def rotate(self, etag: str, overlap_seconds: int | None = None) -> Any:
        body = {} if overlap_seconds is None else {"overlap_seconds": overlap_seconds}
        return await self.client.post(
            f"/v1/webhooks/{self.id}/rotate-secret", json=body, headers={**OFFICER, "If-Match": etag}
        )


async def _rotations_sign_with_the_right_secrets(hook: _Hook, old_secret: str) -> tuple[str, str]:
    """With an overlap both secrets sign every delivery until the window ends; without, only the newest.
    Returns the secret of the first rotation and the ETag after the last."""
    etag = (await hook.client.get(f"/v1/webhooks/{hook.id}", headers=OFFICER)).headers["ETag"]
    rotated = await hook.rotate(etag, 3600)
    assert rotated.status_code == 200, rotated.text
    new_secret = rotated.json()["secret"]
    assert new_secret != old_secret and rotated.json()["previous_secret_expires_at"]
    assert (await hook.rotate(etag)).status_code == 412
    call = await hook.ping_and_wait()
    signatures = call["headers"]["webhook-signature"].split()
    assert signatures == [
        signature_with(new_secret, call["headers"], call["body"]),
        signature_with(old_secret, call["headers"], call["body"]),
    ]
    again = await hook.rotate(rotated.headers["ETag"], 0)
    assert again.status_code == 200 and again.json()["previous_secret_expires_at"] is None
    call = await hook.ping_and_wait()
    assert call["headers"]["webhook-signature"] == signature_with(
        again.json()["secret"], call["headers"], call["body"]
    )
    too_long = await hook.rotate(again.headers["ETag"], 30 * 86400)
    assert too_long.status_code == 422 and "overlap_seconds" in too_long.text
    return new_secret, str(again.headers["ETag"])


async def _redelivery_sends_the_same_bytes(hook: _Hook) -> None:
    """Manual redelivery of one delivery: same webhook-id and bytes, one more attempt in the log."""
    first = (await hook.deliveries())[-1]
    again_sent = await hook.client.post(
        f"/v1/webhooks/{hook.id}/deliveries/{first['id']}/redeliver", headers=OFFICER
    )
    assert again_sent.status_code == 202 and again_sent.json()["status"] == "pending"
    await eventually(
        hook.deliveries,
        until=lambda ds: any(d["id"] == first["id"] and d["attempts"] == 2 for d in ds),
        timeout_s=20,
        what="redelivered",
    )
    calls = [s for s in hook.receiver.seen if s["headers"]["webhook-id"] == first["id"]]
    assert len(calls) == 2 and calls[0]["body"] == calls[1]["body"]
    missing = await hook.client.post(f"/v1/webhooks/{hook.id}/deliveries/msg_nope/redeliver", headers=OFFICER)
    assert missing.status_code == 404
    foreign = await hook.client.post(f"/v1/webhooks/{hook.id}/ping", headers=OTHER_OFFICER)
    assert foreign.status_code == 403


async def _delete_removes_subscription_and_log(hook: _Hook, etag: str) -> None:
    client = hook.client
    assert (await client.delete(f"/v1/webhooks/{hook.id}", headers=OFFICER)).status_code == 428
    deleted = await client.delete(f"/v1/webhooks/{hook.id}", headers={**OFFICER, "If-Match": etag})
    assert deleted.status_code == 204
    assert (await client.get(f"/v1/webhooks/{hook.id}", headers=OFFICER)).status_code == 404
    assert (await client.get(f"/v1/webhooks/{hook.id}/deliveries", headers=OFFICER)).status_code == 404
    assert (await client.post(f"/v1/webhooks/{hook.id}/ping", headers=OFFICER)).status_code == 404


async def test_rotation_ping_redelivery_and_delete(budget_url: str) -> None:
    receiver = Receiver(failures=0)
    app = create_app(app_settings(budget_url))
    async with serve(receiver) as base, running_app(app) as client:
        created = await client.post(
            "/v1/webhooks",
            json={"url": f"{base}/hook", "event_types": ["allocation.finalized"]},
            headers=OFFICER,
        )
        assert created.status_code == 201, created.text
        hook_id, old_secret = created.json()["id"], created.json()["secret"]
        hook = _Hook(client, receiver, hook_id)

        # A ping is a signed CloudEvent, whatever event types the subscription has.
        call = await hook.ping_and_wait()
        assert call["headers"]["webhook-signature"] == signature_with(
            old_secret, call["headers"], call["body"]
        )
        event = json.loads(call["body"])
        assert (
            event["type"] == "kr.seoul.cg.budget.webhook.ping.v1" and event["data"]["webhook_id"] == hook_id
        )
        new_secret, etag = await _rotations_sign_with_the_right_secrets(hook, old_secret)
        await _redelivery_sends_the_same_bytes(hook)
        await _delete_removes_subscription_and_log(hook, etag)

    engine = create_async_engine(budget_url)
    async with engine.connect() as conn:
        actions = (
            await conn.execute(
                sa.text("SELECT action, after FROM audit_log WHERE entity_id = :id"), {"id": hook_id}
            )
        ).all()
    await engine.dispose()
    assert {a for a, _ in actions} >= {
        "webhook.create",
        "webhook.ping",
        "webhook.rotate_secret",
        "webhook.redeliver",
        "webhook.delete",
    }
    assert not any(old_secret in str(after) or new_secret in str(after) for _, after in actions)


async def test_secrets_are_encrypted_at_rest_and_legacy_rows_get_encrypted(
    database_factory: Any, db_backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = await database_factory(db_backend)
    await upgrade_async(service_dir("budget"), url, "0003")
    legacy_secret = "whsec_" + base64.b64encode(b"k" * 32).decode()
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(
            sa.text(
                "INSERT INTO webhook_subscriptions (id, sgg_code, url, secret, event_types, description, active,"
                " version, created_at, updated_at, created_by) VALUES (:id, '11200', 'https://gu.example/h',"
                " :secret, '[\"*\"]', '', true, 1, '2026-12-01 00:00:00', '2026-12-01 00:00:00', 'x')"
            ),
            {"id": str(uuid.uuid4()), "secret": legacy_secret},
        )
    # The migration takes the key from the environment, as the migrate Job does.
    monkeypatch.setenv("CG_WEBHOOK_SECRET_KEYS", KEY)
    await upgrade_async(service_dir("budget"), url)
    app = create_app(app_settings(url))
    async with running_app(app) as client:
        created = await client.post(
            "/v1/webhooks", json={"url": "https://gu.example/h2", "event_types": ["*"]}, headers=OFFICER
        )
        assert created.status_code == 201
        fresh_secret = created.json()["secret"]
    async with engine.connect() as conn:
        stored = [
            r[0] for r in (await conn.execute(sa.text("SELECT secret_encrypted FROM webhook_subscriptions")))
        ]
    await engine.dispose()
    assert len(stored) == 2
    assert all(s.startswith("fernet:") for s in stored)
    assert not any(legacy_secret in s or fresh_secret in s for s in stored)
    assert sorted(SecretBox([KEY]).open(s) for s in stored) == sorted([legacy_secret, fresh_secret])
    with pytest.raises(ValueError, match="does not decrypt"):
        SecretBox([Fernet.generate_key().decode()]).open(stored[0])
    # Key rotation: a new key first, the old one still decrypts; re-encrypting moves rows to the new key.
    new_key = Fernet.generate_key().decode()
    ring = SecretBox([new_key, KEY])
    moved = ring.rotate(stored[0])
    assert SecretBox([new_key]).open(moved) == SecretBox([KEY]).open(stored[0])


def test_production_refuses_to_start_without_encryption_keys() -> None:
    prod = {
        "env": "prod",
        "auth_mode": "jwks",
        "jwks_url": "https://idp.example/jwks",
        "jwt_issuer": "https://idp.example",
        "jwt_audience": "cg",
        "database_url": "postgresql+asyncpg://u:p@db/budget",
    }
    with pytest.raises(ValidationError, match="CG_WEBHOOK_SECRET_KEYS"):
        BudgetSettings(**prod)
    with pytest.raises(ValidationError, match="Fernet"):
        BudgetSettings(**prod, webhook_secret_keys="not-a-key")
    assert (
        BudgetSettings(**prod, webhook_secret_keys=KEY).secret_box().open(SecretBox([KEY]).seal("x")) == "x"
    )
