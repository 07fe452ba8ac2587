"""``make demo``: walk one borough through a CG year against the system ``make run`` started.

Targets http://127.0.0.1:8001..8004 (override with ``CG_REGISTRY_URL`` … ``CG_BUDGET_URL`` or the
``CG_<SERVICE>_PORT`` variables ``make run`` honours). Safe to run again and again: each run uses new
titles, reuses the borough's committee and takes the next free fiscal year.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid

import httpx
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from cg_shared.districts import DISTRICTS
from demo import boroughs
from demo.scenario import (
    ADOPTION_STEPS,
    ITEMS,
    SERVICES,
    ApiError,
    CgApi,
    CgYear,
    CycleReport,
    ServiceUrls,
    won,
)

console = Console()


class RichNarrator:
    """Steps advance a progress bar; each sentence is printed above it."""

    def __init__(self, progress: Progress, total: int) -> None:
        self.progress = progress
        self.task = progress.add_task("starting", total=total)
        self.started = False

    def step(self, title: str) -> None:
        if self.started:
            self.progress.advance(self.task)
        self.started = True
        self.progress.update(self.task, description=title)
        self.progress.console.print(f"\n[bold cyan]▶ {escape(title)}[/bold cyan]")

    def say(self, text: str) -> None:
        self.progress.console.print(f"  {text}", highlight=False, markup=False)

    def finish(self) -> None:
        self.progress.update(self.task, completed=self.progress.tasks[0].total, description="done")


def _check_running(urls: ServiceUrls) -> list[str]:
    down = []
    for name in SERVICES:
        url = urls.of(name) + "/readyz"
        try:
            if httpx.get(url, timeout=3).status_code != 200:
                down.append(f"{name} ({url} not ready)")
        except httpx.HTTPError:
            down.append(f"{name} ({url} unreachable)")
    return down


class _Table(Table):
    """Cells are data (plan titles carry "[run id]"), never rich markup."""

    def add_row(self, *cells: object, **kwargs: object) -> None:
        super().add_row(*(escape(str(c)) for c in cells), **kwargs)  # type: ignore[arg-type]


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def summary_table(report: CycleReport) -> Table:
    district = DISTRICTS[report.sgg_code]
    plan, vote, funding = report.plan, report.vote, report.funding
    composition = report.committee.composition
    tally = vote.decision["tally"]
    by_request = {r["id"]: key for key, r in funding.requests.items()}
    funded = [by_request[line["request_id"]] for line in funding.allocation["lines"]]
    unfunded = [k for k in funding.requests if k not in funded]
    before, after = report.registry_before.borough, report.registry_after.borough
    pm, cm = report.plan_metrics, report.committee_metrics

    table = _Table(
        title=f"CG year {plan.fiscal_year} in {district.name_en} ({district.name_ko}) — run {report.run_id}"
    )
    table.add_column("what", style="bold")
    table.add_column("result")
    table.add_row(
        "committee",
        f"{composition['seated_count']} seated, civilians {composition['civilian_count']} "
        f"({composition['civilian_share']:.0%}), compliant: {composition['compliant']}",
    )
    table.add_row(
        "resident proposals",
        f"{pm['proposals_received']} received, {_share(pm['share_proposals_accepted'])} taken up into the plan",
    )
    table.add_row(
        "deliberation",
        f"{pm['deliberation_events']} events, {pm['participants']} participants; "
        f"{pm['items_changed_by_input']} of {pm['items_total']} items changed by residents' input",
    )
    table.add_row(
        "plan adopted",
        f"{plan.plan['title_ko']} — {len(plan.items)} items, state {report.plan_after_vote['state']}",
    )
    table.add_row(
        "committee vote",
        f"{tally['present']}/{tally['seated']} present; {tally['yes']} yes, {tally['no']} no, "
        f"{tally['abstain']} abstain, {tally['recused']} recused; valid: {vote.decision['valid']}",
    )
    table.add_row(
        "participatory vote",
        f"{funding.ballots} ballots, rule {funding.election['rule']}, budget {won(funding.outcome['budget_krw'])}",
    )
    for key in funded:
        line = next(x for x in funding.allocation["lines"] if x["request_id"] == funding.requests[key]["id"])
        table.add_row("funded", f"{ITEMS[key].title_ko} — {won(line['amount_krw'])} ({line['source']})")
    for key in unfunded:
        table.add_row(
            "not funded", f"{ITEMS[key].title_ko} — asked {won(funding.requests[key]['amount_krw'])}"
        )
    table.add_row("allocated", won(funding.allocation["total_krw"]))
    table.add_row(
        "registry (borough)",
        f"{report.registry_before.borough_projects} → {report.registry_after.borough_projects} projects; "
        f"{won(before['total_krw'])} → {won(after['total_krw'])}",
    )
    table.add_row(
        "tokenism (borough)",
        f"assessed {before['tokenism']['assessed_count']} → {after['tokenism']['assessed_count']}; "
        f"risk share {before['tokenism']['tokenism_risk_share']:.3f} → {after['tokenism']['tokenism_risk_share']:.3f}; "
        f"public-led share {before['tokenism']['public_led_share']:.3f} → {after['tokenism']['public_led_share']:.3f}",
    )
    table.add_row(
        "participation (committee)",
        f"civilian share of named votes {_share(cm['civilian_votes']['share'])}; "
        f"{cm['valid_decisions']}/{cm['decisions']} decisions valid; {cm['meetings_held']} meetings held",
    )
    table.add_row(
        "participation (plan)",
        f"items by origin {pm['items_by_origin']}; tokenism-risk items {pm['tokenism_risk_items']}, "
        f"public-led items {pm['public_led_items']}",
    )
    return table


def links_table(report: CycleReport) -> Table:
    table = _Table(title="Inspect the results")
    table.add_column("what", style="bold")
    table.add_column("URL", overflow="fold")
    for name, url in report.links.items():
        table.add_row(name, url)
    return table


async def run(sgg_code: str, timeout_s: float) -> CycleReport:
    urls = ServiceUrls.from_env()
    with Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        narrator = RichNarrator(progress, ADOPTION_STEPS)
        async with CgApi(urls) as api:
            year = CgYear(
                api, sgg_code=sgg_code, run_id=uuid.uuid4().hex[:6], narrator=narrator, timeout_s=timeout_s
            )
            report = await year.run_adoption_cycle()
            city = await boroughs.fetch(api)
        narrator.finish()
    for table in boroughs.tables(city):
        console.print(table)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sgg-code", default="11200", choices=sorted(DISTRICTS), help="borough (default Seongdong)"
    )
    parser.add_argument(
        "--timeout", type=float, default=120.0, help="seconds to wait for each event's effect"
    )
    args = parser.parse_args(argv)
    urls = ServiceUrls.from_env()
    down = _check_running(urls)
    if down:
        console.print("[red]The system is not running:[/red] " + "; ".join(down))
        console.print(
            "Start it with [bold]make run[/bold] (in another terminal), then run [bold]make demo[/bold]."
        )
        return 2
    started = time.monotonic()
    try:
        report = asyncio.run(run(args.sgg_code, args.timeout))
    except (ApiError, AssertionError, RuntimeError) as exc:
        console.print(f"\n[red bold]The demo stopped:[/red bold] {exc}")
        return 1
    console.print()
    console.print(summary_table(report))
    console.print(links_table(report))
    console.print(f"Completed in {time.monotonic() - started:.1f}s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
