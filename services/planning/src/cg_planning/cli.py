"""Console script `cg-planning`: serve, migrate, and the service's own commands."""

from __future__ import annotations

from pathlib import Path

from cg_planning.main import create_app
from cg_planning.settings import get_settings
from cg_shared.service_cli import make_service_cli

SERVICE_DIR = Path(__file__).resolve().parents[2]

app = make_service_cli(
    service="planning",
    service_dir=SERVICE_DIR,
    settings_factory=get_settings,
    app_factory=create_app,
    default_port=8003,
)


@app.command()
def workflow() -> None:
    """Print the plan state machine: every allowed transition, its trigger, actor and guard."""
    from rich.console import Console
    from rich.table import Table

    from cg_planning.plans.workflow import TRANSITIONS

    table = Table(title="Plan workflow (anything not listed is refused with 409)")
    for column in ("from", "to", "via", "actor", "guard"):
        table.add_column(column)
    for t in TRANSITIONS:
        table.add_row(t.source.value, t.target.value, t.via, t.actor.value, t.guard_text)
    Console().print(table)
