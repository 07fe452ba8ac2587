"""Bulk open data of the committee: decisions and attendance as CSV (formula-guarded, BOM) and JSON with
licence and provenance, marked synthetic outside production — on PostgreSQL and SQLite."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from cg_shared.clock import today_seoul


async def test_decisions_and_attendance_download(kit: Any, boroughs: Any) -> None:
    sgg = next(boroughs)
    committee = await kit.committee(sgg)
    civ, off = await kit.seat(committee, 3, 2)
    # A member whose name a spreadsheet would run as a formula.
    civ[0] = await kit.call(
        "PATCH",
        f"/v1/members/{civ[0]['id']}",
        json={"name_ko": '=HYPERLINK("http://x")'},
        headers={**kit.writer(sgg), "If-Match": "*"},
        expect=200,
    )
    meeting = await kit.meeting(committee, title_ko="+정기회의")
    item = await kit.call(
        "POST",
        f"/v1/meetings/{meeting['id']}/agenda-items",
        json={"title_ko": "마을 의제"},
        headers=kit.writer(sgg),
        expect=201,
    )
    await kit.attendance(
        committee,
        meeting["id"],
        [{"member_id": m["id"], "status": "present" if m in civ else "absent"} for m in [*civ, *off]],
    )
    await kit.call(
        "POST",
        f"/v1/agenda-items/{item['id']}/votes",
        json={"votes": [{"member_id": m["id"], "choice": "yes"} for m in civ]},
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

    catalogue = await kit.call("GET", "/v1/open-data", expect=200)  # public
    assert catalogue["synthetic"] is True and catalogue["license"] == "KOGL-Type1"
    assert "서울특별시 및" not in catalogue["publisher"]
    assert {d["slug"] for d in catalogue["datasets"]} == {"decisions", "attendance"}

    year = today_seoul().year
    response = await kit.client.get("/v1/open-data/decisions.json", params={"sgg_code": sgg, "year": year})
    assert response.status_code == 200
    assert response.headers["x-open-data-synthetic"] == "true"
    body = json.loads(response.content)
    assert body["count"] == 1 and body["synthetic"] is True and body["synthetic_note"]
    assert body["dataset"] == "committee/decisions" and body["filters"] == {"sgg_code": sgg, "year": year}
    (row,) = body["items"]
    assert row["decision_id"] == decision["id"] and row["valid"] == decision["valid"]
    assert (row["yes"], row["present"], row["seated"]) == (3, 3, 5)
    assert row["meeting_title_ko"] == "+정기회의"
    other_year = json.loads(
        (
            await kit.client.get("/v1/open-data/decisions.json", params={"sgg_code": sgg, "year": year - 1})
        ).content
    )
    assert other_year["count"] == 0 and other_year["items"] == []

    raw = await kit.client.get("/v1/open-data/attendance.csv", params={"sgg_code": sgg})
    assert raw.status_code == 200 and raw.headers["content-type"].startswith("text/csv")
    assert raw.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.content.decode("utf-8-sig"))))
    assert len(rows) == 5
    assert {r["status"] for r in rows} == {"present", "absent"}
    assert all(r["synthetic"] == "true" and r["sgg_code"] == sgg for r in rows)
    # Formula-looking text is neutralised with a leading apostrophe.
    assert '\'=HYPERLINK("http://x")' in {r["member_name_ko"] for r in rows}
    assert {r["meeting_title_ko"] for r in rows} == {"'+정기회의"}
    bad = await kit.client.get("/v1/open-data/decisions.csv", params={"sgg_code": "99999"})
    assert bad.status_code == 422
