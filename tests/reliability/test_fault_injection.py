"""Fault injection across real processes on the 3-broker Apache Kafka cluster: every effect must
happen exactly once (issue 10, item 1; issue 15).

One system for the module: the four ``cg-<service> serve`` processes on their own PostgreSQL databases
against the session's KRaft cluster (replication 3, ``min.insync.replicas=2``, idempotent ``acks=all``
producers). Each scenario counts what it caused straight from the databases and fails if a single
event is lost or applied twice:

- every event is delivered twice, out of order, across partitions: newest wins, effects happen once
  (planning's read model, committee's agenda items, budget's requests);
- every backend connection of a service database is terminated under load: the pool recovers, no
  request leaves half a write behind;
- a consumer is SIGKILLed between its database commits and its offset commit: redelivery is absorbed
  by the inbox, and a poisoned record is dead-lettered once, not once per delivery;
- the leader of a ``cg.registry.project`` partition is SIGKILLed mid-burst (and rejoins later);
- every broker is restarted, one after the other, mid-burst (a rolling restart);
- a broker is cut off (SIGSTOP) until the cluster fences it, then let go: the relay must not take the
  stall for lost data (no re-queue, no broker-state-loss count);
- the whole cluster is frozen and then SIGKILLed mid-stream (an outage): POSTs still answer 201 and
  after the restart the outbox delivers everything once.

The records on ``cg.registry.project`` are counted by CloudEvent id after each broker fault: none may
be missing; extra copies (the relay may send a batch twice after an ambiguous failure) are printed and
must be dropped by the consumers' inbox. What a broker that *forgets* acknowledged records does to the
relay is proven on Tansu, whose memory engine does exactly that (test_broker_state_loss.py).
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest

from cg_shared.clock import now_utc
from cg_shared.events import make_event, topics
from cg_shared.events.planning import PlanAdopted, PlanItemData, PlanSubmitted, YearlyAmount
from cg_shared.events.registry import ProjectRegistered, ProjectUpdated
from cg_shared.testing.helpers import auth, eventually
from cg_shared.testing.kafka import KafkaCluster
from tests.reliability.harness import (
    Stack,
    admin_dsn_for,
    consumer_outcomes,
    produce,
    project_body,
    running_stack,
    topic_ids,
    unique_title,
    wait_for,
)

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.e2e, pytest.mark.timeout(420)]

SGG = "11200"
OFFICER = auth("borough_officer", SGG, sub="reliability-officer")
REGISTERED = ProjectRegistered.event_type
PLANNING_REGISTERED = "planning.registry_project.registered"


@pytest.fixture(scope="module")
async def stack(database_factory, tmp_path_factory, kafka_cluster: KafkaCluster) -> AsyncIterator[Stack]:
    """The four services as processes on the session's 3-broker cluster (one system for the module)."""
    async with running_stack(
        database_factory,
        tmp_path_factory.mktemp("fault-injection"),
        bootstrap=kafka_cluster.bootstrap,
        extra_env=kafka_cluster.service_env,
    ) as running:
        yield running


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


async def post_projects(
    client: httpx.AsyncClient, titles: list[str], *, lines: int = 0, concurrency: int = 4
) -> list[httpx.Response]:
    """POST one project per title with bounded concurrency; responses in title order."""
    outcomes = await post_projects_tolerant(client, titles, lines=lines, concurrency=concurrency)
    for outcome in outcomes:
        if isinstance(outcome, Exception):
            raise outcome
    return [o for o in outcomes if isinstance(o, httpx.Response)]


async def post_projects_tolerant(
    client: httpx.AsyncClient, titles: list[str], *, lines: int = 0, concurrency: int = 4
) -> list[httpx.Response | httpx.TransportError]:
    """Like :func:`post_projects`, but a transport error is an outcome (unknown: written or not)."""
    gate = asyncio.Semaphore(concurrency)

    async def one(title: str) -> httpx.Response | httpx.TransportError:
        async with gate:
            try:
                return await client.post(
                    "/v1/projects", json=project_body(title, lines=lines), headers=OFFICER
                )
            except httpx.TransportError as exc:
                return exc

    return list(await asyncio.gather(*(one(t) for t in titles)))


async def registry_ids(stack: Stack, titles: list[str]) -> dict[str, str]:
    rows = await stack.dbs["registry"].fetch(
        "SELECT id, title_ko FROM projects WHERE title_ko = ANY($1::text[])", titles
    )
    return {r["title_ko"]: r["id"] for r in rows}


async def planning_rows(stack: Stack, project_ids: list[str]) -> int:
    return await stack.dbs["planning"].count(
        "registry_projects", "project_id = ANY($1::text[]) AND status <> 'deleted'", project_ids
    )


async def registered_event_ids(stack: Stack, project_ids: list[str]) -> list[str]:
    """The ProjectRegistered events the registry staged for ``project_ids`` (one each, by design)."""
    rows = await stack.dbs["registry"].fetch(
        "SELECT event_id, key FROM outbox WHERE event_type = $1 AND key = ANY($2::text[])",
        REGISTERED,
        project_ids,
    )
    return [r["event_id"] for r in rows]


async def assert_delivered_exactly_once(stack: Stack, project_ids: list[str], *, timeout_s: float) -> None:
    n = len(project_ids)
    await wait_for(
        lambda: planning_rows(stack, project_ids),
        lambda c: c >= n,
        timeout_s=timeout_s,
        what=f"{n} read-model rows in planning",
        stack=stack,
    )
    event_ids = await registered_event_ids(stack, project_ids)
    assert len(event_ids) == n, "the registry must stage exactly one ProjectRegistered per project"
    assert await planning_rows(stack, project_ids) == n
    applied = await stack.dbs["planning"].count(
        "inbox", "handler = $1 AND event_id = ANY($2::text[])", PLANNING_REGISTERED, event_ids
    )
    assert applied == n, f"{applied} of {n} ProjectRegistered events applied"
    # The relay marks a row published after the broker's acknowledgement; a consumer may be faster.
    await wait_for(
        stack.dbs["registry"].unpublished, lambda u: u == 0, timeout_s=60, what="outbox drained", stack=stack
    )
    assert await dead_letters_except_poison(stack) == []


async def dead_letters_except_poison(stack: Stack) -> list[Any]:
    """Dead letters other than the burst test's deliberately poisoned record (code POISON)."""
    return [r for r in await stack.dbs["planning"].dead_letters() if '"POISON"' not in r["raw"]]


async def warm_up(stack: Stack) -> None:
    """One project end to end: the planning consumer has joined its group and topics exist."""
    title = unique_title("준비")
    async with stack["registry"].client() as reg:
        created = await reg.post("/v1/projects", json=project_body(title), headers=OFFICER)
    assert created.status_code == 201, created.text
    await assert_delivered_exactly_once(stack, [created.json()["id"]], timeout_s=60)


# --- (d) duplicates, out of order, across partitions -------------------------------------------------


async def test_duplicate_out_of_order_delivery_applies_each_effect_once(stack: Stack) -> None:
    await warm_up(stack)
    # ProjectUpdated v1..v5 for a handful of projects, each copy twice, newest first, spread over the
    # three partitions so the consumer sees them in no particular order.
    projects = [str(uuid.uuid4()) for _ in range(8)]
    records = []
    for n, project_id in enumerate(projects):
        events = [
            make_event(
                (ProjectRegistered if v == 1 else ProjectUpdated)(
                    project_id=project_id,
                    code=f"REL-{n:03d}",
                    title_ko=f"순서 시험 {n} v{v}",
                    sgg_code=SGG,
                    total_krw=1000 * v,
                    version=v,
                ),
                subject=project_id,
            )
            for v in range(1, 6)
        ]
        for copy in range(2):
            for i, event in enumerate(reversed(events)):
                records.append((topics.REGISTRY_PROJECT, event, (n + i + copy) % 3))
    # A registry project may carry any external plan_item_id up to 100 characters (finding F8: one longer
    # than planning's UUID column used to dead-letter the whole snapshot). Sent twice like the rest.
    foreign = str(uuid.uuid4())
    foreign_event = make_event(
        ProjectRegistered(
            project_id=foreign, code="REL-FOREIGN", title_ko="외부 항목 연계 사업", plan_item_id="X" * 80
        ),
        subject=foreign,
    )
    records += [(topics.REGISTRY_PROJECT, foreign_event, 0), (topics.REGISTRY_PROJECT, foreign_event, 2)]
    projects_and_foreign = [*projects, foreign]
    baseline = await consumer_outcomes(stack["planning"])
    await produce(stack.bootstrap, records)
    planning = stack.dbs["planning"]

    async def converged() -> list[Any]:
        return await planning.fetch(
            "SELECT project_id, version, title_ko, total_krw FROM registry_projects "
            "WHERE project_id = ANY($1::text[])",
            projects,
        )

    async def outcome_delta() -> dict[tuple[str, str], float]:
        now = await consumer_outcomes(stack["planning"])
        return {k: v - baseline.get(k, 0) for k, v in now.items() if v - baseline.get(k, 0)}

    distinct = len(projects) * 5
    deltas = await wait_for(
        outcome_delta,
        lambda d: sum(d.values()) >= 2 * (distinct + 1),
        timeout_s=60,
        what="every copy consumed",
        stack=stack,
    )
    # Every distinct event applied exactly once, every second copy recognised as a duplicate.
    assert deltas == {
        (PLANNING_REGISTERED, "applied"): len(projects) + 1,
        (PLANNING_REGISTERED, "duplicate"): len(projects) + 1,
        ("planning.registry_project.updated", "applied"): distinct - len(projects),
        ("planning.registry_project.updated", "duplicate"): distinct - len(projects),
    }
    event_ids = list({event.id for _, event, _ in records})
    assert await planning.count("inbox", "event_id = ANY($1::text[])", event_ids) == distinct + 1
    foreign_row = await planning.fetch(
        "SELECT plan_item_id FROM registry_projects WHERE project_id = $1", projects_and_foreign[-1]
    )
    assert [r["plan_item_id"] for r in foreign_row] == [None]
    rows = await converged()
    assert len(rows) == len(projects) and {r["version"] for r in rows} == {5}
    assert {r["title_ko"].rsplit(" ", 1)[1] for r in rows} == {"v5"}
    assert {r["total_krw"] for r in rows} == {5000}
    assert await dead_letters_except_poison(stack) == []


def twice_reversed_across_partitions(topic: str, events: list[Any]) -> list[tuple[str, Any, int]]:
    """Every event twice, newest first, each copy on a different partition than the one before."""
    return [(topic, event, (i + copy) % 3) for copy in range(2) for i, event in enumerate(reversed(events))]


async def outcome_deltas(svc: Any, baseline: dict[tuple[str, str], float]) -> dict[tuple[str, str], float]:
    now = await consumer_outcomes(svc)
    return {k: v - baseline.get(k, 0) for k, v in now.items() if v - baseline.get(k, 0)}


async def test_duplicated_plan_events_open_agenda_items_and_requests_once(stack: Stack) -> None:
    """committee: PlanSubmitted → one agenda item per plan; budget: PlanAdopted → one request per item-year."""
    plans = [str(uuid.uuid4()) for _ in range(6)]
    submitted = [
        make_event(
            PlanSubmitted(
                plan_id=plan_id,
                sgg_code=SGG,
                kind="annual",
                fiscal_year=2027,
                title_ko=f"신뢰성 시험 계획 {n}",
                submitted_at=now_utc(),
                applicant_organisations=["성수동마을협동조합"],
                item_count=2,
            ),
            subject=plan_id,
        )
        for n, plan_id in enumerate(plans)
    ]
    adopted = [
        make_event(
            PlanAdopted(
                plan_id=plan_id,
                sgg_code=SGG,
                kind="annual",
                fiscal_year=2027,
                title_ko=f"신뢰성 시험 계획 {n}",
                decision_id=str(uuid.uuid4()),
                items=[
                    PlanItemData(
                        item_id=str(uuid.uuid4()),
                        title_ko=f"항목 {n}-{k}",
                        origin="resident",
                        # Two positive years and one zero year (zero amounts open no request).
                        requested_budget=[
                            YearlyAmount(fiscal_year=2027, amount_krw=10_000_000),
                            YearlyAmount(fiscal_year=2028, amount_krw=5_000_000),
                            YearlyAmount(fiscal_year=2029, amount_krw=0),
                        ],
                    )
                    for k in range(2)
                ],
            ),
            subject=plan_id,
        )
        for n, plan_id in enumerate(plans)
    ]
    committee, budget = stack["committee"], stack["budget"]
    committee_before = await consumer_outcomes(committee)
    budget_before = await consumer_outcomes(budget)
    await produce(
        stack.bootstrap,
        twice_reversed_across_partitions(topics.PLANNING_PLAN, submitted)
        + twice_reversed_across_partitions(topics.PLANNING_PLAN, adopted),
    )
    n = len(plans)
    committee_deltas = await wait_for(
        lambda: outcome_deltas(committee, committee_before),
        lambda d: (
            d.get(("committee.plan_submitted", "applied"), 0)
            + d.get(("committee.plan_submitted", "duplicate"), 0)
            >= 2 * n
        ),
        timeout_s=90,
        what="committee consumed every PlanSubmitted copy",
        stack=stack,
    )
    budget_deltas = await wait_for(
        lambda: outcome_deltas(budget, budget_before),
        lambda d: (
            d.get(("budget.plan.adopted", "applied"), 0) + d.get(("budget.plan.adopted", "duplicate"), 0)
            >= 2 * n
        ),
        timeout_s=90,
        what="budget consumed every PlanAdopted copy",
        stack=stack,
    )
    assert committee_deltas.get(("committee.plan_submitted", "applied")) == n
    assert committee_deltas.get(("committee.plan_submitted", "duplicate")) == n
    assert budget_deltas.get(("budget.plan.adopted", "applied")) == n
    assert budget_deltas.get(("budget.plan.adopted", "duplicate")) == n
    # The effects, counted where they live: exactly one agenda item per plan ...
    items = await stack.dbs["committee"].fetch(
        "SELECT subject_id, count(*) AS n FROM agenda_items WHERE subject_id = ANY($1::text[]) GROUP BY subject_id",
        plans,
    )
    assert {r["subject_id"]: r["n"] for r in items} == dict.fromkeys(plans, 1)
    # ... and exactly one budget request per adopted item and positive year (2 items x 2 years).
    requests = await stack.dbs["budget"].fetch(
        "SELECT plan_item_id, fiscal_year, count(*) AS n FROM budget_requests WHERE plan_id = ANY($1::text[]) "
        "GROUP BY plan_item_id, fiscal_year",
        plans,
    )
    assert len(requests) == n * 2 * 2 and {r["n"] for r in requests} == {1}
    assert {r["fiscal_year"] for r in requests} == {2027, 2028}
    assert await stack.dbs["committee"].dead_letters() == []
    assert await stack.dbs["budget"].dead_letters() == []


# --- (c) PostgreSQL connections terminated under load ------------------------------------------------


async def test_terminated_database_connections_recover_without_partial_writes(stack: Stack) -> None:
    await warm_up(stack)
    registry_db, planning_db = stack.dbs["registry"], stack.dbs["planning"]
    admin = admin_dsn_for(stack["registry"].database_url)
    titles = [unique_title("연결 끊김") for _ in range(40)]
    terminated = 0

    async def blast() -> None:
        nonlocal terminated
        await asyncio.sleep(0.3)
        for _ in range(4):
            terminated += await registry_db.terminate_backends(admin)
            terminated += await planning_db.terminate_backends(admin)
            await asyncio.sleep(0.4)

    async with stack["registry"].client() as reg:
        outcomes, _ = await asyncio.gather(
            post_projects_tolerant(reg, titles, lines=3, concurrency=6), blast()
        )
        assert terminated > 0, "the fault was not injected: no backend was terminated"
        # The pool recovered: every write succeeds now, at once.
        after = [unique_title("복구 후") for _ in range(5)]
        for r in await post_projects(reg, after, lines=3, concurrency=2):
            assert r.status_code == 201, r.text

    created = [
        t
        for t, o in zip(titles, outcomes, strict=True)
        if isinstance(o, httpx.Response) and o.status_code == 201
    ]
    refused = [
        t
        for t, o in zip(titles, outcomes, strict=True)
        if isinstance(o, httpx.Response) and o.status_code != 201
    ]
    for o in outcomes:
        if isinstance(o, httpx.Response) and o.status_code != 201:
            # A request that lost its database connection may fail, but as a retryable problem.
            assert o.status_code == 503, o.text
            assert o.headers["content-type"].startswith("application/problem+json"), o.text
            assert o.headers.get("retry-after"), o.headers
    lost = [o for o in outcomes if isinstance(o, httpx.TransportError)]
    # A 5xx must not close the keep-alive connection under another request (finding F2).
    assert not lost, f"{len(lost)} requests lost on the wire: {lost[:3]!r}"
    ids = await registry_ids(stack, titles + after)
    # No partial writes: a refused request left nothing; a created one (or one whose answer was lost on
    # the wire, which may or may not have committed) left a complete project.
    assert not set(refused) & set(ids), "a failed request left a project behind"
    assert set(created + after) <= set(ids), "a 201 project is missing"
    ok_ids = list(ids.values())
    lines = await registry_db.fetch(
        "SELECT project_id, count(*) AS n FROM funding_lines WHERE project_id = ANY($1::text[]) "
        "GROUP BY project_id",
        ok_ids,
    )
    assert {r["project_id"]: r["n"] for r in lines} == dict.fromkeys(ok_ids, 3)
    audits = await registry_db.count("audit_log", "entity_id = ANY($1::text[])", ok_ids)
    assert audits == len(ok_ids), "exactly one audit row per registered project"
    # And the consumer side, whose connections were cut too, applied every event once.
    await assert_delivered_exactly_once(stack, ok_ids, timeout_s=90)


# --- (b) a consumer SIGKILLed between its database commit and its offset commit ----------------------


async def test_consumer_killed_mid_burst_reapplies_nothing(stack: Stack) -> None:
    await warm_up(stack)
    planning = stack["planning"]
    burst = 200
    # The consumer applies a partition's batch in one transaction and commits the offset after it. A
    # poisoned first record (a title longer than the read model's column, as only a foreign producer
    # could send) makes the batch fall back to one transaction per record, so for the rest of the batch
    # database commits happen while the offset stays uncommitted: a kill there is a kill "between the
    # database commit and the offset commit", every time, not by luck.
    poison = make_event(
        ProjectRegistered(project_id=(pid := str(uuid.uuid4())), code="POISON", title_ko="독" * 400),
        subject=pid,
    )
    events = [
        make_event(
            ProjectRegistered(
                project_id=(pid := str(uuid.uuid4())),
                code=f"BURST-{i:04d}",
                title_ko=f"폭주 사업 {i}",
                sgg_code=SGG,
                total_krw=i,
            ),
            subject=pid,
        )
        for i in range(burst)
    ]
    ids = [e.subject or "" for e in events]
    baseline = await consumer_outcomes(planning)
    await produce(stack.bootstrap, [(topics.REGISTRY_PROJECT, e, 0) for e in [poison, *events]])
    await wait_for(
        lambda: planning_rows(stack, ids),
        lambda c: c >= 5,  # early in the first (poisoned, record-by-record) batch
        timeout_s=60,
        interval_s=0.005,
        what="the burst partly applied",
        stack=stack,
    )
    planning.kill()
    applied_before_restart = await planning_rows(stack, ids)
    assert applied_before_restart < burst, "the whole burst was applied before the kill"
    planning.start()
    await planning.wait_healthy()
    await wait_for(
        lambda: planning_rows(stack, ids),
        lambda c: c >= burst,
        timeout_s=120,
        what="the whole burst after the restart",
        stack=stack,
    )
    db = stack.dbs["planning"]
    event_ids = [e.id for e in events]
    assert await planning_rows(stack, ids) == burst
    inbox = await db.count(
        "inbox", "handler = $1 AND event_id = ANY($2::text[])", PLANNING_REGISTERED, event_ids
    )
    assert inbox == burst
    # The restarted consumer resumed from the last committed offset: every event the killed process had
    # already committed came again and was recognised; every other one was applied once.
    outcomes = await consumer_outcomes(planning)
    assert outcomes.get((PLANNING_REGISTERED, "duplicate"), 0) == applied_before_restart
    assert outcomes.get((PLANNING_REGISTERED, "applied"), 0) == burst - applied_before_restart
    assert applied_before_restart > 0 and baseline is not None
    letters = await db.dead_letters()
    assert letters, "the poisoned record must be dead-lettered"
    assert {(r["handler"], r["event_type"]) for r in letters} == {(PLANNING_REGISTERED, REGISTERED)}
    assert {r["event_id"] for r in letters} == {poison.id}, "only the poisoned record may be dead-lettered"
    # It was dead-lettered before the kill and redelivered after it (its offset was never committed):
    # recognised through the inbox, not dead-lettered a second time (finding F4).
    assert len(letters) == 1, f"the poisoned record was dead-lettered {len(letters)} times"
    assert outcomes.get((PLANNING_REGISTERED, "dead_lettered_before"), 0) >= 1


# --- broker faults on the 3-broker cluster ----------------------------------------------------------


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
    concurrently once ``fault_at`` responses came back. Every answer must be a 201 (no broker call sits
    on the request path). Returns the project ids."""
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


async def check_exactly_once(stack: Stack, ids: list[str], scenario: str, requeued_before: float) -> None:
    """Every project reached planning once, the outbox is drained and every event is on the topic."""
    await assert_delivered_exactly_once(stack, ids, timeout_s=180)
    event_ids = await registered_event_ids(stack, ids)
    on_topic = await topic_ids(stack.bootstrap, topics.REGISTRY_PROJECT)
    missing = [e for e in event_ids if on_topic[e] == 0]
    doubled = sum(on_topic[e] - 1 for e in event_ids if on_topic[e] > 1)
    requeued = await registry_metric(stack, "cg_outbox_requeued_total") - requeued_before
    print(
        f"\n[kafka-faults] {scenario}: {len(ids)} projects, lost 0 in planning, applied twice 0; "
        f"on the topic: missing {len(missing)}, extra copies {doubled}; relay re-queued {requeued:.0f}"
    )
    assert missing == []


async def test_partition_leader_killed_mid_burst(stack: Stack, healthy_cluster: KafkaCluster) -> None:
    await warm_up(stack)
    cluster = healthy_cluster
    victim = await asyncio.to_thread(cluster.leader_of, topics.REGISTRY_PROJECT, 0)
    assert victim > 0
    before = await registry_metric(stack, "cg_outbox_requeued_total")

    async def kill_leader() -> None:
        await asyncio.to_thread(cluster.stop_node, victim, kill=True)

    ids = await post_burst(stack, 60, inflight=4, fault_at=15, fault=kill_leader)
    # The controller moves leadership once the killed node's session expires: on a loaded machine that
    # can outlast the burst, so wait for it (a deadline, not a timing).
    await eventually(
        lambda: asyncio.to_thread(cluster.leader_of, topics.REGISTRY_PROJECT, 0),
        until=lambda node: node not in (victim, -1),
        timeout_s=90,
        interval_s=0.5,
        what=f"a new leader of {topics.REGISTRY_PROJECT}[0] after node {victim} was killed",
    )
    await check_exactly_once(stack, ids, f"SIGKILL of node {victim} (leader of partition 0)", before)
    await asyncio.to_thread(cluster.start_node, victim)
    # The node is back and catches up; a later burst still goes through exactly once.
    more = await post_burst(stack, 10)
    await check_exactly_once(stack, more, f"after node {victim} rejoined", before)


async def test_rolling_restart_mid_burst(stack: Stack, healthy_cluster: KafkaCluster) -> None:
    cluster = healthy_cluster
    before = await registry_metric(stack, "cg_outbox_requeued_total")

    async def roll() -> None:
        for node in cluster.nodes:
            await asyncio.to_thread(cluster.restart_node, node.node_id)

    # Writes go on (a few at a time) for as long as the roll takes.
    ids = await post_burst(stack, 10, inflight=3, fault_at=5, until=asyncio.create_task(roll()))
    await check_exactly_once(stack, ids, "rolling restart of all three brokers", before)


async def test_cut_off_broker_is_not_mistaken_for_lost_data(
    stack: Stack, healthy_cluster: KafkaCluster
) -> None:
    cluster = healthy_cluster
    victim = await asyncio.to_thread(cluster.leader_of, topics.REGISTRY_PROJECT, 1)
    assert victim > 0
    before = await registry_metric(stack, "cg_outbox_requeued_total")
    losses_before = await registry_metric(stack, "cg_outbox_broker_state_losses_total")

    async def cut_off() -> None:
        cluster.pause_node(victim)
        # Frozen until the controller fences it (its session expired; leadership and the ISR moved
        # away), i.e. the relay's sends to its partitions stalled for the whole failover.
        await eventually(
            lambda: asyncio.to_thread(cluster.live_brokers),
            until=lambda live: bool(live) and victim not in live,
            timeout_s=90,
            interval_s=0.5,
            what=f"node {victim} fenced after SIGSTOP",
        )
        cluster.resume_node(victim)

    ids = await post_burst(stack, 60, inflight=4, fault_at=15, fault=cut_off)
    await check_exactly_once(stack, ids, f"SIGSTOP of node {victim} until fenced", before)
    # A stalled broker lost nothing: the relay must not have re-queued anything or counted a loss.
    assert await registry_metric(stack, "cg_outbox_requeued_total") == before
    assert await registry_metric(stack, "cg_outbox_broker_state_losses_total") == losses_before


async def test_whole_cluster_frozen_then_killed_mid_stream(
    stack: Stack, healthy_cluster: KafkaCluster
) -> None:
    """An outage: every broker frozen, then SIGKILLed, while writes go on; then the cluster comes back
    with its logs. POSTs answer 201 throughout and the outbox delivers everything exactly once."""
    await warm_up(stack)
    cluster = healthy_cluster
    before = await registry_metric(stack, "cg_outbox_requeued_total")
    async with stack["registry"].client() as reg:
        first = await post_projects(reg, [unique_title("중단 전") for _ in range(10)])
        assert all(r.status_code == 201 for r in first)
        cluster.pause()  # from here on no send is acknowledged
        try:
            # Each request's own client timeout bounds it: a request waiting on the broker fails.
            second = await post_projects(reg, [unique_title("중단 중") for _ in range(10)], concurrency=2)
        finally:
            await asyncio.to_thread(cluster.stop, kill=True)
        assert all(r.status_code == 201 for r in second), "no broker call may sit on the request path"
        assert await stack.dbs["registry"].unpublished() > 0, "nothing waited for the broker: no outage seen"
        third = await post_projects(reg, [unique_title("장애 중") for _ in range(5)])
        assert all(r.status_code == 201 for r in third)
        await asyncio.to_thread(cluster.start)
        fourth = await post_projects(reg, [unique_title("재시작 후") for _ in range(5)])
        assert all(r.status_code == 201 for r in fourth)
    ids = [r.json()["id"] for r in first + second + third + fourth]
    await check_exactly_once(stack, ids, "whole cluster frozen, then SIGKILLed and restarted", before)
    async with stack["planning"].client() as plan:
        await wait_for(
            lambda: plan.get("/readyz"),
            lambda r: r.status_code == 200,
            timeout_s=60,
            what="planning ready after the outage",
        )
