"""Capacity building: activities with participants, support organisations, and the capacity figures of the
committee's ``GET /v1/boroughs`` row — on PostgreSQL and SQLite."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from cg_shared.clock import today_seoul
from cg_shared.testing.helpers import auth


async def test_training_and_support_organisations_make_the_capacity_indicator(
    kit: Any, boroughs: Any
) -> None:
    sgg = next(boroughs)
    other = next(boroughs)
    writer = kit.writer(sgg)
    committee = await kit.committee(sgg)
    civ, off = await kit.seat(committee, 3, 2)
    org = await _step_support_organisations(kit, sgg, other, writer)
    activity_body, activity, old = await _step_activities(kit, sgg, writer, org)
    await _step_participants(kit, writer, activity, old, civ, off)
    await _step_reads(kit, sgg, writer, activity, old)
    await _step_indicator_events_and_roles(kit, sgg, other, activity, activity_body)


async def _step_support_organisations(kit: Any, sgg: str, other: str, writer: dict[str, str]) -> Any:
    org_body = {
        "sgg_code": sgg,
        "name_ko": "협치지원센터",
        "kind": "cg_support_centre",
        "operation": "commissioned",
        "staff_count": 4,
        "coordinator_count": 1,
    }
    await kit.call(
        "POST", "/v1/capacity/support-organisations", json=org_body, headers=kit.writer(other), expect=403
    )
    org = await kit.call(
        "POST", "/v1/capacity/support-organisations", json=org_body, headers=writer, expect=201
    )
    assert org["active"] is True
    await kit.call("POST", "/v1/capacity/support-organisations", json=org_body, headers=writer, expect=409)
    closed = {**org_body, "name_ko": "옛 마을센터", "established_on": "2018-01-01", "closed_on": "2020-12-31"}
    assert (
        await kit.call("POST", "/v1/capacity/support-organisations", json=closed, headers=writer, expect=201)
    )["active"] is False
    return org


async def _step_activities(
    kit: Any, sgg: str, writer: dict[str, str], org: Any
) -> tuple[dict[str, Any], Any, Any]:
    today = today_seoul()
    activity_body = {
        "sgg_code": sgg,
        "kind": "training",
        "title_ko": "민관협치위원 역량강화 교육",
        "topic": "지역사회혁신계획과 숙의",
        "held_on": today.isoformat(),
        "hours": 3,
        "support_organisation_id": org["id"],
    }
    future = await kit.call(
        "POST",
        "/v1/capacity/activities",
        json={**activity_body, "held_on": (today + timedelta(days=1)).isoformat()},
        headers=writer,
        expect=422,
    )
    assert future["errors"][0]["field"] == "body.held_on"
    activity = await kit.call(
        "POST", "/v1/capacity/activities", json=activity_body, headers=writer, expect=201
    )
    # An activity older than the 365-day window does not count.
    old = await kit.call(
        "POST",
        "/v1/capacity/activities",
        json={**activity_body, "held_on": (today - timedelta(days=400)).isoformat()},
        headers=writer,
        expect=201,
    )
    return activity_body, activity, old


async def _step_participants(
    kit: Any, writer: dict[str, str], activity: Any, old: Any, civ: Any, off: Any
) -> None:
    url = f"/v1/capacity/activities/{activity['id']}/participants"
    no_id = await kit.call(
        "POST",
        url,
        json={"participants": [{"participant_kind": "committee_member"}]},
        headers=writer,
        expect=422,
    )
    assert no_id["errors"][0]["field"] == "body.participants[0].member_id"
    stranger = await kit.call(
        "POST",
        url,
        json={"participants": [{"participant_kind": "committee_member", "member_id": "not-a-member"}]},
        headers=writer,
        expect=422,
    )
    assert stranger["errors"][0]["field"] == "body.participants[0].member_id"
    too_long = await kit.call(
        "POST",
        url,
        json={"participants": [{"participant_kind": "resident", "display_name": "김주민", "hours": 4}]},
        headers=writer,
        expect=422,
    )
    assert too_long["errors"][0]["field"] == "body.participants[0].hours"
    added = await kit.call(
        "POST",
        url,
        json={
            "participants": [
                *({"participant_kind": "committee_member", "member_id": m["id"]} for m in civ),
                {"participant_kind": "resident", "display_name": "김주민", "hours": 2},
                {"participant_kind": "resident", "display_name": "이주민", "hours": 2},
            ]
        },
        headers=writer,
        expect=200,
    )
    assert added["participant_count"] == 5 and added["person_hours"] == 13.0
    await kit.call(
        "POST",
        url,
        json={"participants": [{"participant_kind": "committee_member", "member_id": civ[0]["id"]}]},
        headers=writer,
        expect=409,
    )
    await kit.call(
        "POST",
        f"/v1/capacity/activities/{old['id']}/participants",
        json={"participants": [{"participant_kind": "committee_member", "member_id": off[0]["id"]}]},
        headers=writer,
        expect=200,
    )


async def _step_reads(kit: Any, sgg: str, writer: dict[str, str], activity: Any, old: Any) -> None:
    public = await kit.call("GET", f"/v1/capacity/activities/{activity['id']}", expect=200)
    assert {p["display_name"] for p in public["participants"]} == {None}
    private = await kit.call("GET", f"/v1/capacity/activities/{activity['id']}", headers=writer, expect=200)
    assert {p["display_name"] for p in private["participants"] if p["participant_kind"] == "resident"} == {
        "김주민",
        "이주민",
    }
    listed = await kit.call(
        "GET", "/v1/capacity/activities", params={"sgg_code": sgg, "limit": 1}, expect=200
    )
    assert [a["id"] for a in listed["items"]] == [activity["id"]] and listed["next_cursor"]
    rest = await kit.call(
        "GET",
        "/v1/capacity/activities",
        params={"sgg_code": sgg, "limit": 1, "cursor": listed["next_cursor"]},
        expect=200,
    )
    assert [a["id"] for a in rest["items"]] == [old["id"]]


async def _step_indicator_events_and_roles(
    kit: Any, sgg: str, other: str, activity: Any, activity_body: dict[str, Any]
) -> None:
    rows = {r["sgg_code"]: r for r in (await kit.call("GET", "/v1/boroughs", expect=200))["rows"]}
    capacity = rows[sgg]["capacity"]
    assert capacity == {
        "training_sessions": 1,
        "training_person_hours": 13.0,
        "trained_member_count": 3,
        "trained_member_share": 0.6,
        "resident_trainee_count": 2,
        "support_organisation_count": 1,
        "coordinator_count": 1,
        # an organisation, a coordinator, 3 of 5 members trained; 2 residents are below one cohort (30)
        "capacity_score": 3,
    }
    assert rows[other]["capacity"]["capacity_score"] == 0

    events = [
        json.loads(p) if isinstance(p, str) else p
        for p in await kit.outbox_payloads("capacity_training.recorded.v1")
    ]
    mine = [e["data"] for e in events if e["data"]["activity_id"] == activity["id"]]
    assert mine[-1]["trainees"] == [
        {"participant_kind": "committee_member", "participants": 3, "person_hours": 9.0},
        {"participant_kind": "resident", "participants": 2, "person_hours": 4.0},
    ]
    assert "capacity_activity.participants_added" in await kit.audit_actions(activity["id"])
    resident = auth("resident", sgg, sub="resident-1")
    await kit.call("POST", "/v1/capacity/activities", json=activity_body, headers=resident, expect=403)
