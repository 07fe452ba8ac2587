"""Fixtures and helpers of the planning tests: ``app`` per database backend and ``client`` (the core
fixtures every service's tests have), event delivery from the shared kit, API steps."""

from __future__ import annotations

import itertools
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from cg_planning.main import create_app
from cg_planning.settings import PlanningSettings
from cg_shared.clock import now_utc
from cg_shared.events.committee import DecisionRecorded, Tally
from cg_shared.testing.helpers import auth, migrate
from cg_shared.testing.kit import app_client

# Re-exported for the test files, which reach them as ``pl.consume(...)`` and so on.
from cg_shared.testing.kit import consume as consume
from cg_shared.testing.kit import event_record as event_record
from cg_shared.testing.kit import outbox_rows as outbox_rows
from cg_shared.testing.kit import record_of as record_of

SGG = "11200"  # 성동구
OTHER_SGG = "11620"  # 관악구
# Long-lived: tests travel (time_machine) into the plans' fiscal years to evaluate them.
LONG_TTL_S = 100 * 365 * 86400
OFFICER = auth("borough_officer", SGG, sub="officer-seongdong", ttl_s=LONG_TTL_S)
OTHER_OFFICER = auth("borough_officer", OTHER_SGG, sub="officer-gwanak", ttl_s=LONG_TTL_S)
ADMIN = auth("smg_admin", sub="smg-admin", ttl_s=LONG_TTL_S)

_years = itertools.count()


def fresh_term() -> int:
    """A first year no other master plan of the module's database uses (terms must not overlap)."""
    year = 2030 + 3 * next(_years)
    assert year <= 2098, "too many master plans in one test module's database"
    return year


def resident(sub: str, **claims: Any) -> dict[str, str]:
    return auth("resident", sub=sub, **claims)


@pytest.fixture
def pl() -> Any:
    """This module: test files reach the helpers as ``pl.create_master(...)`` (importlib mode has no
    sibling imports)."""
    return sys.modules[__name__]


@pytest.fixture(scope="module", params=["postgresql", "sqlite"])
async def app(request: pytest.FixtureRequest, database_factory: Any) -> AsyncIterator[FastAPI]:
    """One migrated database per backend and test module (no lifespan: no broker needed)."""
    global _years
    _years = itertools.count()  # a fresh database has no master plans yet: start the terms again
    url = await database_factory(request.param)
    await migrate("planning", url)
    # The bootstrap address is never dialled: these tests feed events through EventConsumer.process.
    app = create_app(
        PlanningSettings(database_url=url, kafka_bootstrap_servers="127.0.0.1:9", log_json=False)
    )
    yield app
    await app.state.engine.dispose()


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(app, base_url="http://planning") as c:
        yield c


# --- events (record_of, event_record, consume, outbox_rows: cg_shared.testing.kit) ---------------------------------------------------------------------------------------


def decision(
    plan_id: str,
    *,
    outcome: str = "adopted",
    valid: bool = True,
    sgg_code: str = SGG,
    reasons: list[str] | None = None,
) -> DecisionRecorded:
    return DecisionRecorded(
        decision_id=str(uuid.uuid4()),
        committee_id="committee-" + sgg_code,
        meeting_id=str(uuid.uuid4()),
        sgg_code=sgg_code,
        subject_kind="plan",
        subject_id=plan_id,
        outcome=outcome,
        valid=valid,
        reasons=reasons or [],
        tally=Tally(seated=30, present=22 if valid else 12, yes=18, no=3, abstain=1),
        decided_at=now_utc(),
    )


# --- API steps ------------------------------------------------------------------------------------


@dataclass
class DraftedPlan:
    master_id: str
    plan_id: str
    fiscal_year: int
    item_ids: list[str]


async def create_master(
    client: httpx.AsyncClient, *, sgg: str = SGG, headers: dict[str, str] = OFFICER
) -> dict[str, Any]:
    start = fresh_term()
    r = await client.post(
        "/v1/plans",
        json={
            "sgg_code": sgg,
            "kind": "master",
            "title_ko": f"성동구 민관협치 활성화 기본계획 {start}-{start + 2}",
            "term_start_year": start,
            "themes": ["마을공동체", "청년"],
            "coordinator": {"name": "김협치", "organisation": "성동구 협치지원단"},
        },
        headers=headers,
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


async def create_annual(
    client: httpx.AsyncClient, master: dict[str, Any], *, offset: int = 1, headers: dict[str, str] = OFFICER
) -> dict[str, Any]:
    year = master["term_start_year"] + offset
    r = await client.post(
        "/v1/plans",
        json={
            "sgg_code": master["sgg_code"],
            "kind": "annual",
            "master_plan_id": master["id"],
            "fiscal_year": year,
            "title_ko": f"{year} 성동구 지역사회혁신계획 실행계획",
        },
        headers=headers,
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


def item_body(title: str, *, year: int, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title_ko": title,
        "policy_field": "community",
        "responsible_department": "마을공동체과",
        "partner_organisations": ["성동청년센터"],
        "target_groups": ["청년"],
        "requested_budget": [{"fiscal_year": year, "amount_krw": 50_000_000}],
        "program_codes": {"account": "일반회계", "field": "080"},
        "kpis": [{"name": "참여 주민 수", "unit": "명", "target": 400}],
    }
    body.update(extra)
    return body


async def add_item(
    client: httpx.AsyncClient, plan_id: str, body: dict[str, Any], headers: dict[str, str] = OFFICER
) -> dict[str, Any]:
    r = await client.post(f"/v1/plans/{plan_id}/items", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def deliberate(
    client: httpx.AsyncClient, item_id: str, *, changed: bool = False, people: int = 30
) -> None:
    body: dict[str, Any] = {
        "kind": "forum",
        "held_on": "2025-05-14",
        "participants_count": people,
        "summary": "동 주민포럼에서 의제 논의",
        "changed_item": changed,
    }
    if changed:
        body["change_summary"] = "운영 주체를 주민 협의체로 변경"
    r = await client.post(f"/v1/items/{item_id}/deliberations", json=body, headers=OFFICER)
    assert r.status_code == 201, r.text


async def move(
    client: httpx.AsyncClient, plan_id: str, to: str, reason: str = "다음 단계로"
) -> httpx.Response:
    return await client.post(
        f"/v1/plans/{plan_id}/transitions", json={"to": to, "reason": reason}, headers=OFFICER
    )


async def drafted_plan(client: httpx.AsyncClient, *, items: int = 2, deliberated: bool = True) -> DraftedPlan:
    """Master + annual plan in DRAFTING with ``items`` items (each deliberated unless told otherwise)."""
    master = await create_master(client)
    annual = await create_annual(client, master)
    ids = []
    for n in range(items):
        item = await add_item(
            client, annual["id"], item_body(f"성수동 청년 공간 조성 {n}", year=annual["fiscal_year"])
        )
        ids.append(item["id"])
        if deliberated:
            await deliberate(client, item["id"], changed=n == 0)
    for to in ("DELIBERATION", "DRAFTING"):
        r = await move(client, annual["id"], to)
        assert r.status_code == 200, r.text
    return DraftedPlan(master["id"], annual["id"], annual["fiscal_year"], ids)
