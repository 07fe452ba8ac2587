"""Registry scale benchmark: 100,000 projects — import, search, statistics, duplicate scan, memory.

Starts a single-node Apache Kafka, a fresh PostgreSQL database and ``cg-registry serve`` (which migrates it), then:

1. import: the seed generator scaled to 100,000 projects and loaded by the registry's seed loader
   (``cg_registry.seed.loader.seed_database``, what ``cg-registry seed --scale N --no-events`` runs: bulk
   load of projects, funding lines, assessments and history in one transaction, then ANALYZE), run in
   ``seed_import.py``, its own process, timed from outside after the imports. Import time = that time
   minus the generation time the loader reports; the rate including generation is shown too.
2. search: ``GET /v1/projects?q=<word>`` (limit 50) one request at a time, Hangul and English words
   drawn from the seeded titles; p95 per round, median over rounds. Same-machine floor: the same
   substring filter as one raw SQL query over asyncpg.
3. statistics: ``GET /v1/stats/summary`` (all of Seoul) one at a time; floor: a raw SQL
   ``GROUP BY sgg_code`` over the same table.
4. full duplicate scan: ``cg-registry duplicates-scan --json`` (first run records the suspected pairs;
   later rounds ``--dry-run``, only when the first took under ``--scan-budget-s`` so the benchmark stays
   within its time budget); the time is the scan's own load+scan clock, the wall time of the command
   and the CLI's bare start-up time are shown too.
5. peak RSS: VmHWM of the ``serve`` process at the end; ru_maxrss (wait4) of each CLI run.

Search, statistics and floors alternate in each round. Ratios are measured / target (≤ 1 is a pass
for times, ≥ 1 for the import rate).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import signal
import sys
import time
import unicodedata
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.common import (
    PYTHON,
    VENV_BIN,
    Bench,
    interesting_frames,
    machine_summary,
    median,
    note,
    percentile,
    print_table,
    profile_summary,
    py_spy_record,
    run_cli,
    run_main,
    spy_prefix,
)

HERE = Path(__file__).resolve().parent
TARGET_IMPORT_RPS = 5_000.0
TARGET_SEARCH_P95_MS = 50.0
TARGET_STATS_MS = 200.0
TARGET_SCAN_S = 10.0
HANGUL = re.compile(r"^[\uac00-\ud7a3]{2,}$")
ENGLISH = re.compile(r"^[a-z]{4,}$")


def normalise(value: str) -> str:
    # Mirrors the registry's search normalisation (NFC + casefold) for the raw SQL floor.
    return " ".join(unicodedata.normalize("NFC", value).casefold().split())


async def pick_queries(conn: asyncpg.Connection, n: int, rng: random.Random) -> tuple[list[str], list[str]]:
    """``n`` Hangul and ``n`` English single-word queries drawn from real seeded titles."""
    rows = await conn.fetch("SELECT title_ko, title_en FROM projects TABLESAMPLE SYSTEM (5) LIMIT 2000")
    ko_words = sorted({w for r in rows for w in r["title_ko"].split() if HANGUL.match(w)})
    en_words = sorted({w.lower() for r in rows for w in r["title_en"].split() if ENGLISH.match(w.lower())})
    if not ko_words or not en_words:
        raise RuntimeError("could not draw search words from the seeded titles")
    return [rng.choice(ko_words) for _ in range(n)], [rng.choice(en_words) for _ in range(n)]


async def timed_gets(client: httpx.AsyncClient, requests: list[tuple[str, dict[str, Any]]]) -> list[float]:
    times = []
    for path, params in requests:
        started = time.perf_counter()
        resp = await client.get(path, params=params)
        elapsed = time.perf_counter() - started
        if resp.status_code != 200:
            raise RuntimeError(f"GET {path} {params} → {resp.status_code}: {resp.text[:300]}")
        times.append(elapsed)
    return times


async def timed_sql(conn: asyncpg.Connection, queries: list[tuple[str, list[Any]]]) -> list[float]:
    times = []
    for sql, params in queries:
        started = time.perf_counter()
        await conn.fetch(sql, *params)
        times.append(time.perf_counter() - started)
    return times


def like(word: str) -> str:
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search_sql(word: str) -> str:
    """The substring filter as literal SQL: PostgreSQL plans each pattern on its own (a generic plan for
    ``LIKE $1`` would pick the trigram index even for a two-syllable word it cannot serve)."""
    literal = "'" + like(normalise(word)).replace("'", "''") + "'"
    return f"SELECT id FROM projects WHERE search_text LIKE {literal} ORDER BY code LIMIT 51"


STATS_SQL = "SELECT sgg_code, count(*), sum(total_krw), sum(smg_grant_krw) FROM projects GROUP BY sgg_code"


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--queries", type=int, default=40, help="queries per language per round")
    parser.add_argument("--stats-calls", type=int, default=5, help="stats calls per round")
    parser.add_argument(
        "--scan-budget-s",
        type=float,
        default=20.0,
        help="run further duplicate-scan rounds only if the first took less than this",
    )
    parser.add_argument(
        "--py-spy",
        default="",
        help="py-spy binary: profile the seed, the service during round 1 and one extra dry-run scan",
    )
    args = parser.parse_args()
    rng = random.Random(20241126)

    async with Bench("scale") as bench:
        bench.broker()
        url = await bench.database("registry")
        registry = bench.service("registry", database_url=url)
        await registry.wait_ready()
        cli = str(VENV_BIN / "cg-registry")
        note(f"scale: seed loader, {args.scale:,} projects (bench/scale/seed_import.py)")
        profiles: dict[str, Path] = {}
        seed_cmd = [
            str(PYTHON),
            str(HERE / "seed_import.py"),
            "--database-url",
            url,
            "--scale",
            str(args.scale),
        ]
        if args.py_spy:
            profiles["seed loader"] = bench.workdir / "profile-seed.txt"
            seed_cmd = [*spy_prefix(args.py_spy, profiles["seed loader"]), *seed_cmd]
        seed_out, _, seed_rss = await asyncio.to_thread(
            run_cli, seed_cmd, env=registry.env, cwd=bench.workdir
        )
        seeded = json.loads(seed_out.strip().splitlines()[-1])
        note(f"  {seeded}")

        conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1))
        try:
            counts = await conn.fetchrow(
                "SELECT (SELECT count(*) FROM projects) AS projects,"
                " (SELECT count(*) FROM funding_lines) AS lines,"
                " (SELECT count(*) FROM assessments) AS assessments"
            )
            if counts["projects"] != args.scale:
                raise RuntimeError(
                    f"expected {args.scale} projects after the seed, found {counts['projects']}"
                )
            ko_all, en_all = await pick_queries(conn, args.queries * args.rounds, rng)
            per_round: dict[str, list[float]] = {
                k: [] for k in ("ko", "en", "stats", "ko_sql", "en_sql", "stats_sql")
            }
            samples: dict[str, list[float]] = {k: [] for k in per_round}
            async with httpx.AsyncClient(base_url=registry.base_url, timeout=60) as client:
                # Warm-up (connection pool, prepared statements, page cache); not measured.
                await timed_gets(client, [("/v1/projects", {"q": w}) for w in ko_all[:5] + en_all[:5]])
                await timed_gets(client, [("/v1/stats/summary", {})] * 2)
                for r in range(args.rounds):
                    ko = ko_all[r * args.queries : (r + 1) * args.queries]
                    en = en_all[r * args.queries : (r + 1) * args.queries]
                    runs: dict[str, Awaitable[list[float]]] = {
                        "ko": timed_gets(client, [("/v1/projects", {"q": w}) for w in ko]),
                        "ko_sql": timed_sql(conn, [(search_sql(w), []) for w in ko]),
                        "en": timed_gets(client, [("/v1/projects", {"q": w}) for w in en]),
                        "en_sql": timed_sql(conn, [(search_sql(w), []) for w in en]),
                        "stats": timed_gets(client, [("/v1/stats/summary", {})] * args.stats_calls),
                        "stats_sql": timed_sql(conn, [(STATS_SQL, [])] * args.stats_calls),
                    }
                    spy = None
                    if args.py_spy and r == 0 and registry.proc is not None:
                        spy = py_spy_record(bench, args.py_spy, registry.proc.pid, seconds=600, name="serve")
                    for name, run in runs.items():
                        times = await run  # awaited one after another: the runs alternate
                        samples[name] += times
                        # p95 for search, median for a statistics call (each call is one "summary time").
                        per_round[name].append(
                            percentile(times, 95) if "stats" not in name else median(times)
                        )
                    if spy is not None:
                        spy[0].send_signal(signal.SIGINT)  # py-spy writes its output on SIGINT
                        await asyncio.to_thread(spy[0].wait, 60)
                        profiles["cg-registry serve during round 1 (search + stats)"] = spy[1]
                    note(
                        f"scale round {r + 1}: search p95 ko {per_round['ko'][-1] * 1000:.1f} ms, "
                        f"en {per_round['en'][-1] * 1000:.1f} ms; stats {per_round['stats'][-1] * 1000:.1f} ms"
                    )
        finally:
            await conn.close()

        scans: list[dict[str, Any]] = []
        for r in range(args.rounds):
            if r and scans[0]["wall"] > args.scan_budget_s:
                note(f"scale: first scan took {scans[0]['wall']:.0f} s; no further rounds (time budget)")
                break
            flags = ["--json"] if r == 0 else ["--json", "--dry-run"]
            note(f"scale: cg-registry duplicates-scan {' '.join(flags)}")
            out, wall, rss = await asyncio.to_thread(
                run_cli, [cli, "duplicates-scan", *flags], env=registry.env, cwd=bench.workdir
            )
            summary = json.loads(out.strip().splitlines()[-1])
            scans.append({**summary, "wall": wall, "rss_kb": rss})
            note(f"  scan {summary['total_seconds']:.2f} s ({summary['suspected_pairs']} suspected pairs)")
        serve_peak = registry.sample_peak_rss()
        # What every CLI run pays before any work (interpreter start, imports), for the scan's wall time.
        _, cli_start_s, _ = await asyncio.to_thread(
            run_cli, [cli, "--help"], env=registry.env, cwd=bench.workdir
        )
        if args.py_spy:
            profiles["cg-registry duplicates-scan --dry-run (extra run)"] = path = (
                bench.workdir / "profile-scan.txt"
            )
            await asyncio.to_thread(
                run_cli,
                [*spy_prefix(args.py_spy, path), cli, "duplicates-scan", "--json", "--dry-run"],
                env=registry.env,
                cwd=bench.workdir,
            )
        for what, path in profiles.items():
            print(f"\nprofile of {what} (py-spy):")
            for frame, incl in interesting_frames(path, top=15):
                print(f"  {incl:5.1f}% incl  {frame}")
            for frame, incl, own in profile_summary(path, top=10):
                print(f"  {own:5.1f}% self ({incl:5.1f}% incl)  {frame}")

    gen_s = seeded["generate_seconds"]
    insert_s = seeded["insert_seconds"]
    whole_rps = args.scale / seeded["seconds"]
    # Import = loading the generated projects: the loader's time minus the generation it reports, so
    # bulk insert, commit, ANALYZE and connecting are in; synthesising the data is not.
    import_s = seeded["seconds"] - (gen_s or 0.0)
    import_rps = args.scale / import_s
    ko_p95 = median(per_round["ko"])
    en_p95 = median(per_round["en"])
    stats_ms = median(per_round["stats"])
    scan_s = median([s["total_seconds"] for s in scans])
    print(f"\nmachine: {machine_summary()}")
    print(
        f"registry with {counts['projects']:,} projects, {counts['lines']:,} funding lines, "
        f"{counts['assessments']:,} assessments; {args.rounds} rounds"
    )
    ms = 1000
    rows = [
        [
            "import: load of the generated projects",
            f"{import_s:.1f} s = {import_rps:,.0f} projects/s",
            f"≥ {TARGET_IMPORT_RPS:,.0f}/s",
            f"{import_rps / TARGET_IMPORT_RPS:.2f}x",
            f"with generation {seeded['seconds']:.1f} s = {whole_rps:,.0f}/s"
            + (f" (generation {gen_s:.1f} s)" if gen_s is not None else "")
            + (f"; insert phase as reported {insert_s:.1f} s" if insert_s else ""),
        ],
        [
            "search p95, Hangul q",
            f"{ko_p95 * ms:.1f} ms (p50 {percentile(samples['ko'], 50) * ms:.1f})",
            f"≤ {TARGET_SEARCH_P95_MS:.0f} ms",
            f"{ko_p95 * ms / TARGET_SEARCH_P95_MS:.2f}x",
            f"raw SQL LIKE p95 {median(per_round['ko_sql']) * ms:.1f} ms",
        ],
        [
            "search p95, English q",
            f"{en_p95 * ms:.1f} ms (p50 {percentile(samples['en'], 50) * ms:.1f})",
            f"≤ {TARGET_SEARCH_P95_MS:.0f} ms",
            f"{en_p95 * ms / TARGET_SEARCH_P95_MS:.2f}x",
            f"raw SQL LIKE p95 {median(per_round['en_sql']) * ms:.1f} ms",
        ],
        [
            "stats summary (median call)",
            f"{stats_ms * ms:.1f} ms (p95 {percentile(samples['stats'], 95) * ms:.1f})",
            f"≤ {TARGET_STATS_MS:.0f} ms",
            f"{stats_ms * ms / TARGET_STATS_MS:.2f}x",
            f"raw SQL GROUP BY sgg_code {median(per_round['stats_sql']) * ms:.1f} ms",
        ],
        [
            "full duplicate scan (load + scan)",
            f"{scan_s:.2f} s ({len(scans)} run{'s' if len(scans) > 1 else ''})",
            f"≤ {TARGET_SCAN_S:.0f} s",
            f"{scan_s / TARGET_SCAN_S:.2f}x",
            f"command wall {median([s['wall'] for s in scans]):.1f} s (CLI start-up alone {cli_start_s:.1f} s); "
            f"{scans[0]['comparisons']:,} comparisons, "
            f"{scans[0]['suspected_pairs']:,} suspected pairs",
        ],
    ]
    print_table(
        "registry at scale (medians over rounds)",
        ["measure", "measured", "target", "ratio", "floor / detail"],
        rows,
    )
    print_table(
        "peak RSS",
        ["process", "peak RSS MiB"],
        [
            ["cg-registry serve (VmHWM)", f"{(serve_peak or 0) / 1024:.0f}"],
            [
                "seed loader process (ru_maxrss)",
                "n/a (ran under py-spy)" if args.py_spy else f"{seed_rss / 1024:.0f}",
            ],
            ["cg-registry duplicates-scan (ru_maxrss, max)", f"{max(s['rss_kb'] for s in scans) / 1024:.0f}"],
        ],
    )
    print(
        f"scale: import {import_rps / TARGET_IMPORT_RPS:.2f}x target rate ({import_rps:,.0f} projects/s; "
        f"with generation {whole_rps:,.0f}/s; target ≥ 5,000/s); "
        f"search p95 ko {ko_p95 * ms / TARGET_SEARCH_P95_MS:.2f}x / en {en_p95 * ms / TARGET_SEARCH_P95_MS:.2f}x "
        f"of 50 ms; stats {stats_ms * ms / TARGET_STATS_MS:.2f}x of 200 ms; "
        f"duplicate scan {scan_s / TARGET_SCAN_S:.2f}x of 10 s"
    )
    return 0


if __name__ == "__main__":
    run_main(main)
