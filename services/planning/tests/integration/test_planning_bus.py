"""Round trip over the real Tansu broker: registry and committee events in, plan.adopted out."""

from __future__ import annotations

import itertools
import json
import uuid
from datetime import date
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from cg_planning.main import create_app
from cg_planning.plans.models import CommitteeDecision, Plan
from cg_planning.settings import PlanningSettings
from cg_shared.events import make_event, topics
from cg_shared.events.registry import ProjectRegistered
from cg_shared.messaging.broker import ensure_topics
from cg_shared.testing.helpers import eventually, migrate, running_app

pytestmark = [pytest.mark.broker]


async def _published(
    bootstrap: str, topic: str, wanted: Any, *, timeout_s: float = 30
) -> list[dict[str, Any]]:
    """Read ``topic`` from the start with a throw-away group until ``wanted(events)`` holds."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=f"probe-{uuid.uuid4()}", auto_offset_reset="earliest"
    )
    await consumer.start()
    seen: list[dict[str, Any]] = []
    try:

        async def poll() -> list[dict[str, Any]]:
            batches = await consumer.getmany(timeout_ms=200)
            for records in batches.values():
                seen.extend(json.loads(r.value) for r in records if r.value)
            return seen

        return await eventually(poll, until=wanted, timeout_s=timeout_s, what=f"events on {topic}")
    finally:
        await consumer.stop()


async def _register_over_the_wire(producer: AIOKafkaProducer, client: Any, pl: Any) -> str:
    """The registry read model is fed from the wire; convergence then sees the project."""
    project = ProjectRegistered(
        project_id=str(uuid.uuid4()),
        code="CG-11200-BUS",
        title_ko="성수동 청년 공간 조성 사업",
        sgg_code=pl.SGG,
        policy_field="community",
        target_groups=["청년"],
        start_date=date(2024, 1, 1),
    )
    await producer.send_and_wait(
        topics.REGISTRY_PROJECT,
        make_event(project, subject=project.project_id).to_json(),
        key=project.project_id.encode(),
    )

    async def known() -> int:
        return (await client.get(f"/v1/registry-projects/{project.project_id}")).status_code

    await eventually(known, until=lambda s: s == 200, timeout_s=30, what="read model")
    return project.project_id


async def _adopted_on_the_wire(bootstrap: str, plan: Any) -> None:
    """The relay put plan.adopted (with its items) on the wire, after plan.submitted."""

    def adopted_seen(events: list[dict[str, Any]]) -> bool:
        return any(e["type"].endswith("plan.adopted.v1") and e["subject"] == plan.plan_id for e in events)

    events = await _published(bootstrap, topics.PLANNING_PLAN, adopted_seen)
    mine = [e for e in events if e["subject"] == plan.plan_id]
    assert [e["type"].split(".")[-2] for e in mine if "drafted" not in e["type"]] == [
        "submitted",
        "adopted",
    ]
    assert [i["item_id"] for i in mine[-1]["data"]["items"]] == plan.item_ids


async def _redelivered_changes_nothing(
    app: Any, client: Any, producer: AIOKafkaProducer, pl: Any, plan: Any, event: Any, key: bytes
) -> None:
    """The broker redelivers the same event; a marker on the same partition shows it was consumed."""
    await producer.send_and_wait(topics.COMMITTEE_DECISION, event.to_json(), key=key)
    marker = pl.decision("no-such-plan")
    await producer.send_and_wait(
        topics.COMMITTEE_DECISION, make_event(marker, subject=marker.decision_id).to_json(), key=key
    )

    async def marker_seen() -> bool:
        async with app.state.sessions() as session:
            return await session.get(CommitteeDecision, marker.decision_id) is not None

    await eventually(marker_seen, timeout_s=30, what="marker decision consumed")
    async with app.state.sessions() as session:
        row = await session.get(Plan, plan.plan_id)
        assert row is not None and row.state == "ADOPTED"
        adopted_version = row.version
    history = (await client.get(f"/v1/plans/{plan.plan_id}/transitions")).json()["items"]
    assert [h["to_state"] for h in history].count("ADOPTED") == 1
    assert (await client.get(f"/v1/plans/{plan.plan_id}")).json()["version"] == adopted_version


async def test_committee_decision_over_the_broker_adopts_the_plan(
    database_factory: Any, broker: Any, pl: Any
) -> None:
    pl._years = itertools.count()  # fresh database: master-plan terms may start again
    url = await database_factory("postgresql")
    await migrate("planning", url)
    app = create_app(
        PlanningSettings(database_url=url, kafka_bootstrap_servers=broker.bootstrap, log_json=False)
    )
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, acks="all")
    async with running_app(app) as client:
        await ensure_topics(
            app.state.settings, [topics.REGISTRY_PROJECT, topics.COMMITTEE_DECISION, topics.PLANNING_PLAN]
        )
        await producer.start()
        try:
            project_id = await _register_over_the_wire(producer, client, pl)
            plan = await pl.drafted_plan(client, items=1)
            suggestions = (await client.get(f"/v1/items/{plan.item_ids[0]}/convergence")).json()[
                "suggestions"
            ]
            assert [s["project_id"] for s in suggestions] == [project_id]
            assert (
                await client.post(f"/v1/plans/{plan.plan_id}/submit", headers=pl.OFFICER)
            ).status_code == 200

            decision = pl.decision(plan.plan_id)
            event = make_event(decision, subject=decision.decision_id)
            key = decision.decision_id.encode()
            await producer.send_and_wait(topics.COMMITTEE_DECISION, event.to_json(), key=key)

            async def state() -> str:
                return str((await client.get(f"/v1/plans/{plan.plan_id}")).json()["state"])

            await eventually(state, until=lambda s: s == "ADOPTED", timeout_s=30, what="plan adopted")
            await _adopted_on_the_wire(broker.bootstrap, plan)
            await _redelivered_changes_nothing(app, client, producer, pl, plan, event, key)
        finally:
            await producer.stop()


async def test_ready_only_after_the_relay_checked_the_broker_and_the_consumer_joined(
    database_factory: Any, broker: Any
) -> None:
    """Cold start (issue 19): /readyz says ready only once the relay has passed its first broker check
    and the consumer has joined its group, so the first event after "ready" waits for neither."""
    from cg_shared.testing.kafka import free_port

    url = await database_factory("postgresql")
    await migrate("planning", url)
    # No broker behind the address: neither can start, and the service says which part is missing.
    nowhere = create_app(
        PlanningSettings(database_url=url, kafka_bootstrap_servers=f"127.0.0.1:{free_port()}", log_json=False)
    )
    async with running_app(nowhere) as client:
        down = await client.get("/readyz")
        assert down.status_code == 503
        assert down.json()["checks"] == {
            "database": "ok",
            "broker": "down",
            "relay": "starting",
            "consumer": "joining",
        }
    app = create_app(
        PlanningSettings(database_url=url, kafka_bootstrap_servers=broker.bootstrap, log_json=False)
    )
    async with running_app(app) as client:
        ready = await eventually(
            lambda: client.get("/readyz"), until=lambda r: r.status_code == 200, timeout_s=60, what="ready"
        )
        assert ready.json()["checks"] == {"database": "ok", "broker": "ok", "relay": "ok", "consumer": "ok"}
        assert app.state.consumer.joined.is_set() and app.state.relay.ready.is_set()
