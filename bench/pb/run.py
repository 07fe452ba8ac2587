"""Benchmark of the allocation engine (cg_budget.allocation) against pabutools on the shared Pabulib files.

Run from the repository root: ``.venv/bin/python bench/pb/run.py`` (options: ``--files SUBSTRING ...``,
``--cap SECONDS`` (default 60), ``--repeats N``, ``--big-mb MB`` (default 50, 0 skips the memory run)).

Everything pabutools does is measured in full, nothing is estimated:

1. **Start time**: the median wall time of ``cg-budget pb-outcome --help`` as a whole process (10 runs),
   next to a bare ``python -c pass``.
2. **MES+add1, engine**: per file, our ``mes_add1`` in this process (median of ``--repeats``) against
   pabutools' ``method_of_equal_shares(..., voter_budget_increment=1)`` timed inside a worker process
   (parsing excluded on both sides) that is killed at ``--cap`` seconds. A killed run is reported as
   ``>cap`` and left out of the median; finished runs must give our outcome in selection order.
3. **Whole process**: ``cg-budget pb-outcome FILE --rule auto`` (interpreter start, imports, parsing,
   rule, JSON) against a process that imports pabutools, parses the file and runs the same rule (greedy
   for the greedy family, MES+add1, or our outcome for add1-comparison, which pabutools lacks), also
   capped. The official ``selected`` column must be reproduced where the file has one.
4. **Memory**: a generated ``--big-mb`` MB approval file (about 3.2 M ballots, in a temporary folder,
   never committed) through ``cg-budget pb-outcome --rule greedy``: wall time and peak RSS.

The last line summarises; the exit code is 1 on any mismatch.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from cg_budget.allocation import load, mes_add1, to_election
from cg_budget.allocation.commands import PABULIB_RULES, Rule

BIN = Path(sys.executable).parent
CLI = str(BIN / "cg-budget")

# The pabutools side runs in a worker process so that a fixed cap can stop it.
WORKER = r"""
import json, sys, time
t0 = time.perf_counter()
from pabutools.election import Additive_Cardinal_Sat, Cost_Sat, parse_pabulib
from pabutools.election.satisfaction import AdditiveSatisfaction
from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares
path, rule = sys.argv[1], sys.argv[2]
instance, profile = parse_pabulib(path)
approval = instance.meta.get("vote_type", "approval") in ("approval", "choose-1", "ordinal")
if instance.meta.get("vote_type") == "ordinal":
    # pabutools has no satisfaction for ordinal ballots in these rules: read them as approvals (as ours does)
    from pabutools.election import ApprovalBallot, ApprovalProfile
    profile = ApprovalProfile([ApprovalBallot(list(b)) for b in profile], instance=instance)

class PointsTimesCost(AdditiveSatisfaction):
    def __init__(self, instance, profile, ballot):
        super().__init__(instance, profile, ballot, lambda i, p, b, proj, pre: b.get(proj, 0) * proj.cost)

t1 = time.perf_counter()
if rule == "greedy":
    out = greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat if approval else PointsTimesCost)
else:
    sat = Cost_Sat if approval else Additive_Cardinal_Sat
    out = method_of_equal_shares(instance, profile, sat_class=sat, voter_budget_increment=1)
t2 = time.perf_counter()
print(json.dumps({"rule_ms": (t2 - t1) * 1000, "selected": [p.name for p in out]}))
"""


@dataclass
class Run:
    wall_ms: float | None  # None: killed at the cap
    rule_ms: float | None = None
    selected: list[str] | None = None
    rss_mb: float | None = None
    stdout: str = ""
    stderr: str = ""
    code: int = 0


def run_process(argv: list[str], cap_s: float) -> Run:
    """Run a process to completion or kill it at the cap: wall time and peak RSS (wait4)."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(argv, stdout=out, stderr=err)
        deadline = start + cap_s
        status = None
        usage = None
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                os.wait4(proc.pid, 0)
                proc.returncode = -9
                return Run(None)
            time.sleep(0.002)
        wall = (time.perf_counter() - start) * 1000
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(
            wall,
            rss_mb=usage.ru_maxrss / 1024,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
            code=proc.returncode,
        )


def pabutools(path: Path, rule: str, cap_s: float) -> Run:
    run = run_process([sys.executable, "-c", WORKER, str(path), rule], cap_s)
    if run.wall_ms is not None:
        if run.code != 0:
            raise SystemExit(f"pabutools worker failed on {path.name}: {run.stderr.strip()[-300:]}")
        doc = json.loads(run.stdout)
        run.rule_ms, run.selected = doc["rule_ms"], doc["selected"]
    return run


def data_dir() -> Path:
    env = os.environ.get("CG_SHARED_DATA")
    if env:
        return Path(env) / "pabulib"
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "uv.lock").exists() and (parent / "services").is_dir():
            return parent.parent / "shared" / "data" / "pabulib"
    raise SystemExit("repository root not found")


def ms(value: float | None, cap_s: float) -> str:
    if value is None:
        return f">{cap_s:,.0f} s"
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"


def start_time() -> tuple[float, float]:
    def median_of(argv: list[str]) -> float:
        times = []
        for _ in range(10):
            run = run_process(argv, 30)
            assert run.wall_ms is not None and run.code == 0, run.stderr
            times.append(run.wall_ms)
        return statistics.median(times)

    return median_of([CLI, "pb-outcome", "--help"]), median_of([sys.executable, "-c", "pass"])


def big_file(folder: Path, megabytes: int) -> tuple[Path, int]:
    """A synthetic approval election of about ``megabytes`` MB (60 projects, ids in file order)."""
    rng = random.Random(18)
    path = folder / "synthetic_big.pb"
    projects = 60
    target = megabytes * 1_000_000
    with path.open("w", encoding="utf-8") as f:
        f.write("META\nkey;value\ndescription;synthetic\ncountry;Poland\nunit;bench\ninstance;2026\n")
        f.write(
            f"budget;{projects * 50_000}\nvote_type;approval\nrule;greedy\nPROJECTS\nproject_id;cost;name\n"
        )
        for p in range(projects):
            f.write(f"{p};{rng.randint(20, 200) * 1000};project {p}\n")
        f.write("VOTES\nvoter_id;vote\n")
        voters = 0
        weights = [1 / (p + 1) for p in range(projects)]
        chunk: list[str] = []
        while f.tell() < target:
            for _ in range(10_000):
                voters += 1
                picks = sorted(set(rng.choices(range(projects), weights, k=rng.randint(1, 3))))
                chunk.append(f"{voters};{','.join(map(str, picks))}\n")
            f.write("".join(chunk))
            chunk.clear()
    return path, voters


@dataclass
class Row:
    file: str
    rule: str
    add1_ours_ms: float
    add1_theirs_ms: float | None
    add1_same: bool | None
    cli_ours_ms: float
    cli_theirs_ms: float | None
    official: bool | None


def bench_file(path: Path, cap_s: float, repeats: int) -> Row:
    print(f"... {path.stem}", file=sys.stderr, flush=True)
    instance, profile = load(path, keep_voters=False)
    election = to_election(instance, profile)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        outcome = mes_add1(election)
        times.append((time.perf_counter() - start) * 1000)
    theirs = pabutools(path, "mes-add1", cap_s)
    same = None if theirs.selected is None else theirs.selected == list(outcome.selected)

    # whole process: our CLI with the file's rule against pabutools' process with the closest rule
    ours = run_process([CLI, "pb-outcome", str(path), "--rule", "auto"], cap_s)
    refused = ours.code == 2 and "refused" in ours.stderr
    if ours.wall_ms is None or (ours.code != 0 and not refused):
        raise SystemExit(f"pb-outcome failed on {path.name}: {ours.stderr.strip()}")
    rule = PABULIB_RULES.get(instance.rule, Rule.GREEDY)
    if rule in (Rule.MES_ADD1, Rule.MES, Rule.MES_ADD1_COMPARISON):
        their_cli = theirs  # the same process measured above: start, parse and MES+add1
    else:
        their_cli = pabutools(path, "greedy", cap_s)
    official = instance.official_selection()
    reproduced = None
    if official is not None and not refused:
        reproduced = json.loads(ours.stdout)["selected"] == official
    return Row(
        path.stem.replace("Poland_", "").replace("France_", ""),
        instance.rule,
        statistics.median(times),
        theirs.rule_ms,
        same,
        ours.wall_ms,
        their_cli.wall_ms,
        reproduced,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", nargs="*", default=[], help="only files whose name contains one of these")
    parser.add_argument("--cap", type=float, default=60.0, help="seconds before a pabutools run is stopped")
    parser.add_argument("--repeats", type=int, default=3, help="repeats of our MES+add1 (median)")
    parser.add_argument("--big-mb", type=int, default=50, help="size of the generated memory-test file")
    args = parser.parse_args()

    started = time.perf_counter()
    help_ms, bare_ms = start_time()
    print(
        f"start: `cg-budget pb-outcome --help` {help_ms:.0f} ms as a whole process (median of 10; bare python {bare_ms:.0f} ms)"
    )

    paths = sorted(data_dir().glob("*.pb"))
    if args.files:
        paths = [p for p in paths if any(s in p.name for s in args.files)]
    rows = [bench_file(path, args.cap, args.repeats) for path in paths]

    headers = [
        "file",
        "META rule",
        "add1 ours ms",
        "add1 pabutools ms",
        "speed-up",
        "same?",
        "CLI ms",
        "pabutools process ms",
        "process speed-up",
        "official?",
    ]
    table = []
    for r in rows:
        speed = (
            f"{r.add1_theirs_ms / r.add1_ours_ms:,.1f}x"
            if r.add1_theirs_ms
            else f">{args.cap * 1000 / r.add1_ours_ms:,.0f}x"
        )
        pspeed = f"{r.cli_theirs_ms / r.cli_ours_ms:,.2f}x" if r.cli_theirs_ms else ">cap"
        table.append(
            [
                r.file,
                r.rule,
                ms(r.add1_ours_ms, args.cap),
                ms(r.add1_theirs_ms, args.cap),
                speed,
                {None: "-", True: "yes", False: "NO"}[r.add1_same],
                ms(r.cli_ours_ms, args.cap),
                ms(r.cli_theirs_ms, args.cap),
                pspeed,
                {None: "-", True: "yes", False: "NO"}[r.official],
            ]
        )
    widths = [max(len(h), *(len(line[i]) for line in table)) for i, h in enumerate(headers)] if table else []
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    for line in table:
        print("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)))

    memory = ""
    if args.big_mb:
        with tempfile.TemporaryDirectory() as folder:
            print(f"... generating a {args.big_mb} MB file", file=sys.stderr, flush=True)
            path, voters = big_file(Path(folder), args.big_mb)
            size = path.stat().st_size / 1e6
            run = run_process([CLI, "pb-outcome", str(path), "--rule", "greedy"], 600)
            if run.wall_ms is None or run.code != 0:
                raise SystemExit(f"pb-outcome failed on the big file: {run.stderr.strip()}")
            memory = f"; {size:.0f} MB file ({voters:,} ballots): {run.wall_ms / 1000:.1f} s, peak RSS {run.rss_mb:.0f} MB"

    bad = [r.file for r in rows if r.add1_same is False or r.official is False]
    finished = [r.add1_theirs_ms / r.add1_ours_ms for r in rows if r.add1_theirs_ms]
    over = [r.file for r in rows if r.add1_theirs_ms is None]
    median = (
        f"{statistics.median(finished):.1f}x (median of {len(finished)} files measured in full)"
        if finished
        else "n/a"
    )
    slower = [r.file for r in rows if r.cli_theirs_ms is not None and r.cli_theirs_ms < r.cli_ours_ms]
    if over:
        print(f"pabutools stopped at the {args.cap:.0f} s cap (left out of the median): {', '.join(over)}")
    if slower:
        print(f"whole process slower than pabutools on: {', '.join(slower)}")
    official = sum(1 for r in rows if r.official)
    verdict = "identical outcomes" if not bad else f"MISMATCH on {', '.join(bad)}"
    print(
        f"pb: {verdict}; official outcome reproduced on {official} of {sum(1 for r in rows if r.official is not None)} files; "
        f"MES+add1 speed-up vs pabutools {median}; pb-outcome --help {help_ms:.0f} ms{memory} "
        f"({time.perf_counter() - started:,.0f} s)"
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
