"""Bulk open data of planning: plans and plan items as CSV (formula-guarded) and JSON with licence and
provenance, marked synthetic outside production — on PostgreSQL and SQLite."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import httpx


async def test_plans_and_items_download(client: httpx.AsyncClient, pl: Any) -> None:
    drafted = await pl.drafted_plan(client, items=2)
    await pl.add_item(
        client,
        drafted.plan_id,
        pl.item_body("=주민 공유부엌", year=drafted.fiscal_year, origin="resident", dong="성수1가1동"),
    )

    catalogue = (await client.get("/v1/open-data")).json()
    assert catalogue["service"] == "planning" and catalogue["synthetic"] is True
    assert {d["slug"] for d in catalogue["datasets"]} == {"plans", "plan-items"}

    plans = await client.get(
        "/v1/open-data/plans.json", params={"sgg_code": pl.SGG, "year": drafted.fiscal_year}
    )
    assert plans.status_code == 200
    body = json.loads(plans.content)
    assert body["license"] == "KOGL-Type1" and body["synthetic"] is True
    # The annual plan by its fiscal year, and the master plan whose term covers it.
    by_id = {p["plan_id"]: p for p in body["items"]}
    assert set(by_id) == {drafted.plan_id, drafted.master_id} and body["count"] == 2
    annual = by_id[drafted.plan_id]
    assert annual["kind"] == "annual" and annual["state"] == "DRAFTING"
    assert annual["item_count"] == 3 and annual["requested_total_krw"] == 150_000_000
    assert by_id[drafted.master_id]["item_count"] == 0

    raw = await client.get(
        "/v1/open-data/plan-items.csv", params={"sgg_code": pl.SGG, "year": drafted.fiscal_year}
    )
    assert raw.status_code == 200 and raw.content.startswith(b"\xef\xbb\xbf")
    rows = [
        r
        for r in csv.DictReader(io.StringIO(raw.content.decode("utf-8-sig")))
        if r["plan_id"] == drafted.plan_id
    ]
    assert len(rows) == 3
    resident = next(r for r in rows if r["origin"] == "resident")
    assert resident["title_ko"] == "'=주민 공유부엌" and resident["dong"] == "성수1가1동"
    assert resident["requested_budget"] == f"{drafted.fiscal_year}:50000000"
    assert resident["partner_organisations"] == "성동청년센터" and resident["synthetic"] == "true"
    none = json.loads(
        (await client.get("/v1/open-data/plan-items.json", params={"sgg_code": pl.OTHER_SGG})).content
    )
    assert none["items"] == [] and none["count"] == 0
