"""``GET /v1/boroughs``: 25 rows of the registry's figures, public, computed in SQL on both backends."""

from __future__ import annotations

from typing import Any

from cg_registry.projects.dupcheck import check_all_pending
from cg_shared.districts import DISTRICTS


async def test_boroughs_table_has_25_rows_with_each_boroughs_figures(reg: Any, app: Any, client: Any) -> None:
    empty = await client.get("/v1/boroughs")  # no token: public open data
    assert empty.status_code == 200, empty.text
    rows = empty.json()["rows"]
    assert [r["sgg_code"] for r in rows] == sorted(DISTRICTS)
    assert all(r["project_count"] == 0 and r["total_krw"] == 0 and r["overlap_krw_share"] == 0 for r in rows)

    for _ in range(2):  # the same project twice: a suspected duplicate pair
        created = await client.post("/v1/projects", json=reg.project_body(), headers=reg.OFFICER)
        assert created.status_code == 201, created.text
    other = reg.project_body(
        sgg_code=reg.OTHER_SGG,
        title_ko="관악구 어르신 디지털 배움터",
        summary_ko="어르신 스마트폰 교육",
        partners=[],
        origin="department",
        policy_field="care",
        funding_lines=[{"source": "borough", "fiscal_year": 2025, "amount_krw": 40_000_000}],
    )
    created = await client.post("/v1/projects", json=other, headers=reg.OTHER_OFFICER)
    assert created.status_code == 201, created.text
    city_wide = reg.project_body(sgg_code=None, title_ko="서울시 전역 마을공동체 지원")
    created = await client.post("/v1/projects", json=city_wide, headers=reg.ADMIN)
    assert created.status_code == 201, created.text

    # The duplicate checks of the registrations run after them (queued): work the queue off.
    assert await check_all_pending(app.state.sessions) == 4
    rows = {r["sgg_code"]: r for r in (await client.get("/v1/boroughs")).json()["rows"]}
    assert len(rows) == 25
    seongdong, gwanak = rows[reg.SGG], rows[reg.OTHER_SGG]
    assert seongdong["name_ko"] == "성동구"
    assert seongdong["project_count"] == 2
    assert seongdong["total_krw"] == 300_000_000
    assert seongdong["smg_grant_krw"] == 240_000_000
    assert seongdong["smg_grant_krw_share"] == 0.8
    assert seongdong["overlap_project_count"] == 2
    assert seongdong["overlap_krw"] == 300_000_000 and seongdong["overlap_krw_share"] == 1.0
    assert gwanak["project_count"] == 1 and gwanak["total_krw"] == 40_000_000
    assert gwanak["smg_grant_krw"] == 0 and gwanak["overlap_krw"] == 0
    assert sum(r["project_count"] for r in rows.values()) == 3  # the city-wide project is in no row
    assert all(r["tokenism_risk_count"] <= r["assessed_count"] for r in rows.values())
