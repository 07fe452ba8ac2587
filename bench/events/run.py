"""Event-bus benchmark: registry → planning propagation latency, and relay+consumer throughput.

Starts a single-node Apache Kafka (``--broker tansu``: the Tansu broker), two fresh PostgreSQL databases and ``cg-registry serve`` + ``cg-planning serve``
(API, outbox relay and consumer in one process each, as deployed by default).

(a) Propagation latency at a steady 200 events/s: an open-loop client POSTs ``/v1/projects`` on a fixed
    schedule (a request that is late does not delay the next one). Latency per project =
    planning's ``registry_projects.updated_at`` − registry's ``projects.created_at``: both are stamped
    by the services themselves from the same machine clock, the first before the registry's commit
    (so the registry's commit is counted: conservative) and the second in planning's consumer
    transaction. End to end (issue 19): for every project, the time from the client *sending* its POST
    until the row is committed and visible in planning's database (one poller asks for all outstanding
    ids every 5 ms), HTTP included. The sustained rate counts every request, warm-up included, over the
    whole window from the first POST sent to the last answered.
(a2) Bus latency at the same steady 200 events/s without the HTTP write path: the registry's POST handler
    (auth, validation, duplicate check, ~10 round trips, audit, outbox) cannot sustain 200/s on a small
    machine, so (a) measures the registry's capacity there, not the bus's. An open-loop writer in this
    process commits one ``project.registered`` outbox row per transaction (``add_raw_to_outbox``, the
    CloudEvent exactly as the registry writes it) into the registry's database on a fixed schedule while
    the registry's relay and planning's consumer run. Latency = planning's ``registry_projects.updated_at``
    − ``outbox.created_at`` (stamped before the commit, like ``projects.created_at`` in (a)), plus the
    same stages. The writer's transaction wakes the registry's relay through PostgreSQL NOTIFY (as every
    outbox writer does), as the registry's own commits wake it in-process.
(b) Throughput: N ``project.registered`` outbox rows are committed straight into the registry's
    database in one transaction (``add_to_outbox``); the running relay publishes them and planning's
    consumer applies each with its inbox row. Time = commit → planning holds N rows. Two baselines
    (``raw_kafka.py``, two processes each, same broker, a topic with as many partitions, the same keys,
    bytes and headers): the bus alone (raw aiokafka producer → consumer, no database: the issue's
    denominator) and equal work (the same bus plus, hand-written on asyncpg, an outbox table read in
    locked 200-row batches and marked published, JSON decoded, and per partition batch one transaction
    with an inbox lookup, a set-based upsert of the same read-model columns and the inbox rows, then
    the offset commit). Baselines and subject alternate; medians.
Cold start: the services are spawned, both answer ``/readyz``, then at once one POST; time until its
    row is in planning. Again at the end after stopping and restarting both on the same databases.
The headline (last line) leads with (a) end to end: client POST → planning's committed row.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.common import (
    PYTHON,
    Bench,
    ServiceProcess,
    fmt_ms,
    interesting_frames,
    machine_summary,
    median,
    note,
    percentile,
    poll_until,
    print_table,
    profile_summary,
    py_spy_record,
    read_line,
    run_main,
)
from cg_shared.districts import DISTRICTS
from cg_shared.events.envelope import make_event
from cg_shared.events.registry import FundingLineData, ProjectRegistered
from cg_shared.testing.helpers import auth

HERE = Path(__file__).resolve().parent
TARGET_P99_MS = 100.0
TARGET_RATIO = 0.5
TARGET_COLD_MS = 200.0

WORDS_KO = ["마을공동체", "청년", "돌봄", "주민자치", "골목상권", "기후", "공유", "협치", "문화", "안전"]
WORDS_EN = ["village", "youth", "care", "self-governance", "alley market", "climate", "sharing", "CG"]


def pct_row(
    label: str, run: dict[str, Any], prefix: str, samples: int, *, with_max: bool = False
) -> list[Any]:
    """One table row: p50/p99 (and max) of ``run[<prefix>_p50]`` … in ms."""
    key = f"{prefix}_" if prefix else ""
    return [
        label,
        fmt_ms(run[f"{key}p50"]),
        fmt_ms(run[f"{key}p99"]),
        fmt_ms(run["max"]) if with_max else "",
        samples,
    ]


def dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


BOROUGHS = sorted(DISTRICTS)
# Each borough's officer registers in their own borough: the load spreads over all 25, as it would.
HEADERS = {code: auth("borough_officer", code) for code in BOROUGHS}


def project_body(rng: random.Random, i: int, sgg_code: str) -> dict[str, Any]:
    return {
        "title_ko": f"{rng.choice(WORDS_KO)} {rng.choice(WORDS_KO)} 협치 사업 {i}",
        "title_en": f"{rng.choice(WORDS_EN)} {rng.choice(WORDS_EN)} project {i}",
        "sgg_code": sgg_code,
        "total_krw": rng.randrange(1, 500) * 1_000_000,
    }


# --------------------------------------------------------------------------- (a) latency


async def first_event(
    registry: ServiceProcess, planning: ServiceProcess, planning_db: asyncpg.Connection, *, started: float
) -> dict[str, float]:
    """Cold start (issue 19): wait until both services answer ``/readyz`` (what a load balancer or the
    dev stack waits for), then at once POST one project and time it until its row is committed in
    planning (2 ms poll). ``started`` = when the processes were spawned."""
    await asyncio.gather(registry.wait_ready(path="/readyz"), planning.wait_ready(path="/readyz"))
    ready = time.time()
    async with httpx.AsyncClient(base_url=registry.base_url, timeout=30) as client:
        sent = time.time()
        resp = await client.post(
            "/v1/projects", json=project_body(random.Random(0), 0, "11200"), headers=HEADERS["11200"]
        )
        answered = time.time()
        resp.raise_for_status()
        project_id = resp.json()["id"]
    deadline = time.monotonic() + 60
    while not await planning_db.fetchval("SELECT 1 FROM registry_projects WHERE project_id=$1", project_id):
        if time.monotonic() > deadline:
            raise RuntimeError("the first event did not reach planning within 60 s")
        await asyncio.sleep(0.002)
    visible = time.time()
    return {"start_s": ready - started, "post": answered - sent, "e2e": visible - sent}


async def steady_load(
    registry: ServiceProcess,
    planning_url: str,
    *,
    rate: float,
    seconds: float,
    warmup_s: float,
) -> dict[str, Any]:
    """Open-loop POSTs at ``rate``/s; returns per-project client timings and when each row became visible."""
    rng = random.Random(42)
    results: list[dict[str, Any]] = []
    observe_conn = await asyncpg.connect(dsn(planning_url))
    # Every project, warm-up included: when its row became visible (committed) in planning's database.
    # One poller asks for all the outstanding ids every 5 ms (one indexed query), so the end-to-end
    # time from the client's POST to the consumer's committed row costs the databases little.
    outstanding: dict[str, float] = {}
    visible: dict[str, float] = {}
    posting_done = asyncio.Event()

    async def poll_visible() -> None:
        deadline = None
        while True:
            if outstanding:
                ids = list(outstanding)
                found = await observe_conn.fetch(
                    "SELECT project_id FROM registry_projects WHERE project_id = ANY($1)", ids
                )
                now = time.time()
                for row in found:
                    pid = row[0]
                    outstanding.pop(pid, None)
                    visible[pid] = now
            if posting_done.is_set():
                if not outstanding:
                    return
                deadline = deadline or time.monotonic() + 60
                if time.monotonic() > deadline:
                    return
            await asyncio.sleep(0.005)

    poller = asyncio.create_task(poll_visible())

    async def post(client: httpx.AsyncClient, i: int, measured: bool) -> None:
        sent = time.time()
        try:
            sgg = BOROUGHS[i % len(BOROUGHS)]
            resp = await client.post("/v1/projects", json=project_body(rng, i, sgg), headers=HEADERS[sgg])
        except httpx.HTTPError as exc:
            results.append({"i": i, "ok": False, "error": repr(exc), "measured": measured, "sent": sent})
            return
        done = time.time()
        ok = resp.status_code == 201
        row: dict[str, Any] = {"i": i, "ok": ok, "sent": sent, "done": done, "measured": measured}
        if ok:
            project_id = str(resp.json()["id"])
            row["id"] = project_id
            if project_id not in visible:
                outstanding[project_id] = sent
        else:
            row["error"] = f"{resp.status_code} {resp.text[:200]}"
        results.append(row)

    limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
    total = int(rate * (warmup_s + seconds))
    warm_n = int(rate * warmup_s)
    max_backlog = int(rate * 2)  # 2 s worth of requests waiting for an answer
    overloaded_at: int | None = None
    tasks: list[asyncio.Task[None]] = []
    try:
        async with httpx.AsyncClient(base_url=registry.base_url, timeout=120, limits=limits) as client:
            start = time.perf_counter()
            for i in range(total):
                delay = start + i / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                if len(tasks) - len(results) > max_backlog:
                    # The registry cannot absorb the offered rate: stop offering, so the run stays
                    # bounded, and report the rate it did sustain instead of a queue that never drains.
                    overloaded_at = i
                    break
                tasks.append(asyncio.create_task(post(client, i + 1, i >= warm_n)))
            schedule_s = time.perf_counter() - start
            await asyncio.wait_for(asyncio.gather(*tasks), 180)
        posting_done.set()
        await asyncio.wait_for(poller, 90)
    finally:
        posting_done.set()
        pending = [task for task in [*tasks, poller] if not task.done()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        await observe_conn.close()
    return {
        "results": results,
        "visible": visible,
        "schedule_s": schedule_s,
        "total": total,
        "overloaded_at": overloaded_at,
    }


async def propagation(
    registry: ServiceProcess,
    registry_url: str,
    planning_url: str,
    *,
    rate: float,
    seconds: float,
    warmup_s: float,
) -> dict[str, Any]:
    note(f"events (a): {rate:.0f} POST/s for {warmup_s:.0f}+{seconds:.0f} s")
    load = await steady_load(registry, planning_url, rate=rate, seconds=seconds, warmup_s=warmup_s)
    # If the load stopped during the warm-up (overload), the warm-up requests are all there is.
    measured = [r for r in load["results"] if r["measured"]] or load["results"]
    ok = [r for r in measured if r["ok"]]
    errors = [r for r in load["results"] if not r["ok"]]
    ids = [r["id"] for r in ok]
    reg = await asyncpg.connect(dsn(registry_url))
    plan = await asyncpg.connect(dsn(planning_url))
    try:

        async def arrived() -> int:
            return int(
                await plan.fetchval("SELECT count(*) FROM registry_projects WHERE project_id = ANY($1)", ids)
            )

        await poll_until(arrived, lambda n: n == len(ids), timeout_s=120, interval_s=0.1, what="all events")

        async def unmarked() -> int:
            # The relay marks rows published after the broker's acknowledgement, and a fast consumer can
            # apply an event before that: wait for the marks before reading the stage stamps.
            return int(
                await reg.fetchval(
                    "SELECT count(*) FROM outbox WHERE key = ANY($1) AND published_at IS NULL", ids
                )
            )

        await poll_until(unmarked, lambda n: n == 0, timeout_s=30, interval_s=0.05, what="relay marks")
        created = dict(await reg.fetch("SELECT id, created_at FROM projects WHERE id = ANY($1)", ids))
        applied = dict(
            await plan.fetch(
                "SELECT project_id, updated_at FROM registry_projects WHERE project_id = ANY($1)", ids
            )
        )
        # Stage stamps: the relay marks an outbox row published once the broker acknowledged it; the
        # consumer stamps its inbox row when it starts applying the event.
        published = {
            r["key"]: (r["event_id"], r["published_at"])
            for r in await reg.fetch(
                "SELECT key, event_id, published_at FROM outbox WHERE key = ANY($1) AND event_type = $2",
                ids,
                ProjectRegistered.event_type,
            )
        }
        received = dict(
            await plan.fetch(
                "SELECT event_id, processed_at FROM inbox WHERE event_id = ANY($1)",
                [event_id for event_id, _ in published.values()],
            )
        )
    finally:
        await reg.close()
        await plan.close()
    latencies = [(applied[i] - created[i]).total_seconds() for i in ids]
    relay_stage = [(published[i][1] - created[i]).total_seconds() for i in ids if i in published]
    bus_stage = [
        (received[published[i][0]] - published[i][1]).total_seconds()
        for i in ids
        if i in published and published[i][0] in received
    ]
    post_latencies = [r["done"] - r["sent"] for r in ok]
    first_sent = min(r["sent"] for r in measured)
    last_done = max(r["done"] for r in ok)
    # Sustained rates over the whole window the server worked: every request from the first sent (the
    # warm-up included) to the last answered, and every project from the first POST sent to the last
    # row visible in planning — not only post-warm-up requests while the server drains the warm-up.
    everything = load["results"]
    all_ok = [r for r in everything if r["ok"]]
    window_start = min(r["sent"] for r in everything)
    window_end = max(r["done"] for r in all_ok) if all_ok else window_start + 1
    seen = load["visible"]
    # End to end over every request, the warm-up included (the server worked on those too).
    e2e = [seen[r["id"]] - r["sent"] for r in all_ok if r["id"] in seen]
    delivered_end = max(seen.values()) if seen else window_end
    return {
        "events": len(ok),
        "errors": len(errors),
        "error_sample": errors[0].get("error") if errors else "",
        "offered_rate": rate,
        "achieved_rate": len(ok) / (last_done - first_sent),
        "sustained_rate": len(all_ok) / (window_end - window_start),
        "delivered_rate": len(seen) / (delivered_end - window_start),
        "window_s": window_end - window_start,
        "e2e_n": len(e2e),
        "e2e_p50": percentile(e2e, 50),
        "e2e_p99": percentile(e2e, 99),
        "e2e_max": max(e2e) if e2e else float("nan"),
        "schedule_s": load["schedule_s"],
        "overloaded_at": load["overloaded_at"],
        "offered": load["total"],
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
        "max": max(latencies),
        "relay_p50": percentile(relay_stage, 50),
        "relay_p99": percentile(relay_stage, 99),
        "bus_p50": percentile(bus_stage, 50),
        "bus_p99": percentile(bus_stage, 99),
        "stage_n": len(bus_stage),
        "post_p50": percentile(post_latencies, 50),
        "post_p99": percentile(post_latencies, 99),
    }


# --------------------------------------------------------------------------- (a2) bus latency


async def bus_latency(
    registry_url: str,
    planning_url: str,
    *,
    rate: float,
    seconds: float,
    warmup_s: float,
    writers: int,
) -> dict[str, Any]:
    """Open-loop writer: one ``project.registered`` outbox row per transaction at ``rate``/s.

    The registry's HTTP write path is left out, so the bus (relay → broker → planning's consumer) sees
    the offered rate even where the registry's POST handler cannot sustain it. Each commit leaves on
    schedule whether or not earlier ones have finished (``writers`` connections); if the writer itself
    falls more than 2 s behind, it stops and says so.
    """
    from cg_shared.db import create_engine, make_sessionmaker
    from cg_shared.events.envelope import CloudEvent
    from cg_shared.messaging.outbox import add_raw_to_outbox

    total = int(rate * (warmup_s + seconds))
    warm_n = int(rate * warmup_s)
    rows = make_outbox_rows(total, seed=7)
    events = [CloudEvent.model_validate_json(row["payload"]) for row in rows]
    note(f"events (a2): {rate:.0f} outbox commits/s for {warmup_s:.0f}+{seconds:.0f} s (no HTTP)")
    engine = create_engine(registry_url, pool_size=writers)
    sessions = make_sessionmaker(engine)
    committed: dict[int, tuple[float, float]] = {}  # i → (scheduled, commit returned), wall clock
    errors: list[str] = []

    async def write(i: int, scheduled: float) -> None:
        try:
            async with sessions() as session, session.begin():
                # Exactly what the registry's POST does for the event: the row, stamped created_at.
                add_raw_to_outbox(session, events[i], topic=rows[i]["topic"], key=rows[i]["key"])
        except Exception as exc:  # reported in the table, never silently dropped
            errors.append(repr(exc))
            return
        committed[i] = (scheduled, time.time())

    max_backlog = int(rate * 2)
    overloaded_at: int | None = None
    tasks: list[asyncio.Task[None]] = []
    try:
        start = time.perf_counter()
        start_wall = time.time()
        for i in range(total):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            if len(tasks) - len(committed) - len(errors) > max_backlog:
                overloaded_at = i
                break
            tasks.append(asyncio.create_task(write(i, start_wall + i / rate)))
        await asyncio.wait_for(asyncio.gather(*tasks), 120)
    finally:
        pending = [task for task in tasks if not task.done()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        await engine.dispose()

    measured = [i for i in sorted(committed) if i >= warm_n] or sorted(committed)
    by_event = {rows[i]["event_id"]: i for i in measured}
    ids = [rows[i]["key"] for i in measured]
    reg = await asyncpg.connect(dsn(registry_url))
    plan = await asyncpg.connect(dsn(planning_url))
    try:

        async def arrived() -> int:
            return int(
                await plan.fetchval("SELECT count(*) FROM registry_projects WHERE project_id = ANY($1)", ids)
            )

        await poll_until(arrived, lambda n: n == len(ids), timeout_s=120, interval_s=0.1, what="all events")
        outbox = {
            r["event_id"]: (r["created_at"], r["published_at"])
            for r in await reg.fetch(
                "SELECT event_id, created_at, published_at FROM outbox WHERE event_id = ANY($1)",
                list(by_event),
            )
        }
        applied = dict(
            await plan.fetch(
                "SELECT project_id, updated_at FROM registry_projects WHERE project_id = ANY($1)", ids
            )
        )
        received = dict(
            await plan.fetch(
                "SELECT event_id, processed_at FROM inbox WHERE event_id = ANY($1)", list(by_event)
            )
        )
    finally:
        await reg.close()
        await plan.close()
    latencies: list[float] = []
    from_commit: list[float] = []
    commit_stage: list[float] = []
    relay_stage: list[float] = []
    bus_stage: list[float] = []
    for event_id, i in by_event.items():
        created, published = outbox[event_id]
        done = applied[rows[i]["key"]]
        latencies.append((done - created).total_seconds())
        from_commit.append(done.timestamp() - committed[i][1])
        commit_stage.append(committed[i][1] - created.timestamp())
        if published is not None:
            relay_stage.append((published - created).total_seconds())
            if event_id in received:
                bus_stage.append((received[event_id] - published).total_seconds())
    commit_times = [committed[i][1] - committed[i][0] for i in measured]
    first = min(committed[i][0] for i in measured)
    last = max(committed[i][1] for i in measured)
    return {
        "events": len(measured),
        "errors": len(errors),
        "error_sample": errors[0] if errors else "",
        "offered_rate": rate,
        "achieved_rate": len(measured) / (last - first),
        "overloaded_at": overloaded_at,
        "offered": total,
        "writers": writers,
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
        "max": max(latencies),
        "commit_p50": percentile(from_commit, 50),
        "commit_p99": percentile(from_commit, 99),
        "relay_p50": percentile(relay_stage, 50),
        "relay_p99": percentile(relay_stage, 99),
        "bus_p50": percentile(bus_stage, 50),
        "bus_p99": percentile(bus_stage, 99),
        "stage_n": len(bus_stage),
        "txn_p50": percentile(commit_stage, 50),
        "txn_p99": percentile(commit_stage, 99),
        "write_p50": percentile(commit_times, 50),
        "write_p99": percentile(commit_times, 99),
    }


# --------------------------------------------------------------------------- (b) throughput


def make_outbox_rows(n: int, seed: int) -> list[dict[str, Any]]:
    """N project.registered events as the registry would write them (CloudEvent JSON, key = id)."""
    rng = random.Random(seed)
    codes = list(DISTRICTS)
    rows = []
    for i in range(n):
        project_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        sgg = rng.choice(codes)
        payload = ProjectRegistered(
            project_id=project_id,
            code=f"CG-{sgg}-{i:06d}",
            title_ko=f"{rng.choice(WORDS_KO)} {rng.choice(WORDS_KO)} 협치 사업 {i}",
            title_en=f"{rng.choice(WORDS_EN)} {rng.choice(WORDS_EN)} project {i}",
            sgg_code=sgg,
            policy_field="community",
            origin=rng.choice(["resident", "civic_group", "department"]),
            lead_department=f"{DISTRICTS[sgg].name_ko} 협치과",
            partner_organisations=[f"{rng.choice(WORDS_KO)} 네트워크"],
            target_groups=["주민"],
            total_krw=rng.randrange(1, 500) * 1_000_000,
            funding_lines=[FundingLineData(source="smg_grant", fiscal_year=2025, amount_krw=10_000_000)],
        )
        event = make_event(payload, subject=project_id)
        rows.append(
            {
                "event_id": event.id,
                "event_type": event.type,
                "topic": payload.topic,
                "key": project_id,
                "payload": event.to_json().decode(),
            }
        )
    return rows


async def subject_round(registry_url: str, planning_url: str, rows: list[dict[str, Any]]) -> dict[str, float]:
    """Commit N outbox rows in one transaction; time until planning applied all of them."""
    from cg_shared.db import create_engine, make_sessionmaker
    from cg_shared.events.envelope import CloudEvent
    from cg_shared.messaging.outbox import add_raw_to_outbox

    reg = await asyncpg.connect(dsn(registry_url))
    plan = await asyncpg.connect(dsn(planning_url))
    engine = create_engine(registry_url, pool_size=1)
    try:
        # Same starting point every round: empty read model and inbox, relay idle with nothing pending.
        await plan.execute("TRUNCATE registry_projects, inbox")
        await reg.execute("DELETE FROM outbox WHERE published_at IS NOT NULL")
        sessions = make_sessionmaker(engine)
        async with sessions() as session:
            await session.begin()
            for start in range(0, len(rows), 2000):
                for row in rows[start : start + 2000]:
                    add_raw_to_outbox(
                        session,
                        CloudEvent.model_validate_json(row["payload"]),
                        topic=row["topic"],
                        key=row["key"],
                    )
                await session.flush()
            t0 = time.time()
            await session.commit()
        n = len(rows)
        relay_done: float | None = None
        deadline = time.monotonic() + 600
        while True:
            if relay_done is None and not await reg.fetchval(
                "SELECT EXISTS (SELECT 1 FROM outbox WHERE published_at IS NULL)"
            ):
                relay_done = time.time()
            applied = int(await plan.fetchval("SELECT count(*) FROM registry_projects"))
            if applied >= n:
                t1 = time.time()
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"planning applied only {applied}/{n} events in 600 s")
            await asyncio.sleep(0.02)
    finally:
        await engine.dispose()
        await reg.close()
        await plan.close()
    return {"seconds": t1 - t0, "rate": n / (t1 - t0), "relay_rate": n / ((relay_done or t1) - t0)}


async def raw_round(
    bench: Bench, bootstrap: str, rows_file: Path, n: int, round_no: int, *, db: str = ""
) -> dict[str, float]:
    """One baseline round: the bus alone, or (``db``) the bus plus the same database work (equal work)."""
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic

    from bench.events.raw_kafka import SCHEMA
    from cg_shared.events.topics import REGISTRY_PROJECT, TOPIC_SPECS

    topic = f"cg.bench.raw.{round_no}.{uuid.uuid4().hex[:6]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        # As many partitions as the subject's topic (cg.registry.project), so both spread alike.
        await admin.create_topics([NewTopic(topic, TOPIC_SPECS[REGISTRY_PROJECT].partitions, 1)])
    finally:
        await admin.close()
    if db:
        conn = await asyncpg.connect(db)
        try:
            await conn.execute(SCHEMA)
            await conn.execute("TRUNCATE raw_outbox, raw_inbox, raw_projects")
        finally:
            await conn.close()
    script = str(HERE / "raw_kafka.py")
    common = ["--bootstrap", bootstrap, "--topic", topic, *(["--db", db] if db else [])]
    consumer = await bench.spawn(
        [str(PYTHON), script, "consume", *common, "--group", f"raw-{topic}", "--expect", str(n)],
        stdout=asyncio.subprocess.PIPE,
    )
    producer = await bench.spawn(
        [
            str(PYTHON),
            script,
            "produce",
            *common,
            "--file",
            str(rows_file),
            *(["--no-idempotence"] if bench.broker_kind == "tansu" else []),
        ],
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    if await read_line(producer, timeout_s=60, what="raw producer warm-up") != "warm":
        raise RuntimeError("raw producer did not warm up")
    if await read_line(consumer, timeout_s=60, what="raw consumer group join") != "ready":
        raise RuntimeError("raw consumer did not join")
    assert producer.stdin is not None
    producer.stdin.write(b"go\n")
    await producer.stdin.drain()
    t0 = json.loads(await read_line(producer, timeout_s=30, what="raw producer start"))["t0"]
    acked = json.loads(await read_line(producer, timeout_s=600, what="raw producer acks"))["acked"]
    done = json.loads(await read_line(consumer, timeout_s=600, what="raw consumer end"))
    await asyncio.wait_for(asyncio.gather(producer.wait(), consumer.wait()), 30)
    if done["count"] != n:
        raise RuntimeError(f"raw consumer counted {done['count']} of {n}")
    t1 = done["t1"]
    return {"seconds": t1 - t0, "rate": n / (t1 - t0), "relay_rate": n / (acked - t0)}


async def throughput(
    bench: Bench,
    registry_url: str,
    planning_url: str,
    args: argparse.Namespace,
    *,
    planning: ServiceProcess,
    registry: ServiceProcess,
    profiles: dict[str, Path],
) -> dict[str, Any]:
    """Alternating rounds; the raw pipeline always moves ``args.n`` messages.

    The subject moves ``args.n`` events too unless that would take longer than ``--subject-seconds``
    at the rate a 500-event pilot round showed: then N is cut so a round lasts about that long (a
    sustained rate over ≥ 10 s of backlog is still a sustained rate; the table says which N was used).
    """
    raw_n = args.n
    raw_db = dsn(await bench.database("rawbaseline"))
    rows_file = bench.workdir / "raw-messages.jsonl"
    rows_file.write_text(
        "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in make_outbox_rows(raw_n, seed=1)),
        encoding="utf-8",
    )
    note("events (b): pilot round, 1,000 events through relay + consumer (not reported)")
    pilot = await subject_round(registry_url, planning_url, make_outbox_rows(1000, seed=99))
    subject_n = max(500, min(args.n, int(pilot["rate"] * args.subject_seconds) // 100 * 100))
    raw: list[dict[str, float]] = []
    equal: list[dict[str, float]] = []
    subject: list[dict[str, float]] = []
    for r in range(args.rounds):
        note(f"events (b) round {r + 1}/{args.rounds}: raw aiokafka, {raw_n} messages")
        raw.append(await raw_round(bench, bench.broker(), rows_file, raw_n, r))
        note(f"  raw: {raw[-1]['rate']:,.0f} msg/s")
        note(
            f"events (b) round {r + 1}/{args.rounds}: equal-work baseline (aiokafka + asyncpg), {raw_n} events"
        )
        equal.append(await raw_round(bench, bench.broker(), rows_file, raw_n, 100 + r, db=raw_db))
        note(f"  equal work: {equal[-1]['rate']:,.0f} ev/s")
        note(f"events (b) round {r + 1}/{args.rounds}: outbox relay + inbox consumer, {subject_n} events")
        spies = []
        if args.py_spy and r == 0:
            # The consumer (planning) and the relay (registry) of the same round, side by side.
            for svc, what in ((planning, "planning consumer"), (registry, "registry relay")):
                if svc.proc is not None:
                    spy = py_spy_record(bench, args.py_spy, svc.proc.pid, seconds=15, name=f"{svc.service}-b")
                    spies.append((spy, f"{what} during (b) round 1 (first 15 s)"))
        subject.append(
            await subject_round(registry_url, planning_url, make_outbox_rows(subject_n, seed=100 + r))
        )
        for (proc, path), what in spies:
            await asyncio.to_thread(proc.wait, 60)
            profiles[what] = path
        note(f"  relay+consumer: {subject[-1]['rate']:,.0f} ev/s")
    return {
        "raw": raw,
        "equal": equal,
        "subject": subject,
        "raw_n": raw_n,
        "subject_n": subject_n,
        "pilot": pilot,
    }


# --------------------------------------------------------------------------- main


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0, help="events/s offered in (a)")
    parser.add_argument("--seconds", type=float, default=25.0, help="measured seconds in (a)")
    parser.add_argument("--warmup-s", type=float, default=3.0, help="unmeasured seconds before (a)")
    parser.add_argument(
        "--bus-seconds", type=float, default=20.0, help="measured seconds in (a2), after 3 s of warm-up"
    )
    parser.add_argument("--writers", type=int, default=8, help="database connections of the (a2) writer")
    parser.add_argument("--n", type=int, default=20_000, help="events per throughput round in (b)")
    parser.add_argument(
        "--subject-seconds", type=float, default=20.0, help="cap a relay+consumer round at about this long"
    )
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds in (b)")
    parser.add_argument(
        "--broker",
        choices=("kafka", "tansu"),
        default="kafka",
        help="kafka: single-node Apache Kafka (the dev broker of make run); tansu: the Tansu broker",
    )
    parser.add_argument(
        "--py-spy",
        default="",
        help="py-spy binary: profile registry during (a) and planning in round 1 of (b)",
    )
    args = parser.parse_args()

    async with Bench("events") as bench:
        bootstrap = bench.broker(args.broker)
        broker_kind = "Apache Kafka" if args.broker == "kafka" else "Tansu"
        registry_url = await bench.database("registry")
        planning_url = await bench.database("planning")
        started = time.time()
        registry = bench.service("registry", database_url=registry_url)
        planning = bench.service("planning", database_url=planning_url)
        note(f"events: broker {bootstrap}, registry :{registry.port}, planning :{planning.port}")
        plan_conn = await asyncpg.connect(dsn(planning_url))
        try:
            cold = [await first_event(registry, planning, plan_conn, started=started)]
        finally:
            await plan_conn.close()
        note(f"events: first event after a fresh start {cold[0]['e2e'] * 1000:.0f} ms")

        profiles: dict[str, Path] = {}
        spy = None
        if args.py_spy and registry.proc is not None:
            spy = py_spy_record(
                bench, args.py_spy, registry.proc.pid, seconds=args.warmup_s + args.seconds, name="registry-a"
            )
        lat = await propagation(
            registry, registry_url, planning_url, rate=args.rate, seconds=args.seconds, warmup_s=args.warmup_s
        )
        if spy is not None:
            await asyncio.to_thread(spy[0].wait, 60)
            profiles["registry during (a)"] = spy[1]
        relaxed = None
        if lat["overloaded_at"] is not None:
            # Diagnosis, not the headline: the propagation latency when the registry is not saturated.
            relaxed = await propagation(
                registry,
                registry_url,
                planning_url,
                rate=max(2.0, float(int(lat["achieved_rate"] * 0.5))),
                seconds=10.0,
                warmup_s=2.0,
            )
        bus = await bus_latency(
            registry_url,
            planning_url,
            rate=args.rate,
            seconds=args.bus_seconds,
            warmup_s=3.0,
            writers=args.writers,
        )
        tput = await throughput(
            bench, registry_url, planning_url, args, planning=planning, registry=registry, profiles=profiles
        )
        for what, path in profiles.items():
            print(f"\nprofile of {what} (py-spy):")
            for frame, incl in interesting_frames(path, top=15):
                print(f"  {incl:5.1f}% incl  {frame}")
            for frame, incl, own in profile_summary(path, top=10):
                print(f"  {own:5.1f}% self ({incl:5.1f}% incl)  {frame}")
        peaks = {svc.service: svc.sample_peak_rss() for svc in (registry, planning)}
        # Cold start again, now as `make run` restarts: same databases (outbox checkpoints that the
        # relay reads back from the broker first), the consumer group known to the broker.
        registry.stop()
        planning.stop()
        started = time.time()
        registry = bench.service("registry", database_url=registry_url)
        planning = bench.service("planning", database_url=planning_url)
        plan_conn = await asyncpg.connect(dsn(planning_url))
        try:
            cold.append(await first_event(registry, planning, plan_conn, started=started))
        finally:
            await plan_conn.close()
        note(f"events: first event after a restart {cold[1]['e2e'] * 1000:.0f} ms")

    print(f"\nmachine: {machine_summary()}")
    for run, label in ((lat, "offered rate"), (relaxed, "diagnosis at half the rate the registry sustained")):
        if run is None:
            continue
        print_table(
            f"(a) propagation registry POST committed → planning read model ({label}): {run['events']} events "
            f"offered at {run['offered_rate']:.0f}/s (sustained {run['sustained_rate']:.0f} POST/s and "
            f"{run['delivered_rate']:.0f} delivered/s over the whole {run['window_s']:.1f} s window incl. "
            f"warm-up; {run['errors']} errors)",
            ["measure", "p50 ms", "p99 ms", "max ms", "samples"],
            [
                pct_row(
                    "DB stamps: planning updated_at − registry created_at",
                    run,
                    "",
                    run["events"],
                    with_max=True,
                ),
                pct_row(
                    "  stage 1: registry created_at → broker acked (rest of POST txn + relay)",
                    run,
                    "relay",
                    run["stage_n"],
                ),
                pct_row(
                    "  stage 2: broker acked → planning consumer starts the event", run, "bus", run["stage_n"]
                ),
                pct_row(
                    "end to end: client POST sent → row committed in planning (5 ms poll; all requests)",
                    run,
                    "e2e",
                    run["e2e_n"],
                ),
                pct_row("registry POST /v1/projects response time", run, "post", run["events"]),
            ],
        )
        if run["errors"]:
            print(f"first error: {run['error_sample']}")
        if run["overloaded_at"] is not None:
            print(
                f"OVERLOADED: the registry fell more than 2 s behind the offered {run['offered_rate']:.0f} POST/s; "
                f"the load stopped after {run['overloaded_at']} of {run['offered']} requests (achieved "
                f"{run['achieved_rate']:.0f}/s): the latency target is not met at the offered rate"
            )
    print_table(
        f"(a2) bus latency at {bus['offered_rate']:.0f} events/s (paced outbox writer, no HTTP): "
        f"{bus['events']} events offered at {bus['offered_rate']:.0f}/s, one transaction each "
        f"(achieved {bus['achieved_rate']:.0f}/s, {bus['errors']} errors, {bus['writers']} connections)",
        ["measure", "p50 ms", "p99 ms", "max ms", "samples"],
        [
            pct_row(
                "DB stamps: planning updated_at − outbox created_at", bus, "", bus["events"], with_max=True
            ),
            pct_row(
                "  stage 1: outbox created_at → broker acked (commit + relay poll + send)",
                bus,
                "relay",
                bus["stage_n"],
            ),
            pct_row(
                "    of which: outbox created_at → writer's commit returned (INSERT + COMMIT)",
                bus,
                "txn",
                bus["events"],
            ),
            pct_row(
                "  stage 2: broker acked → planning consumer starts the event", bus, "bus", bus["stage_n"]
            ),
            pct_row("writer: commit returned → planning updated_at", bus, "commit", bus["events"]),
            pct_row("writer: scheduled → commit returned (pacing held?)", bus, "write", bus["events"]),
        ],
    )
    if bus["errors"]:
        print(f"first error: {bus['error_sample']}")
    if bus["overloaded_at"] is not None:
        print(
            f"WRITER OVERLOADED: the outbox writer fell more than 2 s behind {bus['offered_rate']:.0f}/s "
            f"after {bus['overloaded_at']} of {bus['offered']} commits (achieved {bus['achieved_rate']:.0f}/s)"
        )
    raw_rates = [r["rate"] for r in tput["raw"]]
    equal_rates = [r["rate"] for r in tput["equal"]]
    sub_rates = [r["rate"] for r in tput["subject"]]
    ratio = median(sub_rates) / median(raw_rates)
    equal_ratio = median(sub_rates) / median(equal_rates)
    print_table(
        f"(b) sustained throughput, {args.rounds} alternating rounds: raw {tput['raw_n']:,} messages, "
        f"relay+consumer {tput['subject_n']:,} events per round (pilot: {tput['pilot']['rate']:,.0f} ev/s)",
        [
            "pipeline",
            *[f"round {i + 1} ev/s" for i in range(args.rounds)],
            "median ev/s",
            "producer-side ev/s",
        ],
        [
            [
                "raw aiokafka produce → consume",
                *[f"{v:,.0f}" for v in raw_rates],
                f"{median(raw_rates):,.0f}",
                f"{median([r['relay_rate'] for r in tput['raw']]):,.0f} (acked)",
            ],
            [
                "equal work: aiokafka + asyncpg outbox → inbox + upsert",
                *[f"{v:,.0f}" for v in equal_rates],
                f"{median(equal_rates):,.0f}",
                f"{median([r['relay_rate'] for r in tput['equal']]):,.0f} (relayed)",
            ],
            [
                "outbox relay → consumer + inbox (subject)",
                *[f"{v:,.0f}" for v in sub_rates],
                f"{median(sub_rates):,.0f}",
                f"{median([r['relay_rate'] for r in tput['subject']]):,.0f} (relayed)",
            ],
        ],
    )
    print(
        f"relay+consumer = {ratio:.2f}x the bus alone (raw aiokafka, no database), "
        f"{equal_ratio:.2f}x the equal-work baseline (same bus, same rows written, hand-written on asyncpg)"
    )
    print_table(
        "cold start: both services answer /readyz → at once one POST /v1/projects → its row committed in "
        "planning (2 ms poll)",
        ["start", "spawn → both ready s", "POST answered ms", "POST sent → row in planning ms"],
        [
            [label, f"{c['start_s']:.1f}", fmt_ms(c["post"]), fmt_ms(c["e2e"])]
            for label, c in zip(
                ("fresh (new databases, new consumer group)", "restart (same databases, as make run)"),
                cold,
                strict=False,
            )
        ],
    )
    print(
        "peak RSS: "
        + ", ".join(f"{name} {kb / 1024:.0f} MiB" if kb else f"{name} n/a" for name, kb in peaks.items())
    )
    post_path = (
        f"POST→planning row p99 {fmt_ms(lat['e2e_p99'])} ms at {args.rate:.0f} POST/s offered "
        f"(sustained {lat['sustained_rate']:.0f} POST/s"
        + (")" if lat["overloaded_at"] is None else ", OVERLOADED)")
    )
    if relaxed is not None:
        post_path += (
            f", p99 {fmt_ms(relaxed['e2e_p99'])} ms at {relaxed['offered_rate']:.0f}/s "
            f"(half the sustained rate)"
        )
    bus_path = f"bus alone (no HTTP) p99 {fmt_ms(bus['p99'])} ms at " + (
        f"{bus['offered_rate']:.0f} ev/s"
        if bus["overloaded_at"] is None
        else f"{bus['achieved_rate']:.0f} ev/s (writer OVERLOADED at {bus['offered_rate']:.0f}/s)"
    )
    one, five, _ = os.getloadavg()
    # The headline leads with the end-to-end HTTP path (client POST → planning's committed row).
    print(
        f"events: {post_path} (target p99 ≤ {TARGET_P99_MS:.0f} ms at 200/s); {bus_path}; relay+consumer "
        f"{ratio:.2f}x raw aiokafka on {broker_kind} (target ≥ {TARGET_RATIO}x), {equal_ratio:.2f}x the "
        f"equal-work baseline; first event after ready {fmt_ms(cold[0]['e2e'])} ms fresh, "
        f"{fmt_ms(cold[-1]['e2e'])} ms after a restart (target ≤ {TARGET_COLD_MS:.0f} ms); "
        f"load avg {one:.1f}/{five:.1f}"
    )
    return 0


if __name__ == "__main__":
    run_main(main)
