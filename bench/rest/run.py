"""REST benchmark: the registry's list and search reads, cached, uncached and mixed with writes,
against a fair bare FastAPI app (issue 19).

Subject: ``cg-registry serve`` (API + relay + consumer, as deployed by default) on fresh PostgreSQL
databases, one per registry size (``--scales``: the published 1,126 projects from ``cg-registry seed``
and 100,000 from ``cg-registry seed --scale 100000``). Workloads per size:

- ``list uncached``: ``GET /v1/projects?<filter>&limit=50&cursor=<after code X>``, every full page of
  every filter (none, each borough, status, origin, policy field, city-wide), shuffled; no path is asked
  twice in a run (``repeats`` in the table counts any that were), and one write before the run empties
  the page cache, so every request is a miss.
- ``search uncached``: ``GET /v1/projects?q=<word>&limit=50[&cursor=…]``, words from the seeded titles
  (Hangul and English) with at least 50 matches, every full page of each, shuffled, never repeated.
- ``mixed`` (the headline): 70 % of requests drawn, never repeated, from the list and search pools,
  30 % from 26 hot pages (each borough's first page and the whole registry's), while the benchmark
  registers projects at ``--write-rate`` (5/s) through ``POST /v1/projects`` — each write invalidates
  the whole page cache, so hot pages are rebuilt after every write.
- ``cached`` (first size only, for continuity with the earlier table): the 25 borough first pages
  round-robin, no writes — every request after the first 25 is a cache hit.
- ``POST``: ``--post-clients`` closed-loop clients registering projects (``bench/rest/post.py``'s load)
  for the same duration; one number per round, so a registry that slows as it grows shows it.

Baselines: ``bare_app.py --mode bytes`` (the fair one: a real 50-project page encoded once, sent as
bytes per request — no more work than the subject) and ``--mode encode`` (FastAPI encodes the same page
per request; context only). Ratios are against ``bytes``. The load generator (``loadgen.py``, its own
process, 32 keep-alive connections, closed loop) is the same for all. Runs rotate each round; tables
show medians over rounds. The last line is the headline with the ratios and the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.common import (
    PYTHON,
    VENV_BIN,
    Bench,
    ServiceProcess,
    free_port,
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
    run_cli,
    run_main,
)
from bench.rest.post import SUFFIXES, post_load, titles_by_borough
from cg_shared.districts import DISTRICTS
from cg_shared.http import encode_cursor
from cg_shared.testing.helpers import auth

HERE = Path(__file__).resolve().parent
PAGE = 50
TARGET_UNCACHED = (0.25, 5.0)  # ≥ 0.25x bare throughput, p99 ≤ 5x bare (list and search at 100k)
TARGET_MIXED = (0.5, 3.0)  # ≥ 0.5x bare throughput, p99 ≤ 3x bare
TARGET_POST = {1126: 200.0, 100_000: 150.0}
HANGUL_WORD = re.compile(r"[\uac00-\ud7a3]{2,}")
ENGLISH_WORD = re.compile(r"[A-Za-z]{4,}")


CLK_TCK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return None


def tree_cpu_s(pid: int | None) -> float:
    """CPU seconds of ``pid`` (its own, its reaped children's) and of its live children: for the server
    processes (uvicorn workers) and PostgreSQL (the postmaster and its backends)."""
    if pid is None:
        return 0.0
    ticks = 0
    own = _stat(pid)
    if own is not None:
        ticks += sum(int(v) for v in own[11:15])  # utime stime cutime cstime
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat(int(entry))
            if fields is not None and int(fields[1]) == pid:
                ticks += int(fields[11]) + int(fields[12])
    return ticks / CLK_TCK


async def backend_ticks(conn: asyncpg.Connection, databases: list[str]) -> dict[int, int]:
    """CPU ticks of the PostgreSQL backends serving our databases (not the cluster's other users: a
    durable test cluster may be shared); a backend that starts during a run counts from zero."""
    pids = await conn.fetch(
        "SELECT pid FROM pg_stat_activity WHERE datname = ANY($1::text[]) AND pid <> pg_backend_pid()",
        databases,
    )
    ticks: dict[int, int] = {}
    for row in pids:
        fields = _stat(int(row[0]))
        if fields is not None:
            ticks[int(row[0])] = int(fields[11]) + int(fields[12])
    return ticks


def ticks_delta_s(before: dict[int, int], after: dict[int, int]) -> float:
    return sum(v - before.get(pid, 0) for pid, v in after.items()) / CLK_TCK


def dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


MAX_PAGES_PER_QUERY = 3000  # at 100k projects: a random sample of each filter's full pages


def page_paths(query: dict[str, str], codes: list[str], rng: random.Random, limit: int = PAGE) -> list[str]:
    """Full pages of one filter: the first, then pages after codes with ``limit`` after them (all of
    them, or a random sample of :data:`MAX_PAGES_PER_QUERY` on a large registry)."""
    if len(codes) < limit:
        return []
    base = dict(query, limit=str(limit))
    paths = ["/v1/projects?" + urlencode(base, quote_via=quote)]
    starts = range(len(codes) - limit)
    if len(starts) > MAX_PAGES_PER_QUERY:
        starts = sorted(rng.sample(starts, MAX_PAGES_PER_QUERY))  # type: ignore[assignment]
    for i in starts:
        paths.append(
            "/v1/projects?" + urlencode(dict(base, cursor=encode_cursor([codes[i]])), quote_via=quote)
        )
    return paths


async def build_pools(url: str, *, seed: int, max_words: int) -> dict[str, list[str]]:
    """The list and search paths of one database (full pages only, so responses are the bare page's size)."""
    rng = random.Random(seed)
    conn = await asyncpg.connect(dsn(url))
    try:
        filters: list[tuple[dict[str, str], str, list[Any]]] = [({}, "TRUE", [])]
        filters += [({"sgg_code": code}, "sgg_code = $1", [code]) for code in sorted(DISTRICTS)]
        filters.append(({"city_wide": "true"}, "sgg_code IS NULL", []))
        for column in ("status", "origin", "policy_field"):
            for value in await conn.fetch(f"SELECT DISTINCT {column} FROM projects ORDER BY 1"):
                filters.append(({column: value[0]}, f"{column} = $1", [value[0]]))
        lists: list[str] = []
        for query, where, params in filters:
            codes = [
                r[0]
                for r in await conn.fetch(f"SELECT code FROM projects WHERE {where} ORDER BY code", *params)
            ]
            lists += page_paths(query, codes, rng)
        titles = await conn.fetch("SELECT title_ko, title_en FROM projects ORDER BY code LIMIT 20000")
        counts: dict[str, int] = {}
        for row in titles:
            for word in HANGUL_WORD.findall(row["title_ko"] or ""):
                counts[word] = counts.get(word, 0) + 1
            for word in ENGLISH_WORD.findall(row["title_en"] or ""):
                counts[word.casefold()] = counts.get(word.casefold(), 0) + 1
        words = sorted(w for w, n in counts.items() if n >= PAGE)
        rng.shuffle(words)
        searches: list[str] = []
        for word in words[:max_words]:
            codes = [
                r[0]
                for r in await conn.fetch(
                    "SELECT code FROM projects WHERE search_text LIKE $1 ORDER BY code LIMIT 20000",
                    f"%{word.casefold()}%",
                )
            ]
            searches += page_paths({"q": word}, codes, rng)
    finally:
        await conn.close()
    rng.shuffle(lists)
    rng.shuffle(searches)
    return {"list": lists, "search": searches}


def mixed_sequence(pools: dict[str, list[str]], *, seed: int, hot_share: float) -> list[str]:
    rng = random.Random(seed)
    distinct = pools["list"] + pools["search"]
    rng.shuffle(distinct)
    hot = ["/v1/projects?limit=50"] + [f"/v1/projects?sgg_code={code}&limit=50" for code in sorted(DISTRICTS)]
    out: list[str] = []
    it = iter(distinct)
    for _ in range(len(distinct) * 2):
        if rng.random() < hot_share:
            out.append(rng.choice(hot))
        else:
            nxt = next(it, None)
            if nxt is None:
                break
            out.append(nxt)
    return out


async def load(port: int, paths_file: Path, args: argparse.Namespace, bench: Bench) -> dict[str, Any]:
    cmd = [str(PYTHON), str(HERE / "loadgen.py"), "--port", str(port), "--connections", str(args.connections)]
    cmd += ["--duration", str(args.duration), "--warmup", str(args.warmup), "--paths-file", str(paths_file)]
    proc = await bench.spawn(cmd, stdout=asyncio.subprocess.PIPE)
    line = await read_line(proc, timeout_s=args.duration + args.warmup + 60, what="load generator result")
    await proc.wait()
    result: dict[str, Any] = json.loads(line)
    bad = {k: v for k, v in result["statuses"].items() if not k.startswith("2")}
    if bad or result["errors"]:
        raise RuntimeError(f"non-2xx responses or connection errors under load: {result}")
    return result


class Writer:
    """Registers projects through the API at a fixed rate (open loop), as a borough officer would."""

    def __init__(self, base_url: str, titles: dict[str, list[str]], *, seed: int) -> None:
        self.base_url = base_url
        self.titles = titles
        self.boroughs = sorted(titles)
        self.headers = {code: auth("borough_officer", code) for code in self.boroughs}
        self.rng = random.Random(seed)
        self.latencies: list[float] = []
        self.failures: list[str] = []

    def body(self) -> tuple[str, dict[str, Any]]:
        sgg = self.rng.choice(self.boroughs)
        return sgg, {
            "title_ko": f"{self.rng.choice(self.titles[sgg])} {self.rng.choice(SUFFIXES)}",
            "sgg_code": sgg,
            "policy_field": "community",
            "start_date": "2026-03-01",
            "end_date": "2026-12-31",
            "total_krw": self.rng.randrange(1, 500) * 1_000_000,
        }

    async def one(self, client: httpx.AsyncClient) -> None:
        sgg, body = self.body()
        t0 = time.perf_counter()
        resp = await client.post("/v1/projects", json=body, headers=self.headers[sgg])
        self.latencies.append((time.perf_counter() - t0) * 1000)
        if resp.status_code != 201:
            self.failures.append(f"{resp.status_code} {resp.text[:200]}")

    async def run(self, rate: float, seconds: float) -> int:
        """POST at ``rate``/s for ``seconds`` (each on schedule, not waiting for earlier answers)."""
        sent = 0
        async with httpx.AsyncClient(base_url=self.base_url, timeout=30) as client:
            tasks: list[asyncio.Task[None]] = []
            start = time.perf_counter()
            while (at := sent / rate) < seconds:
                delay = start + at - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.create_task(self.one(client)))
                sent += 1
            await asyncio.gather(*tasks)
        return sent


def keep_profiles(directory: Path, profiles: dict[str, list[Path]]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for paths in profiles.values():
        for path in paths:
            shutil.copy(path, directory / path.name)


async def seed_registry(bench: Bench, scale: int, workers: int) -> tuple[ServiceProcess, str]:
    url = await bench.database(f"registry{scale}")
    settings = {"workers": str(workers)} if workers > 1 else {}
    registry = bench.service("registry", database_url=url, **settings)
    await registry.wait_ready()
    cmd = [str(VENV_BIN / "cg-registry"), "seed"]
    if scale != 1126:
        cmd += ["--scale", str(scale), "--no-events"]
    note(f"rest: seeding {scale:,} projects ({' '.join(cmd[1:])})")
    out, wall, _ = await asyncio.to_thread(run_cli, cmd, env=registry.env, cwd=bench.workdir, timeout_s=900)
    note(f"rest: seeded in {wall:.1f} s: {out.strip()[-200:]}")
    conn = await asyncpg.connect(dsn(url))
    try:

        async def pending() -> int:
            return int(await conn.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL"))

        await poll_until(pending, lambda n: n == 0, timeout_s=180, interval_s=0.2, what="outbox drained")
    finally:
        await conn.close()
    return registry, url


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1126,100000", help="registry sizes (projects), comma-separated")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=6.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--write-rate", type=float, default=5.0, help="POST/s during the mixed workload")
    parser.add_argument("--hot-share", type=float, default=0.3, help="share of mixed requests to hot pages")
    parser.add_argument("--post-clients", type=int, default=8, help="closed-loop clients of the POST run")
    parser.add_argument("--max-words", type=int, default=60, help="search words per registry size")
    parser.add_argument(
        "--workers", type=int, default=1, help="CG_WORKERS of the registry (uvicorn processes)"
    )
    parser.add_argument("--only", default="", help="comma-separated workloads to run (default all)")
    parser.add_argument("--py-spy", default="", help="py-spy binary: profile the registry during each run")
    parser.add_argument("--profile-dir", default="", help="with --py-spy: also keep the raw profiles here")
    args = parser.parse_args()
    scales = [int(s) for s in args.scales.split(",")]
    only = set(filter(None, args.only.split(",")))

    results: dict[str, list[dict[str, Any]]] = {}
    profiles: dict[str, list[Path]] = {}
    writes: dict[str, Writer] = {}
    repeats: dict[str, int] = {}
    sizes: dict[int, int] = {}
    async with Bench("rest") as bench:
        bench.broker()
        registries: dict[int, tuple[ServiceProcess, str]] = {}
        for scale in scales:
            registries[scale] = await seed_registry(bench, scale, args.workers)
        registry0 = registries[scales[0]][0]
        async with httpx.AsyncClient(base_url=registry0.base_url, timeout=30) as client:
            page = (await client.get("/v1/projects", params={"limit": PAGE})).json()
        if len(page["items"]) != PAGE:
            raise RuntimeError(f"expected a full page of {PAGE} projects, got {len(page['items'])}")
        payload = bench.workdir / "bare-payload.json"
        payload.write_text(json.dumps(page["items"], ensure_ascii=False), encoding="utf-8")

        bare_ports: dict[str, int] = {}
        bare_pids: dict[str, int] = {}
        databases = [url.rsplit("/", 1)[1].split("?")[0] for _, url in registries.values()]
        stat_conn = await asyncpg.connect(dsn(registries[scales[0]][1]))
        bench.stack.push_async_callback(stat_conn.close)
        for mode in ("bytes", "encode"):
            port = bare_ports[mode] = free_port()
            bare_pids[f"bare {mode}"] = bench.popen(
                [
                    str(PYTHON),
                    str(HERE / "bare_app.py"),
                    "--port",
                    str(port),
                    "--payload",
                    str(payload),
                    "--mode",
                    mode,
                ],
                cwd=bench.workdir,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            ).pid
        async with httpx.AsyncClient(timeout=2) as client:
            for port in bare_ports.values():

                async def bare_up(port: int = port) -> bool:
                    try:
                        return (await client.get(f"http://127.0.0.1:{port}/v1/projects")).status_code == 200
                    except httpx.HTTPError:
                        return False

                await poll_until(bare_up, bool, timeout_s=60, interval_s=0.1, what="bare app")

        # Workloads: name -> (port, paths file or None for POST, scale or None, writes?)
        work: dict[str, tuple[int, Path | None, int | None, bool]] = {}
        bare_file = bench.workdir / "bare.json"
        bare_file.write_text(json.dumps(["/v1/projects"]))
        work["bare bytes"] = (bare_ports["bytes"], bare_file, None, False)
        work["bare encode"] = (bare_ports["encode"], bare_file, None, False)
        titles: dict[int, dict[str, list[str]]] = {}
        for i, scale in enumerate(scales):
            registry, url = registries[scale]
            note(f"rest: building the query pools at {scale:,} projects")
            pools = await build_pools(url, seed=scale, max_words=args.max_words)
            titles[scale] = await titles_by_borough(url)
            conn = await asyncpg.connect(dsn(url))
            try:
                sizes[scale] = int(await conn.fetchval("SELECT count(*) FROM projects"))
            finally:
                await conn.close()
            note(f"rest: {scale:,}: {len(pools['list']):,} list pages, {len(pools['search']):,} search pages")
            for kind in ("list", "search"):
                f = bench.workdir / f"{kind}-{scale}.json"
                f.write_text(json.dumps(pools[kind]))
                work[f"{kind} uncached @{scale}"] = (registry.port, f, scale, False)
            f = bench.workdir / f"mixed-{scale}.json"
            f.write_text(json.dumps(mixed_sequence(pools, seed=scale + 1, hot_share=args.hot_share)))
            work[f"mixed @{scale}"] = (registry.port, f, scale, True)
            if i == 0:
                f = bench.workdir / f"cached-{scale}.json"
                f.write_text(json.dumps([f"/v1/projects?sgg_code={c}&limit=50" for c in sorted(DISTRICTS)]))
                work[f"cached @{scale}"] = (registry.port, f, scale, False)
            work[f"POST @{scale}"] = (registry.port, None, scale, True)
        if only:
            work = {k: v for k, v in work.items() if k.split(" @")[0] in only or k.startswith("bare bytes")}
        names = list(work)
        # Each uncached run starts at a different place in its pool, so rounds never repeat a path.
        offsets: dict[str, int] = {}
        for r in range(args.rounds):
            for name in names[r % len(names) :] + names[: r % len(names)]:
                port, paths_file, scale, writing = work[name]
                if scale is not None:
                    registry = registries[scale][0]
                    writer = writes.setdefault(name, Writer(registry.base_url, titles[scale], seed=r))
                    if "uncached" in name or "mixed" in name:
                        await writer.run(1, 0.5)  # one write: the page cache starts empty
                spy = None
                if args.py_spy and scale is not None and registries[scale][0].proc is not None:
                    spy = py_spy_record(
                        bench,
                        args.py_spy,
                        registries[scale][0].proc.pid,  # type: ignore[union-attr]
                        seconds=args.warmup + args.duration,
                        name=f"{name.replace(' ', '-').replace('@', '')}-{r}",
                    )
                server_pid = (
                    bare_pids[name] if scale is None else registries[scale][0].proc.pid  # type: ignore[union-attr]
                )
                cpu0 = (tree_cpu_s(server_pid), await backend_ticks(stat_conn, databases))
                if paths_file is None:
                    assert scale is not None
                    res = await post_load(registries[scale][0].base_url, titles[scale], _post_args(args))
                    res["p99_ms"], res["p50_ms"] = res["p99_ms"], res["p50_ms"]
                else:
                    seq_file = paths_file
                    if "uncached" in name or "mixed" in name:
                        seq = json.loads(paths_file.read_text())
                        start = offsets.get(name, 0)
                        seq = seq[start:] + seq[:start]
                        seq_file = paths_file.with_suffix(f".r{r}.json")
                        seq_file.write_text(json.dumps(seq))
                    load_task = asyncio.create_task(load(port, seq_file, args, bench))
                    if writing:
                        assert scale is not None
                        await writes[name].run(args.write_rate, args.warmup + args.duration)
                    res = await load_task
                    if "uncached" in name or "mixed" in name:
                        offsets[name] = offsets.get(name, 0) + res["sent"]
                        repeats[name] = repeats.get(name, 0) + res["repeats"]
                served = res.get("sent") or res.get("n") or 1
                res["app_cpu_ms"] = (tree_cpu_s(server_pid) - cpu0[0]) * 1000 / served
                res["pg_cpu_ms"] = (
                    ticks_delta_s(cpu0[1], await backend_ticks(stat_conn, databases)) * 1000 / served
                )
                if spy is not None:
                    await asyncio.to_thread(spy[0].wait, 30)
                    profiles.setdefault(name, []).append(spy[1])
                results.setdefault(name, []).append(res)
                note(f"rest round {r + 1} {name}: {res['rps']:,.0f} req/s, p99 {res['p99_ms']:.1f} ms")
        for writer in writes.values():
            if writer.failures:
                raise RuntimeError(f"writes failed: {writer.failures[:3]}")
        peaks = {scale: reg[0].sample_peak_rss() for scale, reg in registries.items()}
        if args.profile_dir:
            await asyncio.to_thread(keep_profiles, Path(args.profile_dir), profiles)
        for name, paths_ in profiles.items():
            print(f"\nprofile of the registry under '{name}' (py-spy, last round):")
            for frame, incl in interesting_frames(paths_[-1]):
                print(f"  {incl:5.1f}% incl  {frame}")
            for frame, incl, own in profile_summary(paths_[-1], top=8):
                print(f"  {own:5.1f}% self ({incl:5.1f}% incl)  {frame}")

    med = {
        name: {
            key: median([run.get(key, 0) for run in runs])
            for key in ("rps", "p50_ms", "p99_ms", "bytes_per_response", "app_cpu_ms", "pg_cpu_ms")
        }
        for name, runs in results.items()
    }
    bare = med["bare bytes"]
    print(f"\nmachine: {machine_summary()}")
    print(
        "registry sizes: " + ", ".join(f"{sizes[s]:,} projects (seed --scale {s})" for s in scales) + f"; "
        f"{args.connections} connections, {args.warmup:.0f}+{args.duration:.0f} s per run, {args.rounds} rounds, "
        f"CG_WORKERS={args.workers}; mixed: {args.hot_share:.0%} hot pages, writes at {args.write_rate:g}/s"
    )
    rows = []
    for name, runs in results.items():
        m = med[name]
        is_post = name.startswith("POST")
        rows.append(
            [
                name,
                " / ".join(f"{run['rps']:,.0f}" for run in runs),
                f"{m['rps']:,.0f}",
                f"{m['p50_ms']:.1f}",
                f"{m['p99_ms']:.1f}",
                "" if is_post else f"{m['bytes_per_response'] / 1024:.1f}",
                "" if is_post else str(repeats.get(name, "")),
                "" if is_post else f"{m['rps'] / bare['rps']:.2f}x",
                "" if is_post else f"{m['p99_ms'] / bare['p99_ms']:.2f}x",
                f"{m['app_cpu_ms']:.2f}",
                f"{m['pg_cpu_ms']:.2f}",
            ]
        )
    print_table(
        "REST throughput and latency (medians over rounds; ratios against the bare app sending pre-encoded bytes)",
        [
            "workload",
            "req/s per round",
            "req/s",
            "p50 ms",
            "p99 ms",
            "KiB/resp",
            "repeats",
            "req/s vs bare",
            "p99 vs bare",
            "server CPU ms/req",
            "PostgreSQL CPU ms/req",
        ],
        rows,
    )
    print(
        "CPU per request: the serving process tree (registry incl. its relay/consumer and workers, or the bare "
        "app) and the PostgreSQL backends serving the registry databases, over the run (warm-up included) / "
        "requests sent"
    )
    for name, writer in writes.items():
        if writer.latencies and "mixed" in name:
            print(
                f"{name}: {len(writer.latencies)} writes, POST p50 {percentile(writer.latencies, 50):.0f} ms, p99 {percentile(writer.latencies, 99):.0f} ms"
            )
    print("registry peak RSS: " + ", ".join(f"{s:,}: {(p or 0) / 1024:.0f} MiB" for s, p in peaks.items()))

    def ratio(name: str) -> str:
        if name not in med:
            return f"{name} n/a"
        m = med[name]
        return f"{name} {m['rps'] / bare['rps']:.2f}x/p99 {m['p99_ms'] / bare['p99_ms']:.1f}x"

    big = scales[-1]
    parts = [ratio(f"mixed @{big}"), ratio(f"list uncached @{big}"), ratio(f"search uncached @{big}")]
    if big != scales[0]:
        parts.append(ratio(f"mixed @{scales[0]}"))
    posts = [f"POST {med[f'POST @{s}']['rps']:.0f}/s @{s}" for s in scales if f"POST @{s}" in med]
    one, five = _loadavg()
    print(
        f"rest: {'; '.join(parts)} vs bare bytes {bare['rps']:,.0f} req/s "
        f"(targets mixed ≥{TARGET_MIXED[0]}x/p99 ≤{TARGET_MIXED[1]:g}x, uncached ≥{TARGET_UNCACHED[0]}x/p99 ≤{TARGET_UNCACHED[1]:g}x); "
        f"{', '.join(posts)} (target ≥200 @1126, ≥150 @100k); workers {args.workers}; load avg {one:.1f}/{five:.1f}"
    )
    return 0


def _loadavg() -> tuple[float, float]:
    import os

    one, five, _ = os.getloadavg()
    return one, five


def _post_args(args: argparse.Namespace) -> argparse.Namespace:
    return argparse.Namespace(warmup=args.warmup, duration=args.duration, connections=args.post_clients)


if __name__ == "__main__":
    run_main(main)
