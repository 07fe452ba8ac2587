"""Console script `cg-budget`: serve, migrate, and the service's own commands."""

from __future__ import annotations

from pathlib import Path

from cg_budget.allocation import commands as allocation_commands
from cg_budget.main import create_app
from cg_budget.settings import get_settings
from cg_shared.service_cli import make_service_cli

SERVICE_DIR = Path(__file__).resolve().parents[2]

app = make_service_cli(
    service="budget",
    service_dir=SERVICE_DIR,
    settings_factory=get_settings,
    app_factory=create_app,
    default_port=8004,
)
# `cg-budget pb-outcome FILE.pb --rule …`: the allocation engine's command.
allocation_commands.register(app)
