"""The budget service on the real bus (Tansu): PlanAdopted in — requests opened exactly once even when the
event is redelivered or re-emitted — and allocation.finalized out through the outbox relay."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import text

from cg_budget.main import create_app
from cg_shared.events import make_event
from cg_shared.events import topics as topic_names
from cg_shared.testing.helpers import eventually, running_app

from ..conftest import OFFICER, Kit, plan_adopted
from .bus import bus_settings, publish, published

pytestmark = [pytest.mark.broker, pytest.mark.postgres]


# One backend is enough for the bus round trip (it costs a consumer-group join); the handlers' SQL runs on
# SQLite in the API tests.
@pytest.mark.parametrize("db_backend", ["postgresql"])
async def test_plan_adopted_over_the_bus_opens_requests_once_and_allocation_goes_out(
    budget_url: str, broker: Any
) -> None:
    app = create_app(await bus_settings(budget_url, broker))
    payload = plan_adopted(items=2, plan_id=f"plan-bus-{uuid.uuid4().hex[:8]}")
    first = make_event(payload, subject=payload.plan_id)
    reemitted = make_event(payload, subject=payload.plan_id)  # same facts, new event id
    async with running_app(app) as client:
        kit = Kit(client, app)
        # a redelivery and a re-emission
        await publish(broker, topic_names.PLANNING_PLAN, payload.plan_id, (first, first, reemitted))

        async def handled() -> int:
            return await kit.count(
                "inbox", f"handler = 'budget.plan.adopted' AND event_id IN ('{first.id}', '{reemitted.id}')"
            )

        # Same partition (key = plan id): once the re-emission is in the inbox, the duplicate was seen before it.
        await eventually(
            handled, until=lambda n: n == 2, timeout_s=40, what="both PlanAdopted events handled"
        )
        listed = (await client.get("/v1/requests", params={"plan_id": payload.plan_id})).json()["items"]
        assert len(listed) == 2
        assert await kit.count("budget_requests", f"plan_id = '{payload.plan_id}'") == 2

        cycle = await kit.open_cycle()
        await kit.to_allocation(cycle["id"])
        await kit.set_envelope(cycle["id"], "smg_grant", 100_000_000)
        alloc = await client.post(
            f"/v1/cycles/{cycle['id']}/allocations",
            json={
                "method": "priority",
                "envelope_kind": "smg_grant",
                "lines": [{"request_id": r["id"]} for r in listed],
            },
            headers=OFFICER,
        )
        assert alloc.status_code == 201, alloc.text
        allocation_id = alloc.json()["id"]

        async def unpublished() -> int:
            async with app.state.sessions() as session:
                return int(
                    (
                        await session.execute(text("SELECT count(*) FROM outbox WHERE published_at IS NULL"))
                    ).scalar_one()
                )

        await eventually(unpublished, until=lambda n: n == 0, timeout_s=30, what="outbox relayed")

    event = await published(
        broker,
        topic_names.BUDGET_ALLOCATION,
        lambda doc: doc.get("subject") == allocation_id,
        "allocation.finalized on the topic",
    )
    assert event["type"] == "kr.seoul.cg.budget.allocation.finalized.v1"
    lines = event["data"]["lines"]
    assert {ln["plan_item_id"] for ln in lines} == {i.item_id for i in payload.items}
    assert {ln["source"] for ln in lines} == {"smg_grant"}
    assert all(ln["plan_id"] == payload.plan_id and ln["linked_project_ids"] for ln in lines)
    assert event["data"]["total_krw"] == sum(ln["amount_krw"] for ln in lines) == 50_000_000
