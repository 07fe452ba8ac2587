"""``GET /v1/boroughs``: the committee figures of all 25 boroughs, public, on both backends."""

from __future__ import annotations

from typing import Any

from cg_shared.districts import DISTRICTS


async def test_boroughs_table_compares_civilian_seats_with_civilian_votes(kit: Any, boroughs: Any) -> None:
    sgg = next(boroughs)
    before = await kit.call("GET", "/v1/boroughs", expect=200)  # no token
    assert [r["sgg_code"] for r in before["rows"]] == sorted(DISTRICTS)
    assert not any(r["has_committee"] for r in before["rows"])

    committee = await kit.committee(sgg)
    civ, off = await kit.seat(committee, 3, 2)
    meeting = await kit.meeting(committee)
    item = await kit.call(
        "POST",
        f"/v1/meetings/{meeting['id']}/agenda-items",
        json={"title_ko": "마을 의제"},
        headers=kit.writer(sgg),
        expect=201,
    )
    present = {civ[0]["id"], civ[1]["id"], off[0]["id"]}
    await kit.attendance(
        committee,
        meeting["id"],
        [
            {"member_id": m["id"], "status": "present" if m["id"] in present else "absent"}
            for m in [*civ, *off]
        ],
    )
    # Two officials' worth of weight: one civilian votes no, so civilians cast 2 of the 3 votes.
    await kit.call(
        "POST",
        f"/v1/agenda-items/{item['id']}/votes",
        json={
            "votes": [
                {"member_id": civ[0]["id"], "choice": "yes"},
                {"member_id": civ[1]["id"], "choice": "no"},
                {"member_id": off[0]["id"], "choice": "yes"},
            ]
        },
        headers=kit.writer(sgg),
        expect=200,
    )
    decision = await kit.call(
        "POST",
        f"/v1/meetings/{meeting['id']}/decisions",
        json={"agenda_item_id": item["id"]},
        headers=kit.writer(sgg),
        expect=201,
    )

    table = await kit.call("GET", "/v1/boroughs", expect=200)
    rows = {r["sgg_code"]: r for r in table["rows"]}
    assert len(rows) == 25
    row = rows[sgg]
    assert row["name_ko"] == DISTRICTS[sgg].name_ko and row["has_committee"] is True
    assert (row["seated_count"], row["civilian_seat_count"], row["civilian_seat_share"]) == (5, 3, 0.6)
    assert (row["vote_count"], row["civilian_vote_count"], row["civilian_vote_share"]) == (3, 2, 0.667)
    assert (row["attendance_records"], row["attended_count"], row["attendance_rate"]) == (5, 3, 0.6)
    assert (row["meetings_held"], row["meetings_scheduled"], row["meetings_cancelled"]) == (0, 1, 0)
    assert row["decision_count"] == 1
    assert row["valid_decision_count"] == (1 if decision["valid"] else 0)
    others = [r for code, r in rows.items() if code != sgg]
    assert all(r["seated_count"] == 0 and r["decision_count"] == 0 and not r["has_committee"] for r in others)
