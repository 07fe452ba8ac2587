"""Fixtures of the budget service tests: a migrated database per test, ``app``, ``client`` (the core
fixtures every service's tests have) and ``kit``, helpers that drive the API like a frontend or borough
IT would (over the shared test kit, :mod:`cg_shared.testing.kit`)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from cg_budget.main import create_app
from cg_budget.settings import BudgetSettings
from cg_shared.events.planning import PlanAdopted, PlanItemData, ProgramCodes, YearlyAmount
from cg_shared.testing.helpers import auth, migrate
from cg_shared.testing.kit import app_client, outbox_rows, outbox_types

BOROUGH = "11200"  # 성동구
OTHER = "11680"  # 강남구
FY = 2030  # far enough ahead that the real-date calendar sweep never touches test cycles

OFFICER = auth("borough_officer", BOROUGH, sub="officer-seongdong")
OTHER_OFFICER = auth("borough_officer", OTHER, sub="officer-gangnam")
ADMIN = auth("smg_admin", sub="admin-city")


def resident(n: int, sgg: str = BOROUGH) -> dict[str, str]:
    return auth("resident", sgg, sub=f"resident-{n}")


def settings_for(url: str, **extra: Any) -> BudgetSettings:
    values: dict[str, Any] = {
        "database_url": url,
        "log_json": False,
        "run_relay": False,
        "run_consumer": False,
        "calendar_sweep_enabled": False,
        "kafka_bootstrap_servers": "127.0.0.1:1",
    }
    values.update(extra)
    return BudgetSettings(**values)


@pytest.fixture
async def budget_url(database_factory: Callable[[str], Any], db_backend: str) -> str:
    url: str = await database_factory(db_backend)
    await migrate("budget", url)
    return url


@pytest.fixture
async def sqlite_url(database_factory: Callable[[str], Any]) -> str:
    url: str = await database_factory("sqlite")
    await migrate("budget", url)
    return url


@pytest.fixture
async def pg_url(database_factory: Callable[[str], Any]) -> str:
    url: str = await database_factory("postgresql")
    await migrate("budget", url)
    return url


@pytest.fixture
async def app(budget_url: str) -> AsyncIterator[FastAPI]:
    application = create_app(settings_for(budget_url))
    yield application
    await application.state.engine.dispose()


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(app) as c:
        yield c


def plan_adopted(
    *,
    items: int = 3,
    sgg: str = BOROUGH,
    fiscal_year: int = FY,
    amounts: list[int] | None = None,
    plan_id: str | None = None,
) -> PlanAdopted:
    amounts = amounts or [30_000_000, 20_000_000, 50_000_000, 10_000_000, 25_000_000][:items]
    return PlanAdopted(
        plan_id=plan_id or f"plan-{uuid.uuid4().hex[:8]}",
        sgg_code=sgg,
        kind="annual",
        fiscal_year=fiscal_year,
        title_ko="2030 성동구 지역사회혁신계획",
        decision_id=f"decision-{uuid.uuid4().hex[:6]}",
        items=[
            PlanItemData(
                item_id=f"item-{uuid.uuid4().hex[:10]}",
                title_ko=f"협치사업 {i + 1}",
                origin="resident" if i % 2 == 0 else "department",
                requested_budget=[YearlyAmount(fiscal_year=fiscal_year, amount_krw=amounts[i])],
                program_codes=ProgramCodes(
                    account="일반회계",
                    field="080",
                    sector="084",
                    policy_program="민관협치 활성화",
                    unit_program="지역사회혁신계획 추진",
                    detail_program=f"협치사업 {i + 1}",
                ),
                linked_project_ids=[f"project-{i + 1}"],
            )
            for i in range(items)
        ],
    )


class Kit:
    """API steps shared by the tests (each asserts its own success)."""

    def __init__(self, client: httpx.AsyncClient, app: FastAPI) -> None:
        self.client = client
        self.app = app

    async def open_cycle(
        self, sgg: str = BOROUGH, fiscal_year: int = FY, headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        r = await self.client.post(
            "/v1/cycles", json={"sgg_code": sgg, "fiscal_year": fiscal_year}, headers=headers or OFFICER
        )
        assert r.status_code == 201, r.text
        return dict(r.json())

    async def move(
        self, cycle_id: str, to: str, on: str | None = None, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        body: dict[str, Any] = {"to": to}
        if on:
            body["effective_on"] = on
        return await self.client.post(
            f"/v1/cycles/{cycle_id}/transitions", json=body, headers=headers or OFFICER
        )

    async def to_allocation(self, cycle_id: str) -> None:
        for state in ("REQUESTS", "ALLOCATION"):
            r = await self.move(cycle_id, state)
            assert r.status_code == 200, r.text

    async def set_envelope(
        self, cycle_id: str, kind: str, amount: int, headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        current = await self.client.get(f"/v1/cycles/{cycle_id}/envelopes")
        existing = [e for e in current.json() if e["kind"] == kind]
        extra = {"If-Match": f'W/"{existing[0]["version"]}"'} if existing else {}
        r = await self.client.put(
            f"/v1/cycles/{cycle_id}/envelopes/{kind}",
            json={"amount_krw": amount},
            headers={**(headers or (ADMIN if kind == "smg_grant" else OFFICER)), **extra},
        )
        assert r.status_code == 200, r.text
        return dict(r.json())

    async def adopt_plan(self, payload: PlanAdopted) -> list[str]:
        """Apply PlanAdopted the way the consumer does (its own transaction)."""
        from cg_budget.budget_requests import service as requests_service

        async with self.app.state.sessions() as session, session.begin():
            return await requests_service.open_from_plan(session=session, payload=payload)

    async def count(self, table: str, where: str = "1=1") -> int:
        async with self.app.state.sessions() as session:
            return int(
                (await session.execute(text(f"SELECT count(*) FROM {table} WHERE {where}"))).scalar_one()
            )

    async def outbox_types(self) -> list[str]:
        return await outbox_types(self.app)

    async def outbox_payloads(self, event_type_suffix: str) -> list[dict[str, Any]]:
        return await outbox_rows(self.app, event_type_suffix)


@pytest.fixture
def kit(client: httpx.AsyncClient, app: FastAPI) -> Kit:
    return Kit(client, app)
