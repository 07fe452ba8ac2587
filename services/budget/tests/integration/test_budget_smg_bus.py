"""The block grant over the real bus: planning's PlanAdopted arrives on Kafka, budget opens the items'
requests, the borough puts SMG block-grant money on them, ``block_grant.assigned`` leaves through the outbox
relay as a CloudEvent — and a request is paid from the block grant or an envelope, never both."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from cg_budget.main import create_app
from cg_shared.events import make_event
from cg_shared.events import topics as topic_names
from cg_shared.testing.helpers import auth, eventually, running_app

from ..conftest import BOROUGH, FY, OFFICER, Kit, plan_adopted
from .bus import bus_settings, publish, published

pytestmark = [pytest.mark.broker, pytest.mark.postgres]


async def _from_borough_envelope(client: Any, cycle_id: str, request_id: str) -> Any:
    """Finalise an allocation paying ``request_id`` from the cycle's borough envelope."""
    return await client.post(
        f"/v1/cycles/{cycle_id}/allocations",
        json={"method": "priority", "envelope_kind": "borough", "lines": [{"request_id": request_id}]},
        headers=OFFICER,
    )


@pytest.mark.parametrize("db_backend", ["postgresql"])
async def test_block_grant_on_items_adopted_over_the_bus(budget_url: str, broker: Any) -> None:
    app = create_app(await bus_settings(budget_url, broker))
    payload = plan_adopted(
        items=3, amounts=[30_000_000, 20_000_000, 10_000_000], plan_id=f"plan-smg-{uuid.uuid4().hex[:8]}"
    )
    async with running_app(app) as client:
        kit = Kit(client, app)
        event = make_event(payload, subject=payload.plan_id)
        await publish(broker, topic_names.PLANNING_PLAN, payload.plan_id, [event])

        async def opened() -> list[dict[str, Any]]:
            body = (await client.get("/v1/requests", params={"plan_id": payload.plan_id})).json()
            return list(body["items"])

        requests = await eventually(opened, until=lambda r: len(r) == 3, timeout_s=40, what="requests opened")
        by_amount = {r["amount_krw"]: r["id"] for r in requests}

        # One item is paid from the borough's envelope first.
        cycle = await kit.open_cycle()
        await kit.to_allocation(cycle["id"])
        await kit.set_envelope(cycle["id"], "borough", 50_000_000)
        alloc = await _from_borough_envelope(client, cycle["id"], by_amount[10_000_000])
        assert alloc.status_code == 201, alloc.text

        grant_url = f"/v1/smg/block-grants/{BOROUGH}/{FY}"
        created = await client.put(
            grant_url, json={"amount_krw": 45_000_000}, headers=auth("smg_admin", sub="admin")
        )
        assert created.status_code == 201, created.text
        used = await client.post(
            f"{grant_url}/uses",
            json={"request_id": by_amount[30_000_000], "amount_krw": 30_000_000},
            headers=OFFICER,
        )
        assert used.status_code == 201, used.text
        grant_id = used.json()["id"]
        twice = await client.post(
            f"{grant_url}/uses",
            json={"request_id": by_amount[10_000_000], "amount_krw": 10_000_000},
            headers=OFFICER,
        )
        assert twice.status_code == 409 and twice.json()["type"].endswith("already-funded")
        # And the envelope cannot pay what the block grant pays.
        again = await _from_borough_envelope(client, cycle["id"], by_amount[30_000_000])
        assert again.status_code == 422, again.text
        assert again.json()["errors"][0]["field"] == "body.lines.0"

        report = (await client.get("/v1/smg/report", params={"fiscal_year": FY, "sgg_code": BOROUGH})).json()
        assert report["rows"][0]["through_plan_krw"] == 30_000_000 and report["plan_share"] == 1.0
        unpublished = "published_at IS NULL"
        await eventually(
            lambda: kit.count("outbox", unpublished), until=lambda n: n == 0, timeout_s=30, what="relayed"
        )

    assigned = await published(
        broker,
        topic_names.BUDGET_ENVELOPE,
        lambda doc: (
            doc.get("subject") == grant_id and doc.get("type", "").endswith("block_grant.assigned.v1")
        ),
        "block_grant.assigned on the topic",
    )
    assert assigned["source"] == "/cg/budget"
    data = assigned["data"]
    assert data["plan_id"] == payload.plan_id and data["amount_krw"] == 30_000_000
    assert data["plan_item_id"] == payload.items[0].item_id
