"""The query shortcut of the public GET routes accepts exactly what FastAPI accepts, with the same values.

For every query string below, FastAPI's own resolution of the route's declarations (a probe app using the
same dependencies) is compared with the shortcut's: where the shortcut answers, FastAPI must accept the
query and produce equal values; where FastAPI refuses it (422), the shortcut must step aside.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

import httpx
import pytest
from fastapi import Depends, FastAPI, Request

from cg_registry.projects.router import (
    _FILTER_NAMES,
    Filters,
    _list_queries,
    async_page_params,
    project_filters,
)
from cg_registry.stats.router import FiscalYearQuery, SggCodeQuery, _summary_queries
from cg_shared.http import PageParams, encode_cursor

LIST_QUERIES = [
    "",
    "sgg_code=11200&limit=50",
    "limit=1",
    "limit=500",
    "limit=0",
    "limit=501",
    "limit=abc",
    "limit=+7",
    "limit=%207",
    "limit=1_0",
    "sgg_code=1120",
    "sgg_code=112000",
    "sgg_code=%EF%BC%91%EF%BC%91%EF%BC%92%EF%BC%90%EF%BC%90",  # full-width digits
    "sgg_code=",
    "sgg_code=11200&sgg_code=11620",
    "city_wide=true",
    "city_wide=false",
    "city_wide=1",
    "city_wide=yes",
    "city_wide=off",
    "city_wide=TRUE",
    "city_wide=maybe",
    "city_wide=",
    "status=active",
    "status=ACTIVE",
    "status=bogus",
    "origin=civic_group",
    "source=smg_grant",
    "source=nope",
    "policy_field=youth",
    "policy_field=a%00b",
    "policy_field=" + "x" * 41,
    "active_from=2025-01-01&active_to=2025-12-31",
    "active_from=2025-1-1",
    "active_from=20250101",
    "active_from=2025-02-30",
    "active_from=1700000000",
    "q=%EB%A7%88%EC%9D%84",  # 마을
    "q=village+garden",
    "q=" + "a" * 101,
    "q=%0A",
    "plan_item_id=plan-1",
    "has_smg_grant=false&tokenism_risk=true",
    "tokenism_risk=2",
    "cursor=" + encode_cursor(["CG-11200-00001"]),
    "cursor=" + "c" * 2001,
    "unknown=1&limit=3",
    "limit",
    "&&limit=4&",
    "limit=5&limit=6",
    "q=%ZZ",
    "q=%C3%28",  # invalid UTF-8
]

STATS_QUERIES = [
    "",
    "sgg_code=11200",
    "sgg_code=11200&fiscal_year=2025",
    "fiscal_year=1999",
    "fiscal_year=2100",
    "fiscal_year=2101",
    "fiscal_year=2025.0",
    "fiscal_year=2025.5",
    "fiscal_year=+2025",
    "sgg_code=abcde",
    "sgg_code=11200&sgg_code=11200",
    "other=x",
]


def _request(query: str) -> Request:
    return Request(
        {"type": "http", "method": "GET", "path": "/", "query_string": query.encode(), "headers": []}
    )


def _probe_app() -> FastAPI:
    app = FastAPI()

    @app.get("/list")
    async def list_probe(
        filters: Filters, page: Annotated[PageParams, Depends(async_page_params)]
    ) -> dict[str, Any]:
        return {"filters": repr(filters), "page": repr(page)}

    @app.get("/stats")
    async def stats_probe(
        sgg_code: SggCodeQuery = None, fiscal_year: FiscalYearQuery = None
    ) -> dict[str, Any]:
        return {"sgg_code": sgg_code, "fiscal_year": fiscal_year}

    return app


async def _fastapi(client: httpx.AsyncClient, path: str, query: str) -> httpx.Response:
    return await client.get(f"{path}?{query}" if query else path)


@pytest.mark.parametrize("query", LIST_QUERIES)
async def test_list_shortcut_matches_fastapi(query: str) -> None:
    transport = httpx.ASGITransport(app=_probe_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://probe") as client:
        expected = await _fastapi(client, "/list", query)
    values = _list_queries.get(_request(query))
    if values is None:
        # Stepping aside is always safe; it is required when FastAPI refuses the query.
        assert expected.status_code in (200, 422), expected.text
        if "&limit=6" not in query and "sgg_code=11620" not in query:
            assert expected.status_code == 422, (query, expected.text)
        return
    assert expected.status_code == 200, (query, expected.text)
    filters = await project_filters(**{name: values[name] for name in _FILTER_NAMES})
    page = await async_page_params(limit=values["limit"], cursor=values["cursor"])
    assert {"filters": repr(filters), "page": repr(page)} == expected.json()
    assert dataclasses.is_dataclass(filters)


@pytest.mark.parametrize("query", STATS_QUERIES)
async def test_stats_shortcut_matches_fastapi(query: str) -> None:
    transport = httpx.ASGITransport(app=_probe_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://probe") as client:
        expected = await _fastapi(client, "/stats", query)
    values = _summary_queries.get(_request(query))
    if values is None:
        if "sgg_code=11200&sgg_code=11200" not in query:
            assert expected.status_code == 422, (query, expected.text)
        return
    assert expected.status_code == 200, (query, expected.text)
    assert values == expected.json()


def test_the_shortcut_answers_the_common_queries() -> None:
    # Otherwise the tests above could pass with a shortcut that never answers.
    assert _list_queries.get(_request("sgg_code=11200&limit=50")) is not None
    assert _list_queries.get(_request("q=%EB%A7%88%EC%9D%84&status=active&city_wide=false")) is not None
    assert _summary_queries.get(_request("sgg_code=11200&fiscal_year=2025")) is not None
