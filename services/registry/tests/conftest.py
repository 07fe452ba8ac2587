"""Fixtures of the registry tests: ``app`` and ``client`` (the core fixtures every service's tests have),
migrated (and seeded) databases per backend for tests that need a particular one, and the shared test kit's
event helpers (:mod:`cg_shared.testing.kit`)."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from cg_registry.main import create_app
from cg_registry.seed.loader import seed_database
from cg_registry.settings import RegistrySettings
from cg_shared.events.envelope import CloudEvent
from cg_shared.testing.helpers import auth, migrate
from cg_shared.testing.kit import app_client

# Re-exported for the test files, which reach them as ``reg.deliver(...)`` and so on.
from cg_shared.testing.kit import consumer_for as consumer_for
from cg_shared.testing.kit import deliver as deliver
from cg_shared.testing.kit import outbox_rows as outbox_rows
from cg_shared.testing.kit import record_of as record_of

SGG = "11200"  # 성동구
OTHER_SGG = "11620"  # 관악구
OFFICER = auth("borough_officer", SGG, sub="officer-seongdong")
OTHER_OFFICER = auth("borough_officer", OTHER_SGG, sub="officer-gwanak")
SECRETARY = auth("committee_secretary", SGG, sub="secretary-seongdong")
ADMIN = auth("smg_admin", sub="smg-admin")
RESIDENT = auth("resident", sub="resident-kim")
UNUSED_BROKER = "127.0.0.1:9"  # never dialled: these apps run without their lifespan


@pytest.fixture
def reg() -> Any:
    """This module, so test files reach the helpers as ``reg.OFFICER`` (importlib mode: no sibling imports)."""
    return sys.modules[__name__]


def make_app(url: str) -> FastAPI:
    return create_app(
        RegistrySettings(database_url=url, kafka_bootstrap_servers=UNUSED_BROKER, log_json=False)
    )


@asynccontextmanager
async def api(url: str) -> AsyncIterator[httpx.AsyncClient]:
    """An in-process client of a registry app on ``url`` (no relay/consumer); disposes the engine after.

    For a test that needs a particular database (the seeded one, one shared by a module); otherwise the
    ``client`` fixture."""
    app = make_app(url)
    try:
        async with app_client(app, base_url="http://registry", timeout_s=60) as client:
            client.app = app  # type: ignore[attr-defined]
            yield client
    finally:
        await app.state.engine.dispose()


FreshDb = Callable[[str], Awaitable[str]]


@pytest.fixture(scope="session")
def fresh_db(database_factory: Any) -> FreshDb:
    """``await fresh_db("postgresql" | "sqlite")`` → URL of a new migrated, empty registry database."""

    async def make(backend: str) -> str:
        url: str = await database_factory(backend)
        await migrate("registry", url)
        return url

    return make


@pytest.fixture(scope="session")
def seeded_db(fresh_db: FreshDb) -> Callable[[str], Awaitable[str]]:
    """``await seeded_db(backend)`` → a migrated database holding the default seed, made once per session.

    Read-only by convention: tests that write use :func:`fresh_db` (the seed's figures must stay exact).
    """
    cache: dict[str, str] = {}

    async def get(backend: str) -> str:
        if backend not in cache:
            url = await fresh_db(backend)
            result = await seed_database(url)
            assert result.projects == 1126
            cache[backend] = url
        return cache[backend]

    return get


@pytest.fixture
async def app(fresh_db: FreshDb, db_backend: str) -> AsyncIterator[FastAPI]:
    """The registry app on a new migrated, empty database of each backend (no lifespan)."""
    application = make_app(await fresh_db(db_backend))
    yield application
    await application.state.engine.dispose()


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(app, base_url="http://registry", timeout_s=60) as c:
        yield c


def project_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title_ko": "성수동 청년 마을활동가 양성 지원사업",
        "title_en": "Seongsu-dong young village activist training",
        "summary_ko": "성수동 청년이 마을활동가로 성장하도록 돕는 사업",
        "sgg_code": SGG,
        "lead_department": "성동구 청년정책과",
        "partners": [
            {"name": "성수마을넷", "kind": "civic_group", "role": "operator"},
            {"name": "성동구 자원봉사센터", "kind": "public_institution", "role": "advisor"},
        ],
        "origin": "civic_group",
        "policy_field": "youth",
        "target_groups": ["청년"],
        "start_date": "2025-03-01",
        "end_date": "2026-02-28",
        "status": "planned",
        "funding_lines": [
            {"source": "smg_grant", "fiscal_year": 2025, "amount_krw": 120_000_000},
            {"source": "borough", "fiscal_year": 2025, "amount_krw": 30_000_000},
        ],
    }
    body.update(overrides)
    return body


async def deliver_allocation(
    app: FastAPI,
    *,
    plan_item_id: str,
    amount_krw: int,
    allocation_id: str = "alloc-1",
    request_id: str = "req-1",
) -> CloudEvent:
    """A finalised 2026 borough allocation of one line naming ``plan_item_id`` (the registry adds a line)."""
    from cg_shared.events.budget import AllocationFinalized, AllocationLine

    allocation = AllocationFinalized(
        allocation_id=allocation_id,
        cycle_id="cycle-2026",
        sgg_code=SGG,
        fiscal_year=2026,
        method="election:mes",
        total_krw=amount_krw,
        lines=[
            AllocationLine(
                request_id=request_id, plan_item_id=plan_item_id, source="borough", amount_krw=amount_krw
            )
        ],
    )
    return await deliver(app, allocation, subject=allocation_id)
