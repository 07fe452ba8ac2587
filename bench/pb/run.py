"""Benchmark of the allocation engine (cg_budget.allocation) against pabutools on the shared Pabulib files.

Run from the repository root: ``.venv/bin/python bench/pb/run.py`` (options: ``--files SUBSTRING ...``,
``--repeats N``, ``--full-add1`` to run pabutools' complete add1 on every file, ``--full-limit SECONDS``).

For each file and rule (greedy, mes, mes-add1; plus the file's official rule where ``selected`` exists)
it times our rule (from the parsed file, including compilation) against pabutools' rule (from pabutools'
parsed file), alternating the two and taking the median of the repeats; it also times the CLI path
(``pb_outcome``: parsing + rule) against pabutools' parse + rule. Outcomes are compared in selection
order (greedy, mes, mes-add1) or as sets (official ``selected`` column).

pabutools' add1 re-runs MES once per step (hundreds of runs; tens of minutes on Mokotów and Białołęka),
so on every file the bench first *samples* pabutools' own add1 loop: set-up, and the cost of one step
at the start, the middle and the end of the loop (runs stopped after one step and after a window of 10
steps, 4 on elections with 10,000 voters or more), and
checks the end point: started 2 steps before our final share, pabutools' loop must stop exactly there
with our outcome. Its full time is estimated as set-up + steps x the sampled cost of a step (weights
1/4, 1/2, 1/4). If that estimate is at most ``--full-limit`` seconds (default 12), pabutools' add1 is
also run in full, its outcome compared in selection order and its measured time used; the estimate of
those files is printed next to the measured time (``estimate / measured``), so the estimator is
checked in every run. Other rows are marked ``endpoint`` / ``~``. Files with 10,000 voters or more
time greedy and MES once. The last line summarises; the exit code is 1 on any mismatch.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from pabutools.election import Additive_Cardinal_Sat, Cost_Sat, parse_pabulib
from pabutools.election.satisfaction import AdditiveSatisfaction
from pabutools.fractions import frac
from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares
from pabutools.rules.mes.mes_rule import method_of_equal_shares_scheme
from pabutools.tiebreaking import lexico_tie_breaking

from cg_budget.allocation import greedy, load, mes_add1, mes_add1_comparison, to_election
from cg_budget.allocation import method_of_equal_shares as our_mes
from cg_budget.allocation.commands import Rule, pb_outcome

# elections with at least this many voters time greedy and MES once (pabutools takes seconds per run)
LARGE_VOTERS = 10_000


def data_dir() -> Path:
    import os

    env = os.environ.get("CG_SHARED_DATA")
    if env:
        return Path(env) / "pabulib"
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "uv.lock").exists() and (parent / "services").is_dir():
            return parent.parent / "shared" / "data" / "pabulib"
    raise SystemExit("repository root not found")


class PointsTimesCost(AdditiveSatisfaction):
    """pabutools greedy by total points: satisfaction points * cost, so the density is the points."""

    def __init__(self, instance: Any, profile: Any, ballot: Any) -> None:
        super().__init__(instance, profile, ballot, lambda i, p, b, proj, pre: b.get(proj, 0) * proj.cost)


@dataclass
class Row:
    file: str
    rule: str
    check: str  # full | endpoint | official
    ours_ms: float
    theirs_ms: float | None
    estimated: bool
    cli_ms: float | None
    theirs_cli_ms: float | None
    identical: bool
    estimate_ms: float | None = None  # pabutools' estimated add1 time where it also ran in full


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    start = time.perf_counter()
    value = fn()
    return (time.perf_counter() - start) * 1000, value


def compare(
    ours: Callable[[], Any], theirs: Callable[[], Any] | None, repeats: int
) -> tuple[float, float | None, Any, Any]:
    """Alternate the two implementations; medians in ms and the last results."""
    our_times, their_times = [], []
    mine = other = None
    for _ in range(repeats):
        t, mine = timed(ours)
        our_times.append(t)
        if theirs is not None:
            t, other = timed(theirs)
            their_times.append(t)
    return (
        statistics.median(our_times),
        statistics.median(their_times) if their_times else None,
        mine,
        other,
    )


def names(allocation: Any) -> list[str]:
    return [p.name for p in allocation]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", nargs="*", default=[], help="only files whose name contains one of these")
    parser.add_argument("--repeats", type=int, default=3, help="repeats of fast runs (median)")
    parser.add_argument("--full-add1", action="store_true", help="run pabutools' add1 fully everywhere")
    parser.add_argument(
        "--full-limit",
        type=float,
        default=12.0,
        help="run pabutools' add1 in full where its estimated time is at most this many seconds",
    )
    args = parser.parse_args()

    paths = sorted(data_dir().glob("*.pb"))
    if args.files:
        paths = [p for p in paths if any(s in p.name for s in args.files)]
    rows: list[Row] = []
    started = time.perf_counter()
    for path in paths:
        rows.extend(bench_file(path, args.repeats, args.full_add1, args.full_limit * 1000))
    elapsed = time.perf_counter() - started
    return report(rows, elapsed)


def bench_file(path: Path, repeats: int, full_add1: bool, full_limit_ms: float) -> list[Row]:
    """All rows of one file."""
    rows: list[Row] = []
    stem = path.stem
    print(f"... {stem}", file=sys.stderr, flush=True)
    parse_ours_ms, (instance, profile) = timed(lambda path=path: load(path))
    parse_theirs_ms, (p_instance, p_profile) = timed(lambda path=path: parse_pabulib(str(path)))
    election = to_election(instance, profile)
    approval = instance.vote_type == "approval"
    sat = Cost_Sat if approval else Additive_Cardinal_Sat
    greedy_sat = Cost_Sat if approval else PointsTimesCost
    big = len(election.ballots) >= LARGE_VOTERS

    def cli(rule: Rule, path: Path = path) -> float:
        return statistics.median(timed(lambda: pb_outcome(path, rule))[0] for _ in range(1 if big else 2))

    # greedy
    ours_ms, theirs_ms, mine, other = compare(
        lambda: greedy(election),
        lambda: greedy_utilitarian_welfare(p_instance, p_profile, sat_class=greedy_sat),
        1 if big else repeats,
    )
    rows.append(
        Row(
            stem,
            "greedy",
            "full",
            ours_ms,
            theirs_ms,
            False,
            cli(Rule.GREEDY),
            parse_theirs_ms + (theirs_ms or 0),
            list(mine.selected) == names(other),
        )
    )
    # mes
    reps = 1 if big else repeats
    ours_ms, theirs_ms, mine, other = compare(
        lambda: our_mes(election),
        lambda: method_of_equal_shares(p_instance, p_profile, sat_class=sat),
        reps,
    )
    rows.append(
        Row(
            stem,
            "mes",
            "full",
            ours_ms,
            theirs_ms,
            False,
            cli(Rule.MES),
            parse_theirs_ms + (theirs_ms or 0),
            list(mine.selected) == names(other),
        )
    )
    # mes-add1: pabutools' loop sampled and checked at the end point, and run in full where affordable
    ours_ms, _, mine, _ = compare(lambda: mes_add1(election), None, 1 if big else repeats)
    estimate_ms, ok = endpoint_check(p_instance, p_profile, sat, election, mine)
    endpoint = not full_add1 and estimate_ms > full_limit_ms
    if endpoint:
        theirs_ms, estimated, checked_estimate = estimate_ms, True, None
    else:
        theirs_ms, other = timed(
            lambda: method_of_equal_shares(p_instance, p_profile, sat_class=sat, voter_budget_increment=1)
        )
        ok = ok and list(mine.selected) == names(other)
        estimated, checked_estimate = False, estimate_ms
    rows.append(
        Row(
            stem,
            "mes-add1",
            "endpoint" if endpoint else "full",
            ours_ms,
            theirs_ms,
            estimated,
            cli(Rule.MES_ADD1),
            parse_theirs_ms + theirs_ms,
            ok,
            checked_estimate,
        )
    )
    # the official rule of files with a selected column
    official = instance.official_selection()
    if official is not None:
        rule = {
            "greedy": Rule.GREEDY,
            "equalshares/add1": Rule.MES_ADD1,
            "equalshares/add1-comparison": Rule.MES_ADD1_COMPARISON,
        }[instance.rule]
        runner = {
            Rule.GREEDY: greedy,
            Rule.MES_ADD1: mes_add1,
            Rule.MES_ADD1_COMPARISON: mes_add1_comparison,
        }[rule]
        ours_ms, _, mine, _ = compare(lambda runner=runner: runner(election), None, 1)
        rows.append(
            Row(
                stem,
                f"official {instance.rule}",
                "official",
                ours_ms,
                None,
                False,
                None,
                None,
                set(mine.selected) == set(official),
            )
        )
    rows.append(Row(stem, "parse", "-", parse_ours_ms, parse_theirs_ms, False, None, None, True))
    return rows


def endpoint_check(
    p_instance: Any, p_profile: Any, sat: type, election: Any, outcome: Any
) -> tuple[float, bool]:
    """pabutools' own add1 loop near our final share, and an estimate of its full running time.

    pabutools is started 2 steps before our final share and must stop exactly there with our outcome.
    Its full time is estimated as its set-up plus the number of steps times the cost of one step of its
    loop, sampled at the start, the middle and the end (runs stopped after one step and after a window
    of 10 steps, 4 for elections with 10,000 voters or more).
    """
    n = len(election.ballots)
    step = outcome.per_voter_budget - Fraction(election.budget, n)
    if step.denominator != 1:
        return 0.0, False
    k = int(step)
    base = frac(p_instance.budget_limit, p_profile.num_ballots())
    setup_ms, sat_profile = timed(lambda: p_profile.as_sat_profile(sat))
    calls = [0]
    stop_after = [0]  # 0: pabutools' own stopping rule
    feasible = p_instance.is_feasible
    exhaustive = p_instance.is_exhaustive

    def counting_feasible(projects: Any) -> bool:
        calls[0] += 1
        return feasible(projects)

    def maybe_stop(projects: Any, available_projects: Any = None) -> bool:
        if stop_after[0] and calls[0] >= stop_after[0]:
            return True
        return bool(exhaustive(projects, available_projects=available_projects))

    def run(first: int, stop: int = 0) -> tuple[float, Any]:
        calls[0], stop_after[0] = 0, stop
        return timed(
            lambda: method_of_equal_shares_scheme(
                p_instance,
                p_profile,
                sat_profile,
                base + first,
                [],
                lexico_tie_breaking,
                resoluteness=True,
                voter_budget_increment=1,
            )
        )

    p_instance.is_feasible = counting_feasible
    p_instance.is_exhaustive = maybe_stop
    try:
        from_k = max(k - 2, 0)
        _, final = run(from_k)
        end_steps = calls[0]
        ok = names(final) == list(outcome.selected)
        # windows of several steps: a step of a small election takes milliseconds, too short to time alone
        span = 4 if len(election.ballots) >= LARGE_VOTERS else 10
        costs = []
        for first in (0, k // 2, max(k - span + 1, 0)):
            one_ms, _ = run(first, 1)
            more_ms, _ = run(first, span)
            costs.append((one_ms, max(more_ms - one_ms, 0.0) / max(calls[0] - 1, 1)))
    finally:
        p_instance.is_feasible = feasible
        p_instance.is_exhaustive = exhaustive
    per_step = (costs[0][1] + 2 * costs[1][1] + costs[2][1]) / 4
    inner_setup = max(costs[0][0] - costs[0][1], 0.0)
    total_steps = k + 1 + (end_steps - (k - from_k) - 1)  # pabutools also runs the over-budget step
    return setup_ms + inner_setup + per_step * total_steps, ok


def fmt(ms: float | None, estimated: bool = False) -> str:
    if ms is None:
        return "-"
    text = f"{ms:,.0f}" if ms >= 100 else f"{ms:,.1f}"
    return ("~" + text) if estimated else text


def report(rows: list[Row], elapsed: float) -> int:
    headers = [
        "file",
        "rule",
        "check",
        "ours ms",
        "pabutools ms",
        "speed-up",
        "ours CLI ms",
        "pabutools CLI ms",
        "identical?",
    ]
    table: list[list[str]] = []
    for r in rows:
        speed = f"{r.theirs_ms / r.ours_ms:,.1f}x" if r.theirs_ms and r.ours_ms else "-"
        if r.estimated and speed != "-":
            speed = "~" + speed
        table.append(
            [
                r.file.replace("Poland_", "").replace("France_", ""),
                r.rule,
                r.check,
                fmt(r.ours_ms),
                fmt(r.theirs_ms, r.estimated),
                speed,
                fmt(r.cli_ms),
                fmt(r.theirs_cli_ms, r.estimated),
                "yes" if r.identical else "NO",
            ]
        )
    try:
        from rich.console import Console
        from rich.table import Table

        rich_table = Table(title=f"pabulib allocation bench ({elapsed:,.0f} s)")
        for h in headers:
            rich_table.add_column(h, justify="right" if "ms" in h or h == "speed-up" else "left")
        for line in table:
            rich_table.add_row(*line)
        Console(width=180).print(rich_table)
    except ImportError:  # pragma: no cover - rich is a dependency of typer
        widths = [max(len(h), *(len(line[i]) for line in table)) for i, h in enumerate(headers)]
        print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
        for line in table:
            print("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)))
    files = sorted({r.file for r in rows})
    bad = sorted({r.file for r in rows if not r.identical})
    checks = [(r.file, r.estimate_ms / r.theirs_ms) for r in rows if r.estimate_ms and r.theirs_ms]
    if checks:
        ratios = ", ".join(f"{f.replace('Poland_', '').replace('France_', '')} {q:.2f}" for f, q in checks)
        print(f"pabutools add1 estimator, estimate / measured on the files run in full: {ratios}")
    add1 = [r.theirs_ms / r.ours_ms for r in rows if r.rule == "mes-add1" and r.theirs_ms and r.ours_ms]
    speedup = f"{statistics.median(add1):.1f}x (median)" if add1 else "n/a"
    verdict = f"identical outcomes on {len(files)} files" if not bad else f"MISMATCH on {len(bad)} files"
    if bad:
        print("mismatches: " + ", ".join(bad))
    print(f"pb: {verdict}; MES+add1 speed-up vs pabutools {speedup}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
