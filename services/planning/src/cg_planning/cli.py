"""Console script `cg-planning`: serve, migrate, and the service's own commands."""

from __future__ import annotations

from pathlib import Path

from cg_shared.service_cli import make_service_cli

from cg_planning.main import create_app
from cg_planning.settings import get_settings

SERVICE_DIR = Path(__file__).resolve().parents[2]

app = make_service_cli(
    service="planning",
    service_dir=SERVICE_DIR,
    settings_factory=get_settings,
    app_factory=create_app,
    default_port=8003,
)
