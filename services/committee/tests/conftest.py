"""Fixtures for the committee service tests: a migrated database per module (PostgreSQL and SQLite),
``app`` without its lifespan (no broker: outbox rows stay in the table for the tests to read),
``client`` speaking to it in process, and ``kit``, API steps the way a secretariat frontend takes them
(the shared test kit, :mod:`cg_shared.testing.kit`, underneath)."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from cg_committee.main import create_app
from cg_committee.settings import CommitteeSettings
from cg_shared.clock import SEOUL, now_utc, seoul_date, today_seoul
from cg_shared.districts import DISTRICTS
from cg_shared.events import CloudEvent, make_event
from cg_shared.events.planning import PlanSubmitted
from cg_shared.testing.helpers import auth, migrate
from cg_shared.testing.kit import app_client, audit_actions, audit_count, outbox_messages


def committee_settings(url: str, **extra: Any) -> CommitteeSettings:
    return CommitteeSettings(
        database_url=url,
        log_json=False,
        term_sweep_interval_s=0,  # tests sweep explicitly
        kafka_bootstrap_servers=extra.pop("kafka_bootstrap_servers", "127.0.0.1:9"),
        **extra,
    )


@pytest.fixture(scope="module", params=["postgresql", "sqlite"])
async def app(request: pytest.FixtureRequest, database_factory: Any) -> AsyncIterator[FastAPI]:
    url = await database_factory(request.param)
    await migrate("committee", url)
    app = create_app(committee_settings(url))
    yield app
    await app.state.engine.dispose()


@pytest.fixture(scope="module")
def boroughs() -> Iterator[str]:
    """Each test takes its own borough: one committee per borough, and the module shares a database."""
    return itertools.cycle(sorted(DISTRICTS))


class Api:
    """Thin helpers over the public API (each call asserts the status it expects)."""

    def __init__(self, client: httpx.AsyncClient, app: FastAPI) -> None:
        self.client = client
        self.app = app

    @staticmethod
    def writer(sgg: str) -> dict[str, str]:
        return auth("committee_secretary", sgg, sub=f"secretary-{sgg}")

    async def call(self, method: str, url: str, *, expect: int, **kw: Any) -> Any:
        response = await self.client.request(method, url, **kw)
        assert response.status_code == expect, f"{method} {url}: {response.status_code} {response.text}"
        if response.headers.get("content-type", "").startswith(("application/json", "application/problem")):
            return response.json()
        return response

    async def committee(
        self, sgg: str, *, established_on: str = "2020-01-01", **ordinance: Any
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "sgg_code": sgg,
            "name_ko": f"{DISTRICTS[sgg].name_ko} 민관협치위원회",
            "name_en": f"{DISTRICTS[sgg].name_en} CG Committee",
            "established_on": established_on,
        }
        if ordinance:
            body["ordinance"] = ordinance
        return await self.call("POST", "/v1/committees", json=body, headers=self.writer(sgg), expect=201)  # type: ignore[no-any-return]

    async def appoint(
        self, committee: dict[str, Any], seat_kind: str, *, expect: int = 201, **fields: Any
    ) -> dict[str, Any]:
        body = {"name_ko": fields.pop("name_ko", f"{seat_kind} 위원"), "seat_kind": seat_kind, **fields}
        return await self.call(  # type: ignore[no-any-return]
            "POST",
            f"/v1/committees/{committee['id']}/members",
            json=body,
            headers=self.writer(committee["sgg_code"]),
            expect=expect,
        )

    async def seat(
        self, committee: dict[str, Any], civilians: int, officials: int, **fields: Any
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Civilians first, so the civilian majority holds at every step."""
        civ = [
            await self.appoint(committee, "civilian_appointed", name_ko=f"민간위원{i:02d}", **fields)
            for i in range(civilians)
        ]
        off = [
            await self.appoint(committee, "official", name_ko=f"공무원위원{i:02d}", **fields)
            for i in range(officials)
        ]
        return civ, off

    async def meeting(
        self, committee: dict[str, Any], *, days_ahead: int | None = None, **fields: Any
    ) -> dict[str, Any]:
        """A meeting ``days_ahead`` days from today at 14:00 (Seoul); by default one that started up to
        an hour ago (today in Seoul) after a week's public notice, so votes cast now are in session."""
        if days_ahead is None:
            midnight = datetime.combine(today_seoul(), time(0, 0), tzinfo=SEOUL)
            starts = max(now_utc() - timedelta(hours=1), midnight)
            fields.setdefault("notice_on", (seoul_date(starts) - timedelta(days=7)).isoformat())
            starts_at = starts.isoformat()
        else:
            starts_at = f"{(today_seoul() + timedelta(days=days_ahead)).isoformat()}T14:00:00+09:00"
        body = {
            "title_ko": fields.pop("title_ko", "정기회의"),
            "starts_at": starts_at,
            "location": "구청 대회의실",
            **fields,
        }
        return await self.call(  # type: ignore[no-any-return]
            "POST",
            f"/v1/committees/{committee['id']}/meetings",
            json=body,
            headers=self.writer(committee["sgg_code"]),
            expect=201,
        )

    async def attendance(
        self, committee: dict[str, Any], meeting_id: str, entries: list[dict[str, Any]], *, expect: int = 200
    ) -> Any:
        current = await self.client.get(f"/v1/meetings/{meeting_id}/attendance")
        headers = {**self.writer(committee["sgg_code"]), "If-Match": current.headers["ETag"]}
        return await self.call(
            "PUT",
            f"/v1/meetings/{meeting_id}/attendance",
            json={"entries": entries},
            headers=headers,
            expect=expect,
        )

    async def outbox_count(self, event_type_suffix: str) -> int:
        return len(await outbox_messages(self.app, event_type_suffix))

    async def outbox_payloads(self, event_type_suffix: str) -> list[str]:
        return await outbox_messages(self.app, event_type_suffix)

    async def audit_actions(self, entity_id: str) -> list[str]:
        return await audit_actions(self.app, entity_id)

    async def audit_total(self) -> int:
        return await audit_count(self.app)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(app) as c:
        yield c


@pytest.fixture
def kit(client: httpx.AsyncClient, app: FastAPI) -> Api:
    return Api(client, app)


def _plan_event(plan_id: str, sgg: str = "11200", *, partners: list[str] | None = None) -> CloudEvent:
    """A PlanSubmitted event as the planning service's relay would publish it."""
    payload = PlanSubmitted(
        plan_id=plan_id,
        sgg_code=sgg,
        kind="annual",
        fiscal_year=2027,
        title_ko="2027년 성동구 지역사회혁신계획 실행계획(안)",
        submitted_at=datetime.now(UTC),
        applicant_organisations=["성동구 마을공동체지원센터"],
        partner_organisations=partners if partners is not None else ["성동마을넷"],
        item_count=12,
    )
    return make_event(payload, subject=plan_id)


@pytest.fixture
def plan_event() -> Callable[..., CloudEvent]:
    return _plan_event
