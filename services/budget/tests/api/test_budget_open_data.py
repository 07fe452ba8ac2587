"""Bulk open data of budget: requests, allocation lines and SMG programme applications as CSV and JSON,
marked synthetic outside production unless told otherwise."""

from __future__ import annotations

import csv
import io
import json

import httpx
import pytest

from cg_budget.main import create_app

from ..conftest import BOROUGH, FY, OFFICER, Kit, plan_adopted, settings_for

pytestmark = pytest.mark.postgres


async def test_requests_and_allocations_download(kit: Kit, budget_url: str) -> None:
    cycle = await kit.open_cycle()
    await kit.adopt_plan(plan_adopted(items=2, amounts=[30_000_000, 20_000_000]))
    manual = await kit.client.post(
        "/v1/requests",
        json={
            "sgg_code": BOROUGH,
            "fiscal_year": FY,
            "title_ko": "@SUM(A1) 구청 사업",
            "amount_krw": 5_000_000,
        },
        headers=OFFICER,
    )
    assert manual.status_code == 201, manual.text
    await kit.to_allocation(cycle["id"])
    await kit.set_envelope(cycle["id"], "borough", 60_000_000)
    requests = (await kit.client.get("/v1/requests", params={"cycle_id": cycle["id"]})).json()["items"]
    by_amount = {r["amount_krw"]: r for r in requests}
    allocated = await kit.client.post(
        f"/v1/cycles/{cycle['id']}/allocations",
        json={
            "method": "priority",
            "envelope_kind": "borough",
            "lines": [{"request_id": by_amount[30_000_000]["id"]}],
        },
        headers=OFFICER,
    )
    assert allocated.status_code == 201, allocated.text

    catalogue = (await kit.client.get("/v1/open-data")).json()
    assert {d["slug"] for d in catalogue["datasets"]} == {"requests", "allocations", "smg-applications"}
    assert catalogue["synthetic"] is True

    raw = await kit.client.get("/v1/open-data/requests.csv", params={"sgg_code": BOROUGH, "year": FY})
    assert raw.status_code == 200 and raw.headers["x-open-data-license"] == "KOGL-Type1"
    rows = list(csv.DictReader(io.StringIO(raw.content.decode("utf-8-sig"))))
    assert sorted(int(r["amount_krw"]) for r in rows) == [5_000_000, 20_000_000, 30_000_000]
    assert {r["source"] for r in rows} == {"plan", "manual"}
    assert "'@SUM(A1) 구청 사업" in {r["title_ko"] for r in rows}

    lines = json.loads((await kit.client.get("/v1/open-data/allocations.json", params={"year": FY})).content)
    assert lines["count"] == 1 and lines["synthetic"] is True
    (line,) = lines["items"]
    assert line["request_id"] == by_amount[30_000_000]["id"] and line["amount_krw"] == 30_000_000
    assert line["source"] == "borough" and line["method"] == "priority" and line["borough_ko"] == "성동구"
    assert (
        json.loads((await kit.client.get("/v1/open-data/allocations.json", params={"year": FY + 1})).content)[
            "items"
        ]
        == []
    )

    # A production deployment (or one told so) publishes as the city, not as demo data.
    real = create_app(settings_for(budget_url, open_data_synthetic=False))
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=real), base_url="http://t") as client:
            head = json.loads((await client.get("/v1/open-data/smg-applications.json")).content)
            assert head["synthetic"] is False and head["synthetic_note"] is None
            assert head["publisher"].startswith("서울특별시")
            csv_rows = (
                (await client.get("/v1/open-data/requests.csv")).content.decode("utf-8-sig").splitlines()
            )
            assert csv_rows[0].endswith(",synthetic") and all(r.endswith(",false") for r in csv_rows[1:])
    finally:
        await real.state.engine.dispose()
