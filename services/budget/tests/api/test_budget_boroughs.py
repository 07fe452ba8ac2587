"""``GET /v1/boroughs``: the budget figures of all 25 boroughs, public, on both backends."""

from __future__ import annotations

import pytest

from cg_shared.districts import DISTRICTS

from ..conftest import BOROUGH, FY, OFFICER, Kit, plan_adopted, resident

pytestmark = pytest.mark.postgres


async def test_boroughs_table_sums_envelopes_requests_ballots_and_allocations(kit: Kit) -> None:
    empty = await kit.client.get("/v1/boroughs")  # no token: public
    assert empty.status_code == 200, empty.text
    assert [r["sgg_code"] for r in empty.json()["rows"]] == sorted(DISTRICTS)
    assert all(r["request_count"] == 0 and r["allocated_krw"] == 0 for r in empty.json()["rows"])

    cycle = await kit.open_cycle()
    await kit.adopt_plan(plan_adopted(items=3, amounts=[30_000_000, 20_000_000, 50_000_000]))
    await kit.to_allocation(cycle["id"])
    await kit.set_envelope(cycle["id"], "borough", 60_000_000)
    requests = (await kit.client.get("/v1/requests", params={"cycle_id": cycle["id"]})).json()["items"]
    by_amount = {r["amount_krw"]: r["id"] for r in requests}
    allocated = await kit.client.post(
        f"/v1/cycles/{cycle['id']}/allocations",
        json={
            "method": "priority",
            "envelope_kind": "borough",
            "lines": [{"request_id": by_amount[30_000_000]}],
        },
        headers=OFFICER,
    )
    assert allocated.status_code == 201, allocated.text
    election = await kit.client.post(
        "/v1/elections",
        json={
            "cycle_id": cycle["id"],
            "title_ko": "성동구 주민참여예산 투표",
            "request_ids": [by_amount[20_000_000], by_amount[50_000_000]],
            "budget_krw": 50_000_000,
            "rule": "greedy",
            "max_length": 1,
        },
        headers=OFFICER,
    )
    assert election.status_code == 201, election.text
    for n in range(3):
        ballot = await kit.client.post(
            f"/v1/elections/{election.json()['id']}/ballots",
            json={"choices": [by_amount[20_000_000]]},
            headers=resident(n),
        )
        assert ballot.status_code == 201, ballot.text

    table = await kit.client.get("/v1/boroughs")
    rows = {r["sgg_code"]: r for r in table.json()["rows"]}
    assert len(rows) == 25
    row = rows[BOROUGH]
    assert row["name_ko"] == "성동구"
    assert (row["envelope_count"], row["envelope_krw"], row["envelope_smg_grant_krw"]) == (1, 60_000_000, 0)
    assert (row["request_count"], row["request_krw"], row["request_from_plan_count"]) == (3, 100_000_000, 3)
    assert (row["election_count"], row["ballot_count"], row["pb_voter_count"]) == (1, 3, 3)
    assert row["pb_turnout"] == round(3 / DISTRICTS[BOROUGH].population, 5)
    assert (row["allocated_krw"], row["allocated_borough_krw"], row["allocated_smg_grant_krw"]) == (
        30_000_000,
        30_000_000,
        0,
    )
    assert all(r["request_count"] == 0 for code, r in rows.items() if code != BOROUGH)

    this_year = (await kit.client.get("/v1/boroughs", params={"fiscal_year": FY})).json()
    assert {r["sgg_code"]: r for r in this_year["rows"]}[BOROUGH] == row
    next_year = (await kit.client.get("/v1/boroughs", params={"fiscal_year": FY + 1})).json()
    assert next_year["fiscal_year"] == FY + 1
    assert all(r["envelope_count"] == 0 and r["ballot_count"] == 0 for r in next_year["rows"])
    bad = await kit.client.get("/v1/boroughs", params={"fiscal_year": "soon"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "query.fiscal_year"
