"""Outbound webhooks against a real HTTP receiver (uvicorn on a free port): signed attempts, the same
webhook-id on every retry, exponential backoff, a delivery log of every attempt, nothing after success."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import itertools
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import uvicorn

from cg_budget.main import create_app
from cg_shared.testing.helpers import eventually, running_app
from cg_shared.testing.tansu import free_port

from ..conftest import OFFICER, Kit, plan_adopted, settings_for

pytestmark = pytest.mark.postgres


@dataclass
class Receiver:
    """Answers 500 to the first ``failures`` POSTs on /hook, then 204; /down always answers 503."""

    failures: int
    seen: list[dict[str, Any]] = field(default_factory=list)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        self.seen.append({"path": scope["path"], "headers": headers, "body": body, "at": time.monotonic()})
        hook_calls = sum(1 for s in self.seen if s["path"] == "/hook")
        status = 503 if scope["path"] == "/down" else (500 if hook_calls <= self.failures else 204)
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})


@contextlib.asynccontextmanager
async def serve(app: Any) -> AsyncIterator[str]:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    try:
        await eventually(lambda: asyncio.sleep(0, server.started), timeout_s=10, what="receiver up")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


def expected_signature(secret: str, msg_id: str, timestamp: str, body: bytes) -> str:
    # Independent of the service's signing module: the Standard Webhooks recipe.
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


async def _subscribe(client: Any, base: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A subscription to allocation.finalized and one to every event type on a receiver that is down;
    the secret is shown once, a file: URL is refused."""
    hook = await client.post(
        "/v1/webhooks",
        json={"url": f"{base}/hook", "event_types": ["allocation.finalized"]},
        headers=OFFICER,
    )
    assert hook.status_code == 201, hook.text
    secret = hook.json()["secret"]
    assert secret.startswith("whsec_") and hook.json()["sgg_code"] == "11200"
    down = await client.post(
        "/v1/webhooks", json={"url": f"{base}/down", "event_types": ["*"]}, headers=OFFICER
    )
    assert down.status_code == 201
    assert "secret" not in (await client.get(f"/v1/webhooks/{hook.json()['id']}", headers=OFFICER)).json()
    refused = await client.post(
        "/v1/webhooks", json={"url": "file:///etc/passwd", "event_types": ["*"]}, headers=OFFICER
    )
    assert refused.status_code == 422
    return hook.json(), down.json()


def _three_signed_attempts_of_one_delivery(
    receiver: Receiver, secret: str, delivery_id: str, rid: str
) -> None:
    """The same bytes under one webhook-id each time, signed with the secret, with exponential backoff
    between attempts."""
    calls = [s for s in receiver.seen if s["path"] == "/hook"]
    assert len(calls) == 3
    ids = {c["headers"]["webhook-id"] for c in calls}
    assert ids == {delivery_id}
    for call in calls:
        h = call["headers"]
        assert h["webhook-signature"] == expected_signature(
            secret, h["webhook-id"], h["webhook-timestamp"], call["body"]
        )
        assert abs(int(h["webhook-timestamp"]) - time.time()) < 60
    assert len({c["body"] for c in calls}) == 1
    event = json.loads(calls[0]["body"])
    assert event["type"] == "kr.seoul.cg.budget.allocation.finalized.v1"
    assert event["data"]["lines"][0]["request_id"] == rid
    # Exponential backoff between attempts: about 0.3 s, then about 0.6 s.
    gaps = [b["at"] - a["at"] for a, b in itertools.pairwise(calls)]
    assert gaps[0] >= 0.25 and gaps[1] >= 0.55 and gaps[1] > gaps[0]


async def _down_subscriber_gives_up(client: Any, down_id: str, hook_id: str) -> None:
    # The always-down subscriber gets every event type and gives up after the last attempt.
    async def down_log() -> list[dict[str, Any]]:
        r = await client.get(f"/v1/webhooks/{down_id}/deliveries", headers=OFFICER)
        return list(r.json()["items"])

    failed = await eventually(
        down_log,
        until=lambda d: len(d) >= 4 and all(x["status"] == "failed" for x in d),
        timeout_s=20,
        what="down subscriber gives up",
    )
    assert {d["event_type"] for d in failed} >= {
        "cycle.opened",
        "request.created",
        "allocation.finalized",
    }
    assert all(d["attempts"] == 3 and len(d["attempt_log"]) == 3 for d in failed)
    other = await client.get(f"/v1/webhooks/{hook_id}/deliveries", headers={"Authorization": "Bearer x"})
    assert other.status_code == 401


async def test_receiver_failing_twice_sees_three_signed_attempts_of_one_delivery(budget_url: str) -> None:
    receiver = Receiver(failures=2)
    settings = settings_for(
        budget_url,
        webhook_poll_interval_s=0.05,
        webhook_backoff_base_s=0.3,
        webhook_max_attempts=3,
        webhook_timeout_s=5,
    )
    app = create_app(settings)
    async with serve(receiver) as base, running_app(app) as client:
        kit = Kit(client, app)
        hook, down = await _subscribe(client, base)
        secret = hook["secret"]
        cycle = await kit.open_cycle()
        [rid, *_] = await kit.adopt_plan(plan_adopted(items=1))
        await kit.to_allocation(cycle["id"])
        await kit.set_envelope(cycle["id"], "borough", 50_000_000)
        alloc = await client.post(
            f"/v1/cycles/{cycle['id']}/allocations",
            json={"method": "formula", "envelope_kind": "borough", "lines": [{"request_id": rid}]},
            headers=OFFICER,
        )
        assert alloc.status_code == 201

        async def log() -> list[dict[str, Any]]:
            r = await client.get(f"/v1/webhooks/{hook['id']}/deliveries", headers=OFFICER)
            return list(r.json()["items"])

        deliveries = await eventually(
            log,
            until=lambda d: bool(d) and d[0]["status"] == "succeeded",
            timeout_s=20,
            what="webhook delivered",
        )
        # Long enough for several more polls and backoff periods: a succeeded delivery is never sent again.
        await asyncio.sleep(1.5)
        _three_signed_attempts_of_one_delivery(receiver, secret, deliveries[0]["id"], rid)

        [delivery] = await log()
        assert delivery["attempts"] == 3 and delivery["event_type"] == "allocation.finalized"
        assert [a["status_code"] for a in delivery["attempt_log"]] == [500, 500, 204]
        assert [a["succeeded"] for a in delivery["attempt_log"]] == [False, False, True]
        assert [a["number"] for a in delivery["attempt_log"]] == [1, 2, 3]

        await _down_subscriber_gives_up(client, down["id"], hook["id"])
