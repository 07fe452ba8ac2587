"""Console script `cg-committee`: serve, migrate, and the service's own commands."""

from __future__ import annotations

from pathlib import Path

from cg_shared.service_cli import make_service_cli

from cg_committee.main import create_app
from cg_committee.settings import get_settings

SERVICE_DIR = Path(__file__).resolve().parents[2]

app = make_service_cli(
    service="committee",
    service_dir=SERVICE_DIR,
    settings_factory=get_settings,
    app_factory=create_app,
    default_port=8002,
)
