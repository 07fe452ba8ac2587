"""One round trip over the real Tansu broker: the registry's events go out through the outbox relay,
and a PlanAdopted published by "planning" is consumed into a registered project."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from cg_registry.main import create_app
from cg_registry.settings import RegistrySettings
from cg_shared.events import make_event, topics
from cg_shared.events.planning import PlanAdopted, PlanItemData
from cg_shared.testing.helpers import eventually, settings_env

pytestmark = [pytest.mark.broker]


async def test_events_flow_both_ways_over_the_broker(reg: Any, fresh_db: Any, broker: Any) -> None:
    from cg_shared.testing.helpers import running_app

    url = await fresh_db("postgresql")
    app = create_app(RegistrySettings(**settings_env(url, broker.bootstrap)))
    async with running_app(app) as client:
        a, b = await _step_write_two_similar_projects(client, reg)
        await _step_registry_events_reach_the_topic(broker, a, b)
        await _step_adopted_plan_is_consumed(client, broker)


async def _step_write_two_similar_projects(client: Any, reg: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    shared = {"name": "마장마을넷", "kind": "civic_group"}
    body = dict(partners=[shared], policy_field="culture", target_groups=["주민"])
    a = (
        await client.post(
            "/v1/projects",
            json=reg.project_body(title_ko="마장동 마을 축제 지원사업", **body),
            headers=reg.OFFICER,
        )
    ).json()
    b = (
        await client.post(
            "/v1/projects",
            json=reg.project_body(title_ko="마장동 마을축제 사업", **body),
            headers=reg.OFFICER,
        )
    ).json()
    assessed = await client.post(
        f"/v1/projects/{a['id']}/assessments",
        json={
            "iap2_level": 0,
            "arnstein_rung": 3,
            "scores": {
                "decision_power": 0,
                "starting_conditions": 1,
                "institutional_design": 1,
                "facilitative_leadership": 0,
                "process": 1,
                "feedback": 0,
            },
        },
        headers=reg.OFFICER,
    )
    assert assessed.status_code == 201
    return a, b


async def _step_registry_events_reach_the_topic(broker: Any, a: dict[str, Any], b: dict[str, Any]) -> None:
    consumer = AIOKafkaConsumer(
        topics.REGISTRY_PROJECT,
        bootstrap_servers=broker.bootstrap,
        group_id=f"registry-test-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
    )
    await consumer.start()
    seen: list[tuple[str, str]] = []
    try:

        async def poll() -> list[tuple[str, str]]:
            batches = await consumer.getmany(timeout_ms=500)
            for records in batches.values():
                for record in records:
                    event = json.loads(record.value)
                    seen.append((event["type"].split(".")[-2], event["subject"]))
            return seen

        wanted = {
            ("registered", a["id"]),
            ("registered", b["id"]),
            ("assessed", a["id"]),
            ("duplicate_suspected", min(a["id"], b["id"])),
        }
        await eventually(
            poll, until=lambda s: wanted <= set(s), timeout_s=40, what="registry events on the topic"
        )
    finally:
        await consumer.stop()


async def _step_adopted_plan_is_consumed(client: Any, broker: Any) -> None:
    plan = PlanAdopted(
        plan_id="plan-bus",
        sgg_code="11200",
        kind="annual",
        fiscal_year=2026,
        title_ko="2026 성동구 지역사회혁신계획",
        decision_id="d-1",
        items=[PlanItemData(item_id="item-bus-1", title_ko="용답동 주민 텃밭 공동체", origin="resident")],
    )
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, acks="all")
    await producer.start()
    try:
        event = make_event(plan, subject=plan.plan_id)
        await producer.send_and_wait(topics.PLANNING_PLAN, event.to_json(), key=plan.plan_id.encode())
    finally:
        await producer.stop()

    async def registered() -> list[dict[str, Any]]:
        response = await client.get("/v1/projects", params={"plan_item_id": "item-bus-1"})
        return list(response.json()["items"])

    found = await eventually(registered, timeout_s=60, what="the plan item registered as a project")
    assert found[0]["origin"] == "resident" and found[0]["title_ko"] == "용답동 주민 텃밭 공동체"
