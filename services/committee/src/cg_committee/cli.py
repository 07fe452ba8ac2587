"""Console script `cg-committee`: serve, migrate, and the service's own commands."""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer
from fastapi import FastAPI

from cg_committee.main import create_app
from cg_committee.settings import CommitteeSettings, get_settings
from cg_committee.sweep import sweep_all_committees
from cg_shared.service_cli import make_service_cli
from cg_shared.settings import ServiceSettings

SERVICE_DIR = Path(__file__).resolve().parents[2]


def _app(settings: ServiceSettings) -> FastAPI:
    return create_app(settings if isinstance(settings, CommitteeSettings) else get_settings())


app = make_service_cli(
    service="committee",
    service_dir=SERVICE_DIR,
    settings_factory=get_settings,
    app_factory=_app,
    default_port=8002,
)


@app.command("term-sweep")
def term_sweep() -> None:
    """Report ended terms of every committee now (member.term_ended, once per term)."""

    async def run() -> int:
        application = create_app(get_settings())
        try:
            return await sweep_all_committees(application)
        finally:
            await application.state.engine.dispose()

    typer.echo(f"committee: {asyncio.run(run())} ended term(s) reported")
