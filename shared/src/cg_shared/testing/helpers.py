"""Helpers for tests: tokens, running an app with its lifespan, polling with a deadline."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx
from fastapi import FastAPI

from cg_shared.auth import mint_dev_token
from cg_shared.settings import DEFAULT_DEV_SECRET

T = TypeVar("T")


def repo_root() -> Path:
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "uv.lock").exists() and (parent / "services").is_dir():
            return parent
    raise RuntimeError("repository root not found")


def shared_data_dir() -> Path:
    import os

    env = os.environ.get("CG_SHARED_DATA")
    return Path(env) if env else repo_root().parent / "shared" / "data"


def token(role: str, sgg_code: str | None = None, *, secret: str = DEFAULT_DEV_SECRET, **claims: Any) -> str:
    return mint_dev_token(secret=secret, role=role, sgg_code=sgg_code, **claims)


def auth(role: str, sgg_code: str | None = None, **claims: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(role, sgg_code, **claims)}"}


@contextlib.asynccontextmanager
async def running_app(
    app: FastAPI, *, base_url: str = "http://testserver"
) -> AsyncIterator[httpx.AsyncClient]:
    """Run the app's lifespan (relay + consumer tasks) and give an in-process HTTP client."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=base_url, timeout=30) as client:
            yield client


async def eventually(
    probe: Callable[[], Awaitable[T]],
    *,
    until: Callable[[T], bool] = bool,
    timeout_s: float = 15.0,
    interval_s: float = 0.05,
    what: str = "condition",
) -> T:
    """Poll ``probe`` until ``until(result)`` holds; fail with the last result after the deadline."""
    deadline = time.monotonic() + timeout_s
    while True:
        last: T = await probe()
        if until(last):
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s}s waiting for {what}; last value: {last!r}")
        await asyncio.sleep(interval_s)


def service_dir(service: str) -> Path:
    return repo_root() / "services" / service


async def migrate(service: str, database_url: str) -> None:
    """``alembic upgrade head`` of ``service`` against ``database_url`` (in a worker thread)."""
    from cg_shared.migrations import upgrade_async

    await upgrade_async(service_dir(service), database_url)


def settings_env(database_url: str, bootstrap: str, **extra: str) -> dict[str, str]:
    """Keyword arguments for a service's Settings class in tests (fast relay, plain logs)."""
    return {
        "database_url": database_url,
        "kafka_bootstrap_servers": bootstrap,
        "log_json": "false",
        **extra,
    }
