"""REST benchmark: the seeded registry's list and stats endpoints against a bare FastAPI app.

Subject: ``cg-registry serve`` (API + relay + consumer, as deployed by default) on a fresh PostgreSQL
database loaded with ``cg-registry seed`` (1,126 projects). Endpoints:
``GET /v1/projects?sgg_code=<each of the 25 boroughs>&limit=50`` (round-robin) and ``GET /v1/stats/summary``.
Baseline: ``bare_app.py`` — FastAPI + uvicorn with the same ``uvicorn.run`` settings, returning a
constant page of 50 items (one real registry page of 50 projects, so the items are the same shape).
Load: ``loadgen.py`` in its own process, same concurrency for all (32 keep-alive connections, closed
loop), 1 s warm-up + 10 s measured per run. Runs alternate bare → list → stats, rotating the order each
round; the table reports medians over rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.common import (
    PYTHON,
    VENV_BIN,
    Bench,
    free_port,
    interesting_frames,
    machine_summary,
    median,
    note,
    poll_until,
    print_table,
    profile_summary,
    py_spy_record,
    read_line,
    run_cli,
    run_main,
)
from cg_shared.districts import DISTRICTS

HERE = Path(__file__).resolve().parent
TARGET_THROUGHPUT = 0.5
TARGET_P99 = 3.0


async def load(port: int, paths: list[str], args: argparse.Namespace, bench: Bench) -> dict[str, Any]:
    cmd = [str(PYTHON), str(HERE / "loadgen.py"), "--port", str(port), "--connections", str(args.connections)]
    cmd += ["--duration", str(args.duration), "--warmup", str(args.warmup)]
    for path in paths:
        cmd += ["--path", path]
    proc = await bench.spawn(cmd, stdout=asyncio.subprocess.PIPE)
    line = await read_line(proc, timeout_s=args.duration + args.warmup + 60, what="load generator result")
    await proc.wait()
    result: dict[str, Any] = json.loads(line)
    bad = {k: v for k, v in result["statuses"].items() if not k.startswith("2")}
    if bad or result["errors"]:
        raise RuntimeError(f"non-2xx responses or connection errors under load: {result}")
    return result


def keep_profiles(directory: Path, profiles: dict[str, list[Path]]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for paths in profiles.values():
        for path in paths:
            shutil.copy(path, directory / path.name)


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--py-spy", default="", help="py-spy binary: profile the registry during each round's list/stats runs"
    )
    parser.add_argument("--profile-dir", default="", help="with --py-spy: also keep the raw profiles here")
    args = parser.parse_args()

    async with Bench("rest") as bench:
        bench.broker()
        registry_url = await bench.database("registry")
        registry = bench.service("registry", database_url=registry_url)
        await registry.wait_ready()
        note("rest: seeding the registry (cg-registry seed)")
        seed_out, _, _ = await asyncio.to_thread(
            run_cli, [str(VENV_BIN / "cg-registry"), "seed"], env=registry.env, cwd=bench.workdir
        )
        note(seed_out.strip())

        conn = await asyncpg.connect(registry_url.replace("postgresql+asyncpg://", "postgresql://", 1))
        try:

            async def pending() -> int:
                # The seed's project.registered events drain through the relay before we measure.
                return int(await conn.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL"))

            await poll_until(pending, lambda n: n == 0, timeout_s=120, interval_s=0.2, what="outbox drained")
        finally:
            await conn.close()
        async with httpx.AsyncClient(base_url=registry.base_url, timeout=10) as client:
            # The bare app's constant: one real page of 50 projects (the borough pages hold fewer: the
            # seed spreads 1,126 projects over 25 boroughs and city-wide).
            page = (await client.get("/v1/projects", params={"limit": 50})).json()
            if len(page["items"]) != 50:
                raise RuntimeError(f"expected a full page of 50 projects, got {len(page['items'])}")
            stats = (await client.get("/v1/stats/summary")).json()
        payload = bench.workdir / "bare-payload.json"
        payload.write_text(json.dumps(page["items"], ensure_ascii=False), encoding="utf-8")

        bare_port = free_port()
        bench.popen(
            [str(PYTHON), str(HERE / "bare_app.py"), "--port", str(bare_port), "--payload", str(payload)],
            cwd=bench.workdir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        async with httpx.AsyncClient(timeout=2) as client:

            async def bare_up() -> bool:
                try:
                    return (await client.get(f"http://127.0.0.1:{bare_port}/v1/projects")).status_code == 200
                except httpx.HTTPError:
                    return False

            await poll_until(bare_up, bool, timeout_s=60, interval_s=0.1, what="bare app")

        targets: dict[str, tuple[int, list[str]]] = {
            "bare": (bare_port, ["/v1/projects"]),
            "list": (registry.port, [f"/v1/projects?sgg_code={code}&limit=50" for code in sorted(DISTRICTS)]),
            "stats": (registry.port, ["/v1/stats/summary"]),
        }
        results: dict[str, list[dict[str, Any]]] = {name: [] for name in targets}
        order = list(targets)
        profiles: dict[str, list[Path]] = {}
        for r in range(args.rounds):
            for name in order[r % 3 :] + order[: r % 3]:
                port, paths = targets[name]
                spy = None
                if args.py_spy and name != "bare" and registry.proc is not None:
                    spy = py_spy_record(
                        bench,
                        args.py_spy,
                        registry.proc.pid,
                        seconds=args.warmup + args.duration,
                        name=f"{name}-{r}",
                    )
                results[name].append(await load(port, paths, args, bench))
                if spy is not None:
                    await asyncio.to_thread(spy[0].wait, 30)
                    profiles.setdefault(name, []).append(spy[1])
                res = results[name][-1]
                note(f"rest round {r + 1} {name}: {res['rps']:,.0f} req/s, p99 {res['p99_ms']:.1f} ms")
        peak = registry.sample_peak_rss()
        if args.profile_dir:
            await asyncio.to_thread(keep_profiles, Path(args.profile_dir), profiles)
        for name, paths_ in profiles.items():
            print(f"\nprofile of the registry under the {name} load (py-spy, last round):")
            for frame, incl in interesting_frames(paths_[-1]):
                print(f"  {incl:5.1f}% incl  {frame}")
            for frame, incl, own in profile_summary(paths_[-1], top=8):
                print(f"  {own:5.1f}% self ({incl:5.1f}% incl)  {frame}")

    med = {
        name: {
            key: median([run[key] for run in runs])
            for key in ("rps", "p50_ms", "p99_ms", "bytes_per_response")
        }
        for name, runs in results.items()
    }
    bare = med["bare"]
    print(f"\nmachine: {machine_summary()}")
    print(
        f"registry seeded with {stats['project_count']:,} projects (₩{stats['total_krw']:,}); "
        f"{args.connections} connections, {args.warmup:.0f}+{args.duration:.0f} s per run, {args.rounds} rounds"
    )
    rows = []
    labels = {
        "bare": "bare FastAPI constant page (baseline)",
        "list": "GET /v1/projects?sgg_code=…&limit=50",
        "stats": "GET /v1/stats/summary",
    }
    for name, runs in results.items():
        m = med[name]
        rows.append(
            [
                labels[name],
                " / ".join(f"{run['rps']:,.0f}" for run in runs),
                f"{m['rps']:,.0f}",
                f"{m['p50_ms']:.1f}",
                f"{m['p99_ms']:.1f}",
                f"{m['bytes_per_response'] / 1024:.1f}",
                "1.00x" if name == "bare" else f"{m['rps'] / bare['rps']:.2f}x",
                "1.00x" if name == "bare" else f"{m['p99_ms'] / bare['p99_ms']:.2f}x",
            ]
        )
    print_table(
        "REST throughput and latency (medians over rounds)",
        [
            "endpoint",
            "req/s per round",
            "req/s",
            "p50 ms",
            "p99 ms",
            "KiB/resp",
            "req/s vs bare",
            "p99 vs bare",
        ],
        rows,
    )
    print(f"registry peak RSS: {peak / 1024:.0f} MiB" if peak else "registry peak RSS: n/a")
    lst, sts = med["list"], med["stats"]
    print(
        f"rest: list {lst['rps'] / bare['rps']:.2f}x bare throughput (target ≥ {TARGET_THROUGHPUT}x), "
        f"p99 {lst['p99_ms'] / bare['p99_ms']:.2f}x bare (target ≤ {TARGET_P99:.0f}x); "
        f"stats {sts['rps'] / bare['rps']:.2f}x bare throughput, p99 {sts['p99_ms'] / bare['p99_ms']:.2f}x bare "
        f"(target ≤ {TARGET_P99:.0f}x)"
    )
    return 0


if __name__ == "__main__":
    run_main(main)
