"""Console script `cg-budget`: serve, migrate, and the service's own commands.

``cg-budget pb-outcome …`` is dispatched before anything else is imported: the allocation engine's
command needs neither FastAPI, SQLAlchemy, the service's settings nor Typer, so it starts at once.
Every other command goes through the Typer app shared by all services (:mod:`cg_shared.service_cli`).
"""

from __future__ import annotations

import sys
from functools import cache

# `typing` is not imported at run time: it is a noticeable part of the start-up of `pb-outcome --help`
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    import typer

    from cg_shared.settings import ServiceSettings


def main(argv: Sequence[str] | None = None) -> None:
    """The ``cg-budget`` console script."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["pb-outcome"]:
        from cg_budget.allocation.cli import main as pb_outcome

        raise SystemExit(pb_outcome(args[1:]))
    build_app()(args=args, prog_name="cg-budget")


def _settings() -> ServiceSettings:
    from cg_budget.settings import get_settings

    return get_settings()


def _create_app(*args: Any, **kwargs: Any) -> Any:
    from cg_budget.main import create_app

    return create_app(*args, **kwargs)


@cache
def build_app() -> typer.Typer:
    """The Typer app: ``serve``, ``migrate`` and ``pb-outcome`` (for ``--help`` and tests)."""
    from pathlib import Path

    from cg_budget.allocation import typer_command
    from cg_shared.service_cli import make_service_cli

    app = make_service_cli(
        service="budget",
        service_dir=Path(__file__).resolve().parents[2],
        settings_factory=_settings,
        app_factory=_create_app,
        default_port=8004,
    )
    # `cg-budget pb-outcome FILE.pb --rule …`: the allocation engine's command.
    typer_command.register(app)
    return app


def __getattr__(name: str) -> Any:
    if name == "app":
        return build_app()
    raise AttributeError(name)
