"""``GET /v1/boroughs``: the planning figures of all 25 boroughs, public, on both backends."""

from __future__ import annotations

from typing import Any

import httpx

from cg_shared.districts import DISTRICTS


async def test_boroughs_table_counts_plans_items_proposals_and_participants(
    client: httpx.AsyncClient, pl: Any
) -> None:
    empty = await client.get("/v1/boroughs")  # no token: public
    assert empty.status_code == 200, empty.text
    assert [r["sgg_code"] for r in empty.json()["rows"]] == sorted(DISTRICTS)
    assert all(r["plan_count"] == 0 and r["plans_by_state"]["DRAFTING"] == 0 for r in empty.json()["rows"])

    drafted = await pl.drafted_plan(client, items=2)  # a master plan and an annual plan in DRAFTING
    resident_item = pl.item_body("주민 제안 마을 공유부엌", year=drafted.fiscal_year, origin="resident")
    # Added in DRAFTING with its own deliberation of 12 people.
    item = await pl.add_item(client, drafted.plan_id, resident_item)
    await pl.deliberate(client, item["id"], people=12)
    proposal = await client.post(
        "/v1/proposals",
        json={
            "sgg_code": pl.SGG,
            "plan_id": drafted.plan_id,
            "title": "경로당 옆 쉼터",
            "problem": "어르신이 쉴 곳이 없다",
            "idea": "그늘막과 벤치",
            "dong": "왕십리도선동",
            "estimated_cost_krw": 20_000_000,
            "target_group": "어르신",
        },
        headers=pl.resident("resident-lee", name="이영희"),
    )
    assert proposal.status_code == 201, proposal.text

    rows = {r["sgg_code"]: r for r in (await client.get("/v1/boroughs")).json()["rows"]}
    assert len(rows) == 25
    row = rows[pl.SGG]
    assert row["name_ko"] == "성동구"
    assert row["plan_count"] == 2 and row["plans_by_state"]["DRAFTING"] == 1
    assert sum(row["plans_by_state"].values()) == 2
    assert row["items_by_origin"] == {"resident": 1, "civic_group": 0, "department": 2}
    assert row["item_count"] == 3 and row["resident_led_item_share"] == 0.333
    assert row["item_requested_krw"] == 150_000_000 and row["item_funded_krw"] == 0
    assert row["proposal_count"] == 1 and row["proposals_by_status"]["submitted"] == 1
    assert (row["deliberation_count"], row["deliberation_participants"]) == (3, 72)
    assert all(r["plan_count"] == 0 and r["proposal_count"] == 0 for c, r in rows.items() if c != pl.SGG)
