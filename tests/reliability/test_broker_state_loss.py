"""The broker loses messages it acknowledged (finding F10): nothing is lost, nothing applied twice.

Tansu's memory engine forgets everything on restart, including messages it acknowledged that no
consumer had read yet (a replicated Kafka keeps them; an unclean leader election or a recreated topic
does not). Here that window is made as wide as it gets: planning — the only consumer — is stopped, the
registry's relay publishes every event and the broker acknowledges all of them, then the broker is
killed and comes back empty. The relay must notice that the broker's log is shorter than what it
acknowledged, re-queue the recently published rows and send them again; planning applies each event
exactly once.
"""

from __future__ import annotations

import re

import pytest

from cg_shared.testing.helpers import auth
from tests.reliability.harness import (
    Stack,
    kill_broker,
    project_body,
    restart_broker_empty,
    unique_title,
    wait_for,
)

pytestmark = [pytest.mark.broker, pytest.mark.postgres, pytest.mark.e2e]

STACK_SERVICES = ("registry", "planning")
OFFICER = auth("borough_officer", "11200", sub="state-loss-officer")
REGISTERED = "kr.seoul.cg.registry.project.registered.v1"
PLANNING_REGISTERED = "planning.registry_project.registered"


async def registry_metric(stack: Stack, name: str) -> float:
    async with stack["registry"].client() as client:
        text = (await client.get("/metrics")).text
    match = re.search(rf'^{name}\{{service="registry"\}} ([0-9.e+]+)$', text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


async def planning_rows(stack: Stack, ids: list[str]) -> int:
    return await stack.dbs["planning"].count(
        "registry_projects", "project_id = ANY($1::text[]) AND status <> 'deleted'", ids
    )


async def post(stack: Stack, titles: list[str]) -> list[str]:
    ids = []
    async with stack["registry"].client() as reg:
        for title in titles:
            created = await reg.post("/v1/projects", json=project_body(title), headers=OFFICER)
            assert created.status_code == 201, created.text
            ids.append(created.json()["id"])
    return ids


async def test_acknowledged_but_unconsumed_events_survive_a_broker_that_lost_them(stack: Stack) -> None:
    registry, planning = stack.dbs["registry"], stack.dbs["planning"]
    # Warm-up: topics exist, planning's group has joined and consumed one event.
    warm = await post(stack, [unique_title("상태 유실 준비")])
    await wait_for(
        lambda: planning_rows(stack, warm), lambda n: n == 1, timeout_s=60, what="warm-up", stack=stack
    )

    stack["planning"].stop()  # nobody consumes from here on
    ids = await post(stack, [unique_title("확인 후 유실") for _ in range(30)])
    await wait_for(registry.unpublished, lambda n: n == 0, timeout_s=30, what="every row acknowledged")
    event_ids = [
        r["event_id"]
        for r in await registry.fetch(
            "SELECT event_id FROM outbox WHERE event_type = $1 AND key = ANY($2::text[])", REGISTERED, ids
        )
    ]
    assert len(event_ids) == len(ids)
    requeued_before = await registry_metric(stack, "cg_outbox_requeued_total")

    kill_broker(stack.broker)  # every one of those events was acknowledged and none was consumed
    restart_broker_empty(stack.broker)

    stack["planning"].start()
    await stack["planning"].wait_healthy()
    await wait_for(
        lambda: planning_rows(stack, ids),
        lambda n: n >= len(ids),
        timeout_s=90,
        what=f"all {len(ids)} projects in planning after the broker lost them",
        stack=stack,
    )
    # The relay found the broker's log shorter than what it acknowledged and re-queued (at least) them.
    assert await registry_metric(stack, "cg_outbox_requeued_total") - requeued_before >= len(ids)
    assert await registry_metric(stack, "cg_outbox_broker_state_losses_total") >= 1
    assert await registry.unpublished() == 0
    # Exactly once: one read-model row and one inbox row per event (the warm-up event came again and
    # was recognised as a duplicate, so it still has one inbox row too).
    assert await planning_rows(stack, ids) == len(ids)
    applied = await planning.count(
        "inbox", "handler = $1 AND event_id = ANY($2::text[])", PLANNING_REGISTERED, event_ids
    )
    assert applied == len(ids)
    assert await planning_rows(stack, warm) == 1
    assert await planning.dead_letters() == []


async def test_new_writes_after_the_loss_arrive_once_too(stack: Stack) -> None:
    """After the re-queue the pipeline is healthy: a fresh burst goes through exactly once."""
    ids = await post(stack, [unique_title("유실 후 등록") for _ in range(10)])
    await wait_for(
        lambda: planning_rows(stack, ids),
        lambda n: n >= len(ids),
        timeout_s=60,
        what="fresh burst",
        stack=stack,
    )
    assert await planning_rows(stack, ids) == len(ids)
    assert await stack.dbs["registry"].unpublished() == 0
