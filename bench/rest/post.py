"""Registry POST /v1/projects capacity at two registry sizes (does a registration cost more as it grows?).

For each ``--scales`` value: a fresh PostgreSQL database seeded with ``cg-registry seed --scale N``
(without events), ``cg-registry serve`` (API + relay + consumer, as deployed), then ``--connections``
closed-loop clients POST new projects for ``--warmup`` + ``--duration`` seconds. Each body reuses a seeded
title of the same borough with a suffix, so the duplicate check finds real candidates (as a re-registered
project would). Baseline: the same load at the smallest scale; the ratio says how POST capacity changes
with the registry's size. Prints one table; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from pathlib import Path
from typing import Any

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.common import (
    VENV_BIN,
    Bench,
    interesting_frames,
    machine_summary,
    median,
    note,
    percentile,
    poll_until,
    print_table,
    profile_summary,
    py_spy_record,
    run_cli,
    run_main,
)
from cg_shared.testing.helpers import auth

SUFFIXES = ["(2차)", "확대", "시즌2", "연계", "2단계"]


def dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def titles_by_borough(url: str) -> dict[str, list[str]]:
    conn = await asyncpg.connect(dsn(url))
    try:
        rows = await conn.fetch(
            "SELECT sgg_code, title_ko FROM projects WHERE sgg_code IS NOT NULL ORDER BY code LIMIT 5000"
        )
    finally:
        await conn.close()
    found: dict[str, list[str]] = {}
    for row in rows:
        found.setdefault(row["sgg_code"], []).append(row["title_ko"])
    return found


async def checks_drained(url: str) -> bool:
    """Wait until no duplicate check is queued; False when the registry has no queue (checks inline)."""
    conn = await asyncpg.connect(dsn(url))
    try:
        if await conn.fetchval("SELECT to_regclass('duplicate_checks')") is None:
            return False

        async def queued() -> int:
            return int(await conn.fetchval("SELECT count(*) FROM duplicate_checks"))

        await poll_until(queued, lambda n: n == 0, timeout_s=120, interval_s=0.05, what="checks drained")
        return True
    finally:
        await conn.close()


async def post_load(base_url: str, titles: dict[str, list[str]], args: argparse.Namespace) -> dict[str, Any]:
    boroughs = sorted(titles)
    headers = {code: auth("borough_officer", code) for code in boroughs}
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    done = [0]
    started = time.perf_counter()
    measure_from = started + args.warmup
    stop_at = measure_from + args.duration

    async def worker(index: int, client: httpx.AsyncClient) -> None:
        rng = random.Random(index)
        i = 0
        while time.perf_counter() < stop_at:
            sgg = boroughs[(index + i) % len(boroughs)]
            i += 1
            body = {
                "title_ko": f"{rng.choice(titles[sgg])} {rng.choice(SUFFIXES)}",
                "sgg_code": sgg,
                "policy_field": "community",
                "start_date": "2026-03-01",
                "end_date": "2026-12-31",
                "total_krw": rng.randrange(1, 500) * 1_000_000,
            }
            t0 = time.perf_counter()
            resp = await client.post("/v1/projects", json=body, headers=headers[sgg])
            t1 = time.perf_counter()
            done[0] += 1
            if t1 >= measure_from and t1 < stop_at:
                latencies.append((t1 - t0) * 1000)
                statuses[resp.status_code] = statuses.get(resp.status_code, 0) + 1
            if resp.status_code != 201:
                raise RuntimeError(f"POST failed: {resp.status_code} {resp.text[:300]}")

    limits = httpx.Limits(max_connections=args.connections, max_keepalive_connections=args.connections)
    async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) as client:
        await asyncio.gather(*(worker(i, client) for i in range(args.connections)))
    return {
        "rps": len(latencies) / args.duration,
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
        "n": len(latencies),
        "sent": done[0],
    }


async def main() -> int:
    from bench.rest.run import tree_cpu_s  # here: run.py imports this module

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1126,30000", help="registry sizes (projects), comma-separated")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument(
        "--py-spy", default="", help="py-spy binary: profile the registry in each scale's last round"
    )
    args = parser.parse_args()
    scales = [int(s) for s in args.scales.split(",")]
    results: dict[int, list[dict[str, Any]]] = {}
    sizes: dict[int, int] = {}
    async with Bench("rest-post") as bench:
        bench.broker()
        for scale in scales:
            url = await bench.database(f"registry{scale}")
            registry = bench.service("registry", database_url=url)
            await registry.wait_ready()
            cmd = [str(VENV_BIN / "cg-registry"), "seed", "--no-events"]
            if scale != 1126:
                cmd += ["--scale", str(scale)]
            note(f"rest-post: seeding {scale:,} projects")
            await asyncio.to_thread(run_cli, cmd, env=registry.env, cwd=bench.workdir)
            conn = await asyncpg.connect(dsn(url))
            try:
                sizes[scale] = int(
                    await conn.fetchval(
                        "SELECT max(n) FROM (SELECT count(*) AS n FROM projects GROUP BY sgg_code) s"
                    )
                )

                async def pending(conn: asyncpg.Connection = conn) -> int:
                    return int(await conn.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL"))

                await poll_until(
                    pending, lambda n: n == 0, timeout_s=120, interval_s=0.2, what="outbox drained"
                )
            finally:
                await conn.close()
            titles = await titles_by_borough(url)
            for r in range(args.rounds):
                spy = None
                if args.py_spy and r == args.rounds - 1 and registry.proc is not None:
                    spy = py_spy_record(
                        bench,
                        args.py_spy,
                        registry.proc.pid,
                        seconds=args.warmup + args.duration,
                        name=f"post-{scale}",
                    )
                cpu0 = tree_cpu_s(registry.proc.pid if registry.proc is not None else None)
                result = await post_load(registry.base_url, titles, args)
                # The duplicate checks run after the POSTs (queued): their CPU counts too, so the window
                # ends when the registry's checker has worked the queue off.
                drain_from = time.perf_counter()
                queued = await checks_drained(url)
                result["checks_drain_s"] = time.perf_counter() - drain_from if queued else 0.0
                # CPU of the registry process per answered POST (warm-up and queued checks included).
                cpu = tree_cpu_s(registry.proc.pid if registry.proc is not None else None) - cpu0
                result["cpu_ms"] = cpu * 1000 / max(result["sent"], 1)
                if spy is not None:
                    await asyncio.to_thread(spy[0].wait, 30)
                    print(f"\nprofile of the registry under POST load at {scale:,} projects (py-spy):")
                    for frame, incl in interesting_frames(spy[1]):
                        print(f"  {incl:5.1f}% incl  {frame}")
                    for frame, incl, own in profile_summary(spy[1], top=8):
                        print(f"  {own:5.1f}% self ({incl:5.1f}% incl)  {frame}")
                results.setdefault(scale, []).append(result)
                note(
                    f"rest-post scale {scale:,} round {r + 1}: {result['rps']:.1f} POST/s, p99 {result['p99_ms']:.0f} ms, "
                    f"registry CPU {result['cpu_ms']:.1f} ms/POST, checks drained {result['checks_drain_s']:.2f} s after"
                )
            registry.stop()
    print(f"\nmachine: {machine_summary()}")
    base = median([r["rps"] for r in results[scales[0]]])
    rows = []
    for scale in scales:
        runs = results[scale]
        rps = median([r["rps"] for r in runs])
        rows.append(
            [
                f"{scale:,}",
                f"{sizes[scale]:,}",
                " / ".join(f"{r['rps']:.1f}" for r in runs),
                f"{rps:.1f}",
                f"{median([r['p50_ms'] for r in runs]):.1f}",
                f"{median([r['p99_ms'] for r in runs]):.1f}",
                f"{median([r['cpu_ms'] for r in runs]):.1f}",
                f"{rps / base:.2f}x",
            ]
        )
    print_table(
        f"POST /v1/projects, {args.connections} closed-loop clients, {args.warmup:.0f}+{args.duration:.0f} s per round",
        [
            "projects",
            "largest borough",
            "POST/s per round",
            "POST/s",
            "p50 ms",
            "p99 ms",
            "registry CPU ms/POST",
            "vs smallest",
        ],
        rows,
    )
    last = scales[-1]
    print(
        f"rest-post: {median([r['rps'] for r in results[last]]):.1f} POST/s at {last:,} projects = "
        f"{median([r['rps'] for r in results[last]]) / base:.2f}x of {base:.1f} POST/s at {scales[0]:,}"
    )
    return 0


if __name__ == "__main__":
    run_main(main)
