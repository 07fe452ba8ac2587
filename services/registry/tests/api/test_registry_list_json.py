"""The list page served from the items PostgreSQL stores as JSON (``projects.item_json``, kept by triggers)
equals the pydantic page (same items, values, key order, cursor) — on the seed, and after every kind of
write that feeds an item (registration, updates of the project and of its funding lines, assessments,
budget allocations, milestones, children, deletion)."""

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
    built, _ = await json_pages.page_json_postgresql(app.state.engine, filters=filters, page=page)
    async with app.state.sessions() as session:
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
    service.ProjectFilters(q="서울 마을", sgg_code="11680"),
    service.ProjectFilters(q="50%_\\"),
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


async def _all_pages_equal(app: Any) -> int:
    """Every project's stored item equals its pydantic item (all pages of the whole registry)."""
    cursor: str | None = None
    seen = 0
    while True:
        built, validated = await _both(app, service.ProjectFilters(), 7, cursor)
        assert built == validated
        page = json.loads(built)
        seen += len(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return seen


async def test_stored_items_follow_every_write(reg: Any, fresh_db: Any) -> None:
    url = await fresh_db("postgresql")
    async with reg.api(url) as client:
        app = client.app  # type: ignore[attr-defined]
        ids = []
        for n in range(9):
            body = reg.project_body(title_ko=f"마을 사업 {n}", plan_item_id=f"item-{n}")
            created = await client.post("/v1/projects", json=body, headers=reg.OFFICER)
            assert created.status_code == 201, created.text
            ids.append(created.json()["id"])
        assert await _all_pages_equal(app) == 9

        async def found(q: str) -> int:
            answer = await client.get("/v1/projects", params={"q": q, "limit": 4})
            assert answer.status_code == 200, answer.text
            return len(answer.json()["items"]) + (await _count_more(answer.json()["next_cursor"], q))

        async def _count_more(cursor: str | None, q: str) -> int:
            if cursor is None:
                return 0
            answer = await client.get("/v1/projects", params={"q": q, "limit": 4, "cursor": cursor})
            return len(answer.json()["items"]) + await _count_more(answer.json()["next_cursor"], q)

        assert (await found("마을"), await found("바뀐")) == (9, 0)  # the search's match list is cached

        async def etag(project_id: str) -> str:
            return (await client.get(f"/v1/projects/{project_id}")).headers["ETag"]

        async def patch(project_id: str, body: dict[str, Any]) -> None:
            headers = {**reg.OFFICER, "If-Match": await etag(project_id)}
            answer = await client.patch(f"/v1/projects/{project_id}", json=body, headers=headers)
            assert answer.status_code == 200, answer.text

        # The project's own fields, then its funding lines replaced, removed, and added again.
        await patch(ids[0], {"title_ko": "바뀐 제목", "partners": [], "status": "active", "end_date": None})
        lines = [
            {"source": "national", "fiscal_year": 2026, "amount_krw": 7, "budget_line_id": "Z-9"},
            {"source": "national", "fiscal_year": 2024, "amount_krw": 5, "budget_line_id": "a-1"},
        ]
        await patch(ids[1], {"funding_lines": lines})
        await patch(ids[2], {"funding_lines": []})
        await patch(ids[2], {"funding_lines": lines[:1], "total_krw": 900_000_000})
        assert await _all_pages_equal(app) == 9
        # An assessment (denormalised into the project row).
        assessed = await client.post(
            f"/v1/projects/{ids[3]}/assessments",
            json={"iap2_level": 4, "arnstein_rung": 6, "scores": _SCORES},
            headers=reg.OFFICER,
        )
        assert assessed.status_code == 201, assessed.text
        # A budget allocation adds a line to the project whose plan item it names (event consumer).
        await reg.deliver_allocation(app, plan_item_id="item-4", amount_krw=20_000_000)
        # A milestone (progress) and a child project (the parent's progress rolls up).
        milestone = await client.post(
            f"/v1/projects/{ids[5]}/milestones",
            json={"title_ko": "1단계", "progress_pct": 40},
            headers={**reg.OFFICER, "If-Match": await etag(ids[5])},
        )
        assert milestone.status_code == 201, milestone.text
        child = await client.post(
            "/v1/projects", json=reg.project_body(title_ko="하위 사업", parent_id=ids[6]), headers=reg.OFFICER
        )
        assert child.status_code == 201, child.text
        # A deletion leaves no item behind.
        deleted = await client.delete(
            f"/v1/projects/{ids[7]}", headers={**reg.OFFICER, "If-Match": await etag(ids[7])}
        )
        assert deleted.status_code == 204, deleted.text
        assert await _all_pages_equal(app) == 9
        # The cached match lists and pages are of the registry version before the writes: not served.
        # (마을 is in the partners too: the renamed project lost it, the child has it, one was deleted)
        assert (await found("마을"), await found("바뀐")) == (8, 1)
        async with app.state.engine.connect() as conn:
            allocated = await conn.scalar(
                text("SELECT item_json FROM projects WHERE id = :id"), {"id": ids[4]}
            )
            missing = await conn.scalar(text("SELECT count(*) FROM projects WHERE item_json IS NULL"))
        assert '"allocation_id":"alloc-1"' in allocated and missing == 0


_SCORES = {
    "decision_power": 3,
    "starting_conditions": 2,
    "institutional_design": 3,
    "facilitative_leadership": 2,
    "process": 2,
    "feedback": 1,
}
