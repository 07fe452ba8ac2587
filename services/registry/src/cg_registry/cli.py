"""Console script `cg-registry`: serve, migrate, seed, duplicates-scan."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated

import typer

from cg_registry.main import create_app
from cg_registry.settings import get_settings
from cg_shared.db import is_schema_missing
from cg_shared.service_cli import make_service_cli

SERVICE_DIR = Path(__file__).resolve().parents[2]

app = make_service_cli(
    service="registry",
    service_dir=SERVICE_DIR,
    settings_factory=get_settings,
    app_factory=create_app,
    default_port=8001,
)


@app.command()
def seed(
    scale: Annotated[
        int | None,
        typer.Option(min=50, help="Number of projects (default: the published 1,126 with exact totals)"),
    ] = None,
    if_empty: Annotated[bool, typer.Option("--if-empty", help="Do nothing when projects exist")] = False,
    events: Annotated[
        bool, typer.Option("--events/--no-events", help="Emit project.registered for each seeded project")
    ] = True,
) -> None:
    """Load the deterministic Seoul seed (1,126 projects, ₩7,661,500 million) into an empty registry."""
    from cg_registry.seed.loader import SeedRefused, seed_database

    settings = get_settings()
    try:
        result = asyncio.run(
            seed_database(settings.database_url, scale=scale, emit_events=events, if_empty=if_empty)
        )
    except SeedRefused as exc:
        typer.echo(f"registry seed refused: {exc}", err=True)
        raise typer.Exit(code=1) from exc
    except Exception as exc:
        if not is_schema_missing(exc):
            raise
        typer.echo("registry seed: the database has no schema yet; run `cg-registry migrate` first", err=True)
        raise typer.Exit(code=1) from None
    if result.skipped:
        typer.echo("registry seed: projects already present, nothing done")
        return
    typer.echo(
        f"registry seed: {result.projects} projects, {result.funding_lines} funding lines, "
        f"{result.assessments} assessments, ₩{result.total_krw:,}, {result.events} events; "
        f"generated in {result.generate_seconds:.2f}s, inserted in {result.insert_seconds:.2f}s "
        f"({result.rows_per_second:,.0f} projects/s)"
    )


@app.command("duplicates-scan")
def duplicates_scan(
    events: Annotated[
        bool, typer.Option("--events/--no-events", help="Raise project.duplicate_suspected for new pairs")
    ] = True,
    record: Annotated[
        bool, typer.Option("--record/--dry-run", help="Remember suspected pairs (dry run: only count)")
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON")] = False,
) -> None:
    """Scan every project for suspected duplicates (blocked; 100k projects in seconds)."""
    from cg_registry.duplicates.service import scan_database

    settings = get_settings()
    summary = asyncio.run(scan_database(settings.database_url, emit=events and record, record=record))
    if as_json:
        typer.echo(json.dumps(summary.model_dump()))
        return
    typer.echo(
        f"duplicates-scan: {summary.projects} projects in {summary.blocks} blocks, "
        f"{summary.comparisons:,} comparisons, {summary.candidates:,} candidates, "
        f"{summary.suspected_pairs} suspected pairs ({summary.new_pairs} new); "
        f"load {summary.load_seconds:.2f}s + scan {summary.scan_seconds:.2f}s = {summary.total_seconds:.2f}s"
    )
