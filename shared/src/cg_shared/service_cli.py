"""The console script every service shares: ``cg-<service> serve | migrate`` (+ service commands)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from cg_shared.settings import ServiceSettings

# uvicorn, the migrations and the settings are imported by the commands that use them, so that a
# service's own light commands (and ``--help``) do not pay for them.


def make_service_cli(
    *,
    service: str,
    service_dir: Path,
    settings_factory: Callable[..., ServiceSettings],
    app_factory: Callable[..., Any],
    default_port: int,
) -> typer.Typer:
    cli = typer.Typer(add_completion=False, help=f"The {service} service of the Seoul CG platform.")

    @cli.command()
    def serve(
        host: Annotated[str, typer.Option(help="Bind address")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="Port")] = default_port,
        migrate: Annotated[bool, typer.Option(help="Run `alembic upgrade head` first")] = True,
    ) -> None:
        """Run the API, outbox relay and event consumer (as enabled by CG_RUN_*)."""
        import uvicorn

        from cg_shared.migrations import upgrade

        settings = settings_factory()
        if migrate:
            upgrade(service_dir, settings)
        uvicorn.run(
            app_factory(settings),
            host=host,
            port=port,
            root_path=settings.root_path,
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=10,
            # The client address (rate limits per address) comes from X-Forwarded-For only when the
            # connection is from one of these proxies (the ingress controller's addresses in a cluster).
            proxy_headers=True,
            forwarded_allow_ips=settings.forwarded_allow_ips,
        )

    @cli.command()
    def migrate() -> None:
        """Apply database migrations (alembic upgrade head)."""
        from cg_shared.migrations import upgrade

        upgrade(service_dir, settings_factory())
        typer.echo(f"{service}: database at head")

    return cli
