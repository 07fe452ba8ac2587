"""Load with integrity (issue 10, item 5; issue 15; ``make soak``): concurrent writers for minutes while
brokers fail, then every count reconciles across services and no dead letter is left.

Writers, all against real processes: officers registering projects in the registry, committee members
casting named votes round after round (each round closed by a recorded decision), residents casting
ballots in a participatory election. The test runs twice (parametrized by broker):

- ``kafka``: the session's 3-broker Apache Kafka KRaft cluster (replication 3, ``min.insync.replicas=2``,
  idempotent ``acks=all`` producers). A third of the way in, the node leading ``cg.registry.project[0]``
  is SIGKILLed; once a new leader is elected and the run is halfway, it is started again; then every
  node is restarted one after the other (a rolling restart). Writers go on until the duration is over
  and every fault is done. Afterwards every ProjectRegistered event is on the topic (extra copies are
  counted and printed: the consumers' inbox must absorb them).
- ``tansu``: a Tansu broker (memory engine) killed a third of the way in and back *empty*: a broker
  that forgets records it acknowledged, under load from all four services. The relay's loss check must
  notice and re-send; the consumers apply each event once.

Afterwards, on both:

- every project the registry answered 201 for is in planning's read model, once, and nothing else is;
  planning applied exactly one ProjectRegistered per project (redeliveries are counted as duplicates);
- every vote answered 200 is in the committee's database and counted in its round's decision tally;
- every ballot answered 201 is counted when the election closes (``ballot_count`` = ballots cast);
- every outbox is drained and every dead-letter store is empty.

The summary line (``soak[<broker>] …``) gives writes ok/refused, lost and doubled effects and the time.
Duration: ``CG_SOAK_SECONDS`` (default 180). Skipped unless ``--run-soak`` is given (``make soak``).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import httpx
import pytest

from cg_shared.clock import now_utc
from cg_shared.events import topics
from cg_shared.events.registry import ProjectRegistered
from cg_shared.testing.helpers import auth, eventually
from cg_shared.testing.kafka import KafkaCluster
from tests.reliability.harness import (
    Stack,
    consumer_outcomes,
    kill_broker,
    project_body,
    restart_broker_empty,
    running_stack,
    topic_ids,
    unique_title,
    wait_for,
)

pytestmark = [pytest.mark.soak, pytest.mark.postgres, pytest.mark.e2e]

SGG = "11200"
OFFICER = auth("borough_officer", SGG, sub="soak-officer")
SECRETARY = auth("committee_secretary", SGG, sub="soak-secretary")
DURATION_S = float(os.environ.get("CG_SOAK_SECONDS", "180"))
MEMBERS = 7
REGISTERED = ProjectRegistered.event_type
PLANNING_REGISTERED = "planning.registry_project.registered"


class Soak:
    """The running system and the broker it runs on (the Kafka cluster, or the stack's own Tansu)."""

    def __init__(self, kind: str, stack: Stack, cluster: KafkaCluster | None) -> None:
        self.kind = kind
        self.stack = stack
        self.cluster = cluster


@pytest.fixture(
    scope="module",
    params=[
        pytest.param("kafka", marks=pytest.mark.kafka, id="kafka"),
        pytest.param("tansu", marks=pytest.mark.broker, id="tansu"),
    ],
)
async def soak(request, database_factory, tmp_path_factory) -> AsyncIterator[Soak]:
    cluster: KafkaCluster | None = None
    options: dict[str, Any] = {}
    if request.param == "kafka":
        cluster = request.getfixturevalue("kafka_cluster")
        options = {"bootstrap": cluster.bootstrap, "extra_env": cluster.service_env}
    log_dir = tmp_path_factory.mktemp(f"soak-{request.param}")
    try:
        async with running_stack(database_factory, log_dir, **options) as stack:
            yield Soak(request.param, stack, cluster)
    finally:
        if cluster is not None:
            # The cluster is the session's: leave every node running, even after a failure.
            for node in cluster.nodes:
                if node.paused:
                    cluster.resume_node(node.node_id)
                if not node.running:
                    await asyncio.to_thread(cluster.start_node, node.node_id)
            await asyncio.to_thread(cluster.wait_ready, 120)


class Tally:
    def __init__(self) -> None:
        self.ok: Counter[str] = Counter()
        self.refused: Counter[str] = Counter()
        self.errors: list[str] = []

    def record(self, what: str, response: httpx.Response | BaseException, *expected: int) -> bool:
        if isinstance(response, httpx.Response) and response.status_code in expected:
            self.ok[what] += 1
            return True
        if isinstance(response, httpx.Response) and response.status_code == 503:
            self.refused[what] += 1  # a retryable refusal (nothing written) is allowed under faults
            return False
        self.errors.append(
            f"{what}: {response if isinstance(response, BaseException) else response.text[:300]}"
        )
        return False


async def call(client: httpx.AsyncClient, method: str, url: str, **kw: Any) -> httpx.Response | BaseException:
    try:
        return await client.request(method, url, **kw)
    except httpx.TransportError as exc:
        return exc


async def set_up_committee(client: httpx.AsyncClient) -> tuple[str, list[tuple[str, dict[str, str]]]]:
    committee = (
        await client.post(
            "/v1/committees",
            json={"sgg_code": SGG, "name_ko": "성동구 민관협치위원회", "established_on": "2020-01-01"},
            headers=SECRETARY,
        )
    ).json()
    members = []
    for n in range(MEMBERS):
        sub = f"soak-member-{n}"
        created = await client.post(
            f"/v1/committees/{committee['id']}/members",
            json={
                "name_ko": f"위원{n}",
                "seat_kind": "civilian_appointed" if n < 5 else "official",
                "term_start": "2026-01-01",
                "user_sub": sub,
            },
            headers=SECRETARY,
        )
        assert created.status_code == 201, created.text
        members.append((created.json()["id"], auth("committee_member", SGG, sub=sub)))
    return committee["id"], members


async def set_up_election(client: httpx.AsyncClient) -> tuple[str, list[str]]:
    cycle = (
        await client.post(
            "/v1/cycles",
            json={"sgg_code": SGG, "fiscal_year": 2027, "title_ko": "소크 예산"},
            headers=OFFICER,
        )
    ).json()
    envelope = (
        await client.put(
            f"/v1/cycles/{cycle['id']}/envelopes/borough",
            json={"amount_krw": 100_000_000},
            headers={**OFFICER, "If-Match": "*"},
        )
    ).json()
    requests = []
    for n in range(4):
        created = await client.post(
            "/v1/requests",
            json={
                "sgg_code": SGG,
                "fiscal_year": 2027,
                "title_ko": f"주민 사업 {n}",
                "amount_krw": 30_000_000,
            },
            headers=OFFICER,
        )
        assert created.status_code == 201, created.text
        requests.append(created.json()["id"])
    election = await client.post(
        "/v1/elections",
        json={
            "cycle_id": cycle["id"],
            "envelope_id": envelope["id"],
            "request_ids": requests,
            "rule": "greedy",
            "ballot_type": "approval",
            "max_length": 4,
            "title_ko": "소크 주민 투표",
        },
        headers=OFFICER,
    )
    assert election.status_code == 201, election.text
    return election.json()["id"], requests


@pytest.mark.timeout(DURATION_S + 900)
async def test_writers_under_broker_faults_reconcile_everywhere(soak: Soak) -> None:
    stack = soak.stack
    tally = Tally()
    projects: list[str] = []
    rounds: list[dict[str, Any]] = []  # per committee round: the votes answered 200 and the decision
    ballots_cast = 0
    began = time.monotonic()
    deadline = began + DURATION_S
    faults_done = asyncio.Event()
    faults: list[str] = []  # what happened to the broker(s), when (seconds into the run)
    killed_at: list[datetime] = []

    def writing() -> bool:
        """Writers go on for the duration and for as long as a fault is still under way."""
        return time.monotonic() < deadline or not faults_done.is_set()

    def note(what: str) -> None:
        faults.append(f"{time.monotonic() - began:.0f}s {what}")

    async with (
        stack["registry"].client() as reg,
        stack["committee"].client() as com,
        stack["budget"].client() as bud,
    ):
        committee_id, members = await set_up_committee(com)
        election_id, request_ids = await set_up_election(bud)
        meeting = await com.post(
            f"/v1/committees/{committee_id}/meetings",
            json={
                "title_ko": "소크 회의",
                "kind": "regular",
                "starts_at": "2027-08-20T14:00:00+09:00",
                "ends_at": "2027-08-20T18:00:00+09:00",
                "notice_on": "2027-08-10",
            },
            headers=SECRETARY,
        )
        meeting_id = meeting.json()["id"]
        present = {"entries": [{"member_id": m, "status": "present"} for m, _ in members]}
        attendance = await com.put(
            f"/v1/meetings/{meeting_id}/attendance", json=present, headers={**SECRETARY, "If-Match": "*"}
        )
        assert attendance.status_code == 200, attendance.text

        async def register_projects() -> None:
            while writing():
                response = await call(
                    reg, "POST", "/v1/projects", json=project_body(unique_title("소크")), headers=OFFICER
                )
                if tally.record("project", response, 201):
                    assert isinstance(response, httpx.Response)
                    projects.append(response.json()["id"])

        async def vote_rounds() -> None:
            while writing():
                item = await call(
                    com,
                    "POST",
                    f"/v1/meetings/{meeting_id}/agenda-items",
                    json={"title_ko": f"소크 안건 {uuid.uuid4().hex[:6]}", "subject_kind": "agenda"},
                    headers=SECRETARY,
                )
                if not tally.record("agenda item", item, 201):
                    continue
                assert isinstance(item, httpx.Response)
                item_id = item.json()["id"]
                cast = 0
                for n, (member_id, headers) in enumerate(members):
                    vote = await call(
                        com,
                        "POST",
                        f"/v1/agenda-items/{item_id}/votes",
                        json={"votes": [{"member_id": member_id, "choice": "yes" if n % 3 else "no"}]},
                        headers=headers,
                    )
                    cast += tally.record("vote", vote, 200, 201)
                decision = await call(
                    com,
                    "POST",
                    f"/v1/meetings/{meeting_id}/decisions",
                    json={"agenda_item_id": item_id},
                    headers=SECRETARY,
                )
                if tally.record("decision", decision, 201):
                    assert isinstance(decision, httpx.Response)
                    rounds.append({"item": item_id, "cast": cast, "decision": decision.json()})

        async def cast_ballots() -> None:
            nonlocal ballots_cast
            n = 0
            while writing():
                n += 1
                ballot = await call(
                    bud,
                    "POST",
                    f"/v1/elections/{election_id}/ballots",
                    json={"choices": request_ids[: 1 + n % len(request_ids)]},
                    headers=auth("resident", SGG, sub=f"soak-voter-{n}-{uuid.uuid4().hex[:6]}"),
                )
                ballots_cast += tally.record("ballot", ballot, 201)

        async def tansu_comes_back_empty() -> None:
            assert stack.broker is not None
            await asyncio.sleep(DURATION_S / 3)
            killed_at.append(now_utc())
            kill_broker(stack.broker)
            note("Tansu SIGKILLed")
            await asyncio.sleep(1.0)
            restart_broker_empty(stack.broker)
            note("Tansu back, empty")

        async def kafka_leader_killed_then_rolling_restart() -> None:
            cluster = soak.cluster
            assert cluster is not None
            await asyncio.sleep(DURATION_S / 3)
            victim = await asyncio.to_thread(cluster.leader_of, topics.REGISTRY_PROJECT, 0)
            assert victim > 0, "no leader of cg.registry.project[0] before the fault"
            killed_at.append(now_utc())
            await asyncio.to_thread(cluster.stop_node, victim, kill=True)
            note(f"node {victim} (leader of {topics.REGISTRY_PROJECT}[0]) SIGKILLed")
            leader = await eventually(
                lambda: asyncio.to_thread(cluster.leader_of, topics.REGISTRY_PROJECT, 0),
                until=lambda node: node not in (victim, -1),
                timeout_s=90,
                interval_s=0.5,
                what=f"a new leader of {topics.REGISTRY_PROJECT}[0] after node {victim} was killed",
            )
            note(f"node {leader} leads {topics.REGISTRY_PROJECT}[0]")
            await asyncio.sleep(max(0.0, began + DURATION_S / 2 - time.monotonic()))
            await asyncio.to_thread(cluster.start_node, victim)
            note(f"node {victim} rejoined")
            for node in cluster.nodes:
                await asyncio.to_thread(cluster.restart_node, node.node_id)
                note(f"node {node.node_id} restarted (rolling)")

        async def break_the_broker() -> None:
            try:
                if soak.kind == "kafka":
                    await kafka_leader_killed_then_rolling_restart()
                else:
                    await tansu_comes_back_empty()
            finally:
                faults_done.set()

        await asyncio.gather(
            register_projects(),
            register_projects(),
            vote_rounds(),
            cast_ballots(),
            cast_ballots(),
            break_the_broker(),
        )
        writing_s = time.monotonic() - began
        assert not tally.errors, f"{len(tally.errors)} unexpected answers: {tally.errors[:10]}"
        assert tally.ok["project"] > 50 and tally.ok["vote"] > 50 and tally.ok["ballot"] > 50, tally.ok

        # Ballots: every ballot answered 201 is counted, once.
        closed = await bud.post(f"/v1/elections/{election_id}/close", headers={**OFFICER, "If-Match": "*"})
        assert closed.status_code == 200, closed.text
        ballot_count = closed.json()["ballot_count"]
        ballot_rows = await stack.dbs["budget"].count("ballots", "election_id = $1", election_id)

    # Votes: every vote answered 200 is recorded and counted in its round's decision.
    miscounted_rounds = [
        r for r in rounds if sum(r["decision"]["tally"][k] for k in ("yes", "no", "abstain")) != r["cast"]
    ]
    vote_rows = await stack.dbs["committee"].count("votes")

    # Projects: registry and planning agree exactly, after the broker faults.
    registry_ids = {r["id"] for r in await stack.dbs["registry"].fetch("SELECT id FROM projects")}
    with contextlib.suppress(AssertionError):
        await wait_for(
            lambda: stack.dbs["planning"].count("registry_projects", "status <> 'deleted'"),
            lambda n: n >= len(registry_ids),
            timeout_s=180,
            what=f"planning's read model to reach {len(registry_ids)} projects",
        )
    planning_ids = {
        r["project_id"]
        for r in await stack.dbs["planning"].fetch(
            "SELECT project_id FROM registry_projects WHERE status <> 'deleted'"
        )
    }
    missing = sorted(registry_ids - planning_ids)
    reconciled_s = time.monotonic() - began
    # Each ProjectRegistered applied once: a second application would count as "applied" again, a
    # redelivery recognised by the inbox counts as "duplicate".
    outcomes = await consumer_outcomes(stack["planning"])
    applied = int(outcomes.get((PLANNING_REGISTERED, "applied"), 0))
    absorbed = int(outcomes.get((PLANNING_REGISTERED, "duplicate"), 0))
    on_topic = "not counted (the broker came back empty)"
    topic_missing: list[str] = []
    if soak.kind == "kafka":
        event_ids = [
            r["event_id"]
            for r in await stack.dbs["registry"].fetch(
                "SELECT event_id FROM outbox WHERE event_type = $1", REGISTERED
            )
        ]
        copies = await topic_ids(stack.bootstrap, topics.REGISTRY_PROJECT)
        topic_missing = [e for e in event_ids if copies[e] == 0]
        extra = sum(copies[e] - 1 for e in event_ids if copies[e] > 1)
        on_topic = f"{len(event_ids)} events, missing {len(topic_missing)}, extra copies {extra}"
    lost = {
        "projects": len(missing),
        "votes": max(0, tally.ok["vote"] - vote_rows),
        "ballots": max(0, ballots_cast - ballot_count),
    }
    doubled = {
        "projects": max(0, applied - len(registry_ids)) + len(planning_ids - registry_ids),
        "votes": max(0, vote_rows - tally.ok["vote"]),
        "ballots": max(0, ballot_count - ballots_cast),
    }
    print(
        f"\nsoak[{soak.kind}] {DURATION_S:.0f}s requested, writers ran {writing_s:.0f}s, reconciled at "
        f"{reconciled_s:.0f}s: writes ok {dict(tally.ok)}; refused (503) {dict(tally.refused)}; "
        f"unexpected {len(tally.errors)}; {len(rounds)} decided vote rounds; lost {lost}; "
        f"doubled {doubled}; planning applied {applied} ProjectRegistered for {len(registry_ids)} "
        f"projects, {absorbed} redeliveries absorbed; on {topics.REGISTRY_PROJECT}: {on_topic}; "
        f"faults: {faults}"
    )

    assert not tally.errors, f"{len(tally.errors)} unexpected answers: {tally.errors[:10]}"
    assert tally.ok["project"] > 50 and tally.ok["vote"] > 50 and tally.ok["ballot"] > 50, tally.ok
    assert ballot_count == ballots_cast and ballot_rows == ballots_cast
    assert not miscounted_rounds, miscounted_rounds[:5]
    assert vote_rows == tally.ok["vote"]
    assert set(projects) <= registry_ids and len(registry_ids) == len(projects)
    # When an event is lost, say when it was published relative to the broker kill (finding F10).
    published = await stack.dbs["registry"].fetch(
        "SELECT key, created_at, published_at, attempts FROM outbox WHERE key = ANY($1::text[])", missing[:20]
    )
    assert not missing and planning_ids == registry_ids, (
        f"{len(missing)} projects missing in planning, {len(planning_ids - registry_ids)} extra; broker "
        f"faults {faults} (first kill at {killed_at}); their outbox rows: {[dict(r) for r in published]}"
    )
    assert applied == len(registry_ids), f"{applied} ProjectRegistered applied for {len(registry_ids)}"
    assert topic_missing == [], f"{len(topic_missing)} acknowledged events missing on the topic"
    for name, db in stack.dbs.items():
        await wait_for(db.unpublished, lambda n: n == 0, timeout_s=60, what=f"{name} outbox drained")
        assert await db.dead_letters() == [], f"{name} has dead letters"
