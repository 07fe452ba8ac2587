"""The budget service on the real bus (Tansu): PlanAdopted in — requests opened exactly once even when the
event is redelivered or re-emitted — and allocation.finalized out through the outbox relay."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from sqlalchemy import text

from cg_budget.main import create_app
from cg_shared.events import make_event
from cg_shared.events import topics as topic_names
from cg_shared.messaging.broker import ensure_topics
from cg_shared.testing.helpers import eventually, running_app

from ..conftest import OFFICER, Kit, plan_adopted, settings_for

pytestmark = [pytest.mark.broker, pytest.mark.postgres]


# One backend is enough for the bus round trip (it costs a consumer-group join); the handlers' SQL runs on
# SQLite in the API tests.
@pytest.mark.parametrize("db_backend", ["postgresql"])
async def test_plan_adopted_over_the_bus_opens_requests_once_and_allocation_goes_out(
    budget_url: str, broker: Any
) -> None:
    settings = settings_for(
        budget_url,
        run_relay=True,
        run_consumer=True,
        kafka_bootstrap_servers=broker.bootstrap,
        webhook_delivery_enabled=False,
    )
    await ensure_topics(settings, [*topic_names.EVENT_TOPICS])
    app = create_app(settings)
    payload = plan_adopted(items=2, plan_id=f"plan-bus-{uuid.uuid4().hex[:8]}")
    first = make_event(payload, subject=payload.plan_id)
    reemitted = make_event(payload, subject=payload.plan_id)  # same facts, new event id
    async with running_app(app) as client:
        kit = Kit(client, app)
        producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, acks="all")
        await producer.start()
        try:
            for event in (first, first, reemitted):  # a redelivery and a re-emission
                await producer.send_and_wait(
                    topic_names.PLANNING_PLAN, value=event.to_json(), key=payload.plan_id.encode()
                )
        finally:
            await producer.stop()

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

    consumer = AIOKafkaConsumer(
        topic_names.BUDGET_ALLOCATION,
        bootstrap_servers=broker.bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=f"test-{uuid.uuid4().hex[:8]}",
    )
    await consumer.start()
    try:
        found: dict[str, Any] | None = None

        async def poll() -> dict[str, Any] | None:
            nonlocal found
            batches = await consumer.getmany(timeout_ms=500)
            for records in batches.values():
                for record in records:
                    doc = json.loads(record.value or b"{}")
                    if doc.get("subject") == allocation_id:
                        found = doc
            return found

        event = await eventually(poll, timeout_s=30, what="allocation.finalized on the topic")
    finally:
        await consumer.stop()
    assert event["type"] == "kr.seoul.cg.budget.allocation.finalized.v1"
    lines = event["data"]["lines"]
    assert {ln["plan_item_id"] for ln in lines} == {i.item_id for i in payload.items}
    assert {ln["source"] for ln in lines} == {"smg_grant"}
    assert all(ln["plan_id"] == payload.plan_id and ln["linked_project_ids"] for ln in lines)
    assert event["data"]["total_krw"] == sum(ln["amount_krw"] for ln in lines) == 50_000_000
