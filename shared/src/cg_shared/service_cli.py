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

# With CG_WORKERS > 1 uvicorn starts each worker process from an import string: the parent names the
# service's factories in these variables, which the workers inherit (see :func:`worker_app`).
_APP_FACTORY_ENV = "_CG_SERVE_APP_FACTORY"
_SETTINGS_FACTORY_ENV = "_CG_SERVE_SETTINGS_FACTORY"


def _import(path: str) -> Any:
    import importlib

    module, _, name = path.partition(":")
    target: Any = importlib.import_module(module)
    for part in name.split("."):
        target = getattr(target, part)
    return target


def worker_app() -> Any:
    """The app of one uvicorn worker process (``CG_WORKERS`` > 1): the serving command's own factories."""
    import os

    settings = _import(os.environ[_SETTINGS_FACTORY_ENV])()
    return _import(os.environ[_APP_FACTORY_ENV])(settings)


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
        options: dict[str, Any] = {
            "host": host,
            "port": port,
            "root_path": settings.root_path,
            "log_config": None,
            "access_log": False,
            "timeout_graceful_shutdown": 10,
            # The client address (rate limits per address) comes from X-Forwarded-For only when the
            # connection is from one of these proxies (the ingress controller's addresses in a cluster).
            "proxy_headers": True,
            "forwarded_allow_ips": settings.forwarded_allow_ips,
        }
        if settings.workers > 1:
            # Several processes share the port (uvicorn binds one socket and every worker accepts on it;
            # its supervisor restarts a worker that dies). Each runs the whole app: API, and the relay and consumer
            # when enabled — the relay's lease lets one of them publish at a time, the consumers share
            # the group's partitions. Each worker has its own database pool (CG_DB_POOL_SIZE each).
            import os

            os.environ[_APP_FACTORY_ENV] = f"{app_factory.__module__}:{app_factory.__qualname__}"
            os.environ[_SETTINGS_FACTORY_ENV] = (
                f"{settings_factory.__module__}:{settings_factory.__qualname__}"
            )
            # A worker imports the whole service before it answers the supervisor's health pings; on a
            # busy machine that takes longer than uvicorn's 5 s default, and it would kill the worker.
            uvicorn.run(
                "cg_shared.service_cli:worker_app",
                factory=True,
                workers=settings.workers,
                timeout_worker_healthcheck=60,
                **options,
            )
        else:
            uvicorn.run(app_factory(settings), **options)

    @cli.command()
    def migrate() -> None:
        """Apply database migrations (alembic upgrade head)."""
        from cg_shared.migrations import upgrade

        upgrade(service_dir, settings_factory())
        typer.echo(f"{service}: database at head")

    return cli
