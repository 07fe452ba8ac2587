"""The list page PostgreSQL builds as JSON equals the pydantic page (same items, values, key order, cursor)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from cg_registry.projects import json_pages, service
from cg_shared.http import PageParams, decode_cursor


def _canonical(body: bytes | str) -> str:
    # Key order is kept by json.loads, so this compares order too; only whitespace is ignored (the stored
    # partners JSON keeps the spacing it was written with).
    return json.dumps(json.loads(body), ensure_ascii=False, separators=(",", ":"))


async def _both(app: Any, filters: service.ProjectFilters, limit: int, cursor: str | None) -> tuple[str, str]:
    page = PageParams(limit=limit, cursor=decode_cursor(cursor))
    async with app.state.sessions() as session:
        built = await json_pages._page_json_postgresql(session, filters=filters, page=page)
        validated = await service.list_projects(session=session, filters=filters, page=page)
    return _canonical(built), _canonical(validated.model_dump_json())


CASES = [
    service.ProjectFilters(),
    service.ProjectFilters(sgg_code="11200"),
    service.ProjectFilters(city_wide=True),
    service.ProjectFilters(status="ongoing"),
    service.ProjectFilters(source="national"),
    service.ProjectFilters(source="smg_grant", city_wide=False),
    service.ProjectFilters(sgg_code="11680", status="ongoing", policy_field="community"),
    service.ProjectFilters(origin="civic_group", has_smg_grant=True),
    service.ProjectFilters(tokenism_risk=False, active_from=date(2025, 1, 1), active_to=date(2025, 12, 31)),
    service.ProjectFilters(policy_field=""),
    service.ProjectFilters(q="마을"),
    service.ProjectFilters(q="마을공동체 지원"),
    service.ProjectFilters(q="village"),
    service.ProjectFilters(q="없는낱말없는"),
]


@pytest.mark.parametrize("filters", CASES, ids=[repr({k: v for k, v in vars(f).items() if v}) for f in CASES])
async def test_postgresql_page_json_equals_the_validated_page(reg: Any, seeded_db: Any, filters: Any) -> None:
    url = await seeded_db("postgresql")
    async with reg.api(url) as client:
        app = client.app  # type: ignore[attr-defined]
        cursor: str | None = None
        pages = 0
        while pages < 4:
            built, validated = await _both(app, filters, 37, cursor)
            assert built == validated
            pages += 1
            cursor = json.loads(built)["next_cursor"]
            if cursor is None:
                break


async def test_page_json_with_partners_lines_and_assessment(reg: Any, fresh_db: Any) -> None:
    url = await fresh_db("postgresql")
    async with reg.api(url) as client:
        body = reg.project_body(
            partners=[{"name": "성수마을넷", "kind": "civic_group", "role": "operator"}],
            target_groups=["청년", "노인"],
            funding_lines=[
                {
                    "source": "smg_grant",
                    "fiscal_year": 2025,
                    "amount_krw": 120_000_000,
                    "budget_line_id": "b-2",
                },
                {"source": "borough", "fiscal_year": 2025, "amount_krw": 30_000_000, "budget_line_id": "B-1"},
                {"source": "borough", "fiscal_year": 2024, "amount_krw": 1, "budget_line_id": "b-2"},
            ],
        )
        created = await client.post("/v1/projects", json=body, headers=reg.OFFICER)
        assert created.status_code == 201, created.text
        await client.post("/v1/projects", json=reg.project_body(title_ko="두 번째 사업"), headers=reg.OFFICER)
        app = client.app  # type: ignore[attr-defined]
        built, validated = await _both(app, service.ProjectFilters(sgg_code=reg.SGG), 1, None)
        assert built == validated
        item = json.loads(built)["items"][0]
        assert item["budget_line_ids"] == ["B-1", "b-2"]
        assert [line["fiscal_year"] for line in item["funding_lines"]] == [2024, 2025, 2025]
        # Through HTTP too: the API serves the built page.
        served = await client.get("/v1/projects", params={"sgg_code": reg.SGG, "limit": 1})
        assert _canonical(served.content) == validated


async def test_list_survives_a_dropped_read_connection(reg: Any, seeded_db: Any) -> None:
    """The read pool has no pre-ping: a connection PostgreSQL closed is replaced on the spot (no 5xx)."""
    url = await seeded_db("postgresql")
    async with reg.api(url) as client:
        first = await client.get("/v1/projects", params={"limit": 3})
        assert first.status_code == 200
        app = client.app  # type: ignore[attr-defined]
        async with app.state.engine.connect() as conn:
            await conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
        # A page not asked before (a cached one would need no database at all).
        again = await client.get("/v1/projects", params={"limit": 4})
        assert again.status_code == 200, again.text
        assert len(again.json()["items"]) == 4


async def test_session_requests_survive_dropped_pooled_connections(reg: Any, seeded_db: Any) -> None:
    """The main pool probes a pooled connection on checkout (one SELECT 1): a killed one is replaced."""
    url = await seeded_db("postgresql")
    async with reg.api(url) as client:
        project = (await client.get("/v1/projects", params={"limit": 1})).json()["items"][0]
        first = await client.get(f"/v1/projects/{project['id']}")
        assert first.status_code == 200
        app = client.app  # type: ignore[attr-defined]
        killer = create_async_engine(url)
        try:
            async with killer.connect() as conn:
                await conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                )
        finally:
            await killer.dispose()
        assert app.state.engine.sync_engine.pool.checkedin() >= 1  # the dead connection waits in the pool
        again = await client.get(f"/v1/projects/{project['id']}")
        assert again.status_code == 200, again.text
        assert again.json()["id"] == project["id"]
