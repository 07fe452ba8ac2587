"""Bus guarantees on a 3-broker Apache Kafka cluster under broker faults (issue 15).

Registry and planning run as real processes on their own PostgreSQL databases against a KRaft cluster
of three nodes (replication 3, ``min.insync.replicas=2``, idempotent ``acks=all`` producers). While a
burst of POST /v1/projects is in flight, a broker is hurt:

- the leader of a ``cg.registry.project`` partition is SIGKILLed (and comes back later);
- every broker is restarted, one after the other (a rolling restart);
- a broker is cut off (SIGSTOP: sockets open, nothing answered) for longer than the ISR lag limit,
  then let go.

Every project that got its 201 must reach planning's read model exactly once (one read-model row, one
inbox row per event, nothing dead-lettered, no outbox row left), and the relay must not take a broker
that merely stalled for one that lost data (no re-queue, no broker-state-loss count). The records on the
topic are counted by CloudEvent id and the duplicates printed, since the relay may legitimately send a
batch twice after an ambiguous failure (the consumers' inbox drops the second copy).
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from cg_shared.events import CloudEvent, topics
from cg_shared.testing.helpers import auth, eventually
from cg_shared.testing.kafka import KafkaCluster
from tests.reliability.harness import Stack, project_body, running_stack, unique_title, wait_for

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.e2e, pytest.mark.timeout(420)]

OFFICER = auth("borough_officer", "11200", sub="kafka-fault-officer")
REGISTERED = "kr.seoul.cg.registry.project.registered.v1"
PLANNING_REGISTERED = "planning.registry_project.registered"
KAFKA_ENV = {"CG_KAFKA_TOPIC_REPLICATION": "3", "CG_KAFKA_IDEMPOTENCE": "true"}


@pytest.fixture(scope="module")
async def kstack(database_factory, tmp_path_factory, kafka_cluster: KafkaCluster) -> AsyncIterator[Stack]:
    log_dir = tmp_path_factory.mktemp("kafka-faults")
    async with running_stack(
        database_factory,
        log_dir,
        ("registry", "planning"),
        bootstrap=kafka_cluster.bootstrap,
        extra_env=KAFKA_ENV,
    ) as stack:
        warm = await post_burst(stack, 1, inflight=1)
        await wait_for(
            lambda: planning_rows(stack, warm), lambda n: n == 1, timeout_s=90, what="warm-up", stack=stack
        )
        yield stack


@pytest.fixture
async def healthy_cluster(kafka_cluster: KafkaCluster) -> AsyncIterator[KafkaCluster]:
    """Every node running before and after the test (a failed test must not poison the next)."""
    yield kafka_cluster
    for node in kafka_cluster.nodes:
        if node.paused:
            kafka_cluster.resume_node(node.node_id)
        if not node.running:
            await asyncio.to_thread(kafka_cluster.start_node, node.node_id)
    await asyncio.to_thread(kafka_cluster.wait_ready, 120)


async def planning_rows(stack: Stack, ids: list[str]) -> int:
    return await stack.dbs["planning"].count(
        "registry_projects", "project_id = ANY($1::text[]) AND status <> 'deleted'", ids
    )


async def registry_metric(stack: Stack, name: str) -> float:
    async with stack["registry"].client() as client:
        text = (await client.get("/metrics")).text
    match = re.search(rf'^{name}\{{service="registry"\}} ([0-9.e+]+)$', text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


async def post_burst(
    stack: Stack,
    count: int,
    *,
    inflight: int = 8,
    fault_at: int | None = None,
    fault: Callable[[], Awaitable[None]] | None = None,
    until: asyncio.Task[None] | None = None,
) -> list[str]:
    """POST ``count`` projects with ``inflight`` at a time (and on while ``until`` runs); ``fault`` runs
    concurrently once ``fault_at`` responses came back. Returns the ids of the 201s."""
    ids: list[str] = []
    fault_task: asyncio.Task[None] | None = None
    sem = asyncio.Semaphore(inflight)
    async with stack["registry"].client() as reg:

        async def one() -> None:
            nonlocal fault_task
            async with sem:
                r = await reg.post(
                    "/v1/projects", json=project_body(unique_title("카프카 장애")), headers=OFFICER
                )
            assert r.status_code == 201, r.text
            ids.append(r.json()["id"])
            if fault is not None and fault_task is None and fault_at is not None and len(ids) >= fault_at:
                fault_task = asyncio.create_task(fault())

        await asyncio.gather(*(one() for _ in range(count)))
        while until is not None and not until.done():
            await asyncio.gather(*(one() for _ in range(inflight)))
    if fault_task is not None:
        await fault_task
    if until is not None:
        await until
    return ids


async def topic_ids(bootstrap: str, topic: str) -> Counter[str]:
    """CloudEvent id → copies of it on the whole topic (read from the beginning, without a group)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        if not parts:
            await consumer._client.force_metadata_update()
            parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        ends = await consumer.end_offsets(parts)
        seen: Counter[str] = Counter()
        deadline = asyncio.get_running_loop().time() + 60

        async def behind() -> bool:
            return any([await consumer.position(tp) < ends[tp] for tp in parts])

        while await behind():
            assert asyncio.get_running_loop().time() < deadline, "topic not read to its end in 60 s"
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for record in records:
                    seen[CloudEvent.from_json(record.value).id] += 1
        return seen
    finally:
        await consumer.stop()


async def check_exactly_once(stack: Stack, ids: list[str], scenario: str, requeued_before: float) -> None:
    registry, planning = stack.dbs["registry"], stack.dbs["planning"]
    await wait_for(
        lambda: planning_rows(stack, ids),
        lambda n: n >= len(ids),
        timeout_s=180,
        what=f"{scenario}: all {len(ids)} projects in planning",
        stack=stack,
    )
    await wait_for(registry.unpublished, lambda n: n == 0, timeout_s=60, what="outbox drained", stack=stack)
    event_ids = [
        r["event_id"]
        for r in await registry.fetch(
            "SELECT event_id FROM outbox WHERE event_type = $1 AND key = ANY($2::text[])", REGISTERED, ids
        )
    ]
    assert len(event_ids) == len(ids)
    assert await planning_rows(stack, ids) == len(ids)  # nothing lost, nothing doubled in the read model
    applied = await planning.count(
        "inbox", "handler = $1 AND event_id = ANY($2::text[])", PLANNING_REGISTERED, event_ids
    )
    assert applied == len(ids)
    assert await planning.dead_letters() == []
    on_topic = await topic_ids(stack["registry"].bootstrap, topics.REGISTRY_PROJECT)
    missing = [e for e in event_ids if on_topic[e] == 0]
    doubled = sum(on_topic[e] - 1 for e in event_ids if on_topic[e] > 1)
    requeued = await registry_metric(stack, "cg_outbox_requeued_total") - requeued_before
    print(
        f"\n[kafka-faults] {scenario}: {len(ids)} projects, lost 0 in planning, applied twice 0; "
        f"on the topic: missing {len(missing)}, extra copies {doubled}; relay re-queued {requeued:.0f}"
    )
    assert missing == []


async def test_partition_leader_killed_mid_burst(kstack: Stack, healthy_cluster: KafkaCluster) -> None:
    cluster = healthy_cluster
    victim = cluster.leader_of(topics.REGISTRY_PROJECT, 0)
    assert victim > 0
    before = await registry_metric(kstack, "cg_outbox_requeued_total")

    async def kill_leader() -> None:
        await asyncio.to_thread(cluster.stop_node, victim, kill=True)

    ids = await post_burst(kstack, 150, fault_at=40, fault=kill_leader)
    # The controller moves leadership once the killed node's session expires: on a loaded machine that
    # can outlast the burst, so wait for it (a deadline, not a timing).
    leader = await eventually(
        lambda: asyncio.to_thread(cluster.leader_of, topics.REGISTRY_PROJECT, 0),
        until=lambda node: node not in (victim, -1),
        timeout_s=90,
        interval_s=1,
        what=f"a new leader of {topics.REGISTRY_PROJECT}[0] after node {victim} was killed",
    )
    assert leader not in (victim, -1)
    await check_exactly_once(kstack, ids, f"SIGKILL of node {victim} (leader of partition 0)", before)
    await asyncio.to_thread(cluster.start_node, victim)
    # The node is back and catches up; a later burst still goes through exactly once.
    more = await post_burst(kstack, 20)
    await check_exactly_once(kstack, more, f"after node {victim} rejoined", before)


async def test_rolling_restart_mid_burst(kstack: Stack, healthy_cluster: KafkaCluster) -> None:
    cluster = healthy_cluster
    before = await registry_metric(kstack, "cg_outbox_requeued_total")

    async def roll() -> None:
        for node in cluster.nodes:
            await asyncio.to_thread(cluster.restart_node, node.node_id)

    ids = await post_burst(kstack, 40, fault_at=20, until=asyncio.create_task(roll()))
    await check_exactly_once(kstack, ids, "rolling restart of all three brokers", before)


async def test_cut_off_broker_is_not_mistaken_for_lost_data(
    kstack: Stack, healthy_cluster: KafkaCluster
) -> None:
    cluster = healthy_cluster
    victim = cluster.leader_of(topics.REGISTRY_PROJECT, 1)
    before = await registry_metric(kstack, "cg_outbox_requeued_total")
    losses_before = await registry_metric(kstack, "cg_outbox_broker_state_losses_total")

    async def cut_off() -> None:
        cluster.pause_node(victim)
        await asyncio.sleep(12)  # longer than replica.lag.time.max.ms and the broker session timeout
        cluster.resume_node(victim)

    ids = await post_burst(kstack, 150, fault_at=40, fault=cut_off)
    await check_exactly_once(kstack, ids, f"SIGSTOP of node {victim} for 12 s", before)
    # A stalled broker lost nothing: the relay must not have re-queued anything or counted a loss.
    assert await registry_metric(kstack, "cg_outbox_requeued_total") == before
    assert await registry_metric(kstack, "cg_outbox_broker_state_losses_total") == losses_before
