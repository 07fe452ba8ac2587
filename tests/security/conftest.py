"""Fixtures of the security suites: each service in-process on its own PostgreSQL database with a seeded
world, plus a snapshot of everything its database holds (to prove a refused request wrote nothing)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from cg_shared.testing.helpers import migrate
from tests.contract.apps import build_app, openapi_of
from tests.contract.world import SEEDERS, World

# Not state a request can change. idempotency_keys is compared too: a refused request must not leave a
# remembered answer behind (only successes are replayed).
NOT_RECORDS = {"alembic_version"}


@dataclass
class ServiceUnderTest:
    service: str
    app: FastAPI
    client: httpx.AsyncClient
    spec: dict[str, Any]
    world: World
    database_url: str = ""
    tables: list[str] = field(default_factory=list)

    async def snapshot(self) -> dict[str, tuple[int, str]]:
        """Row count and a digest of the content of every table: any insert, update or delete shows."""
        # Table names come from pg_tables, never from a request.
        parts = [
            f"SELECT '{t}' AS name, count(*) AS n, "
            f"md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS digest FROM \"{t}\" x"
            for t in self.tables
        ]
        async with self.app.state.engine.connect() as conn:
            rows = (await conn.execute(text(" UNION ALL ".join(parts)))).all()
        return {r.name: (int(r.n), str(r.digest)) for r in rows}


ServiceFactory = Callable[[str], Awaitable[ServiceUnderTest]]


@pytest.fixture(scope="session")
async def service_under_test(database_factory) -> AsyncIterator[ServiceFactory]:
    """``await service_under_test("registry")`` → the service with its seeded world (built once)."""
    built: dict[str, ServiceUnderTest] = {}

    async def get(service: str) -> ServiceUnderTest:
        if service in built:
            return built[service]
        url = await database_factory("postgresql")
        await migrate(service, url)
        app = build_app(service, url)
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
            base_url="http://testserver",
            timeout=60,
        )
        spec = openapi_of(service)
        world = await SEEDERS[service](client, spec)
        async with app.state.engine.connect() as conn:
            names = (
                await conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
            ).scalars()
            tables = sorted(n for n in names if n not in NOT_RECORDS)
        built[service] = ServiceUnderTest(service, app, client, spec, world, url, tables)
        return built[service]

    yield get
    for sut in built.values():
        await sut.client.aclose()
        await sut.app.state.engine.dispose()
