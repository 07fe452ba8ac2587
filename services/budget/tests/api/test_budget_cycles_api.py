"""Budget cycles over the API: the legal state machine, deadlines as of a date, supplementary budgets,
authorisation and auditing."""

from __future__ import annotations

import pytest

from cg_shared.testing.helpers import auth

from ..conftest import ADMIN, BOROUGH, FY, OFFICER, OTHER_OFFICER, Kit, resident

pytestmark = pytest.mark.postgres


async def _steps_keep_their_legal_dates(kit: Kit, cycle_id: str) -> None:
    """To allocation, then bill, enactment and execution on dates the law and the record allow."""
    await kit.to_allocation(cycle_id)
    # A provisional budget cannot start before 1 Jan of the fiscal year.
    # The refusal is about the step's date: Korean by default, and it names the date field for forms.
    r = await kit.move(cycle_id, "PROVISIONAL", on=f"{FY - 1}-12-20")
    assert r.status_code == 409 and r.json()["detail"].startswith(f"준예산은 {FY}-01-01부터")
    assert r.json()["errors"] == [{"field": "body.effective_on", "message": r.json()["detail"]}]
    r = await kit.move(
        cycle_id, "PROVISIONAL", on=f"{FY - 1}-12-20", headers={**OFFICER, "Accept-Language": "en"}
    )
    assert r.status_code == 409 and "provisional" in r.json()["detail"]
    r = await kit.move(cycle_id, "BILL_SUBMITTED", on=f"{FY - 1}-11-25")  # 4 days late
    assert r.status_code == 200 and r.json()["bill_submitted_on"] == f"{FY - 1}-11-25"
    r = await kit.move(cycle_id, "ENACTED", on=f"{FY - 1}-12-19")
    assert r.status_code == 200
    r = await kit.move(cycle_id, "EXECUTION", on=f"{FY - 1}-12-30")
    assert r.status_code == 409 and "회계연도" in r.json()["detail"]
    assert r.json()["errors"][0]["field"] == "body.effective_on"
    # A step cannot be backdated before the one already recorded (enacted on 19 Dec).
    r = await kit.move(cycle_id, "EXECUTION", on=f"{FY - 1}-12-18")
    assert r.status_code == 422 and r.json()["type"].endswith("/backdated")
    assert r.json()["errors"][0]["field"] == "body.effective_on"
    assert (await kit.move(cycle_id, "EXECUTION", on=f"{FY}-01-01")).status_code == 200


async def _calendar_reports_the_deadlines(kit: Kit, cycle_id: str) -> None:
    calendar = (
        await kit.client.get(f"/v1/cycles/{cycle_id}/calendar", params={"as_of": f"{FY + 1}-03-10"})
    ).json()
    states = {d["key"]: d for d in calendar["deadlines"]}
    assert states["bill_to_council"]["state"] == "met_late"
    assert states["bill_to_council"]["due"] == f"{FY - 1}-11-21"
    assert states["council_enactment"]["state"] == "met"
    assert states["budget_in_force"]["state"] == "met"
    assert states["settlement"]["due"] == f"{FY + 1}-03-21"  # 80 days after 31 Dec (FY+1 = 2031, not leap)
    assert states["settlement"]["days_left"] == 11 and states["settlement"]["warning"] is True
    assert calendar["provisional_budget_in_force"] is False
    assert [t["to_status"] for t in calendar["transitions"]] == [
        "REQUESTS",
        "ALLOCATION",
        "BILL_SUBMITTED",
        "ENACTED",
        "EXECUTION",
    ]


async def _supplementary_budgets_are_numbered(kit: Kit, cycle_id: str) -> None:
    """Supplementary budgets are numbered; settlement waits for a draft to be enacted, never backdated."""
    first = await kit.client.post(
        f"/v1/cycles/{cycle_id}/supplementary-budgets", json={"title": "제1회 추경"}, headers=OFFICER
    )
    assert first.status_code == 201 and first.json()["number"] == 1
    r = await kit.move(cycle_id, "SETTLED", on=f"{FY + 1}-02-01")
    assert r.status_code == 409 and "추가경정예산" in r.json()["detail"]
    enacted = await kit.client.post(
        f"/v1/cycles/{cycle_id}/supplementary-budgets/1/enact",
        json={"enacted_on": f"{FY}-06-30"},
        headers=OFFICER,
    )
    assert enacted.status_code == 200 and enacted.json()["status"] == "enacted"
    second = await kit.client.post(
        f"/v1/cycles/{cycle_id}/supplementary-budgets", json={"title": "제2회 추경"}, headers=OFFICER
    )
    assert second.json()["number"] == 2
    # Enacted "today" (years before the first one's 30 June): backdated, refused naming the field.
    backdated = await kit.client.post(
        f"/v1/cycles/{cycle_id}/supplementary-budgets/2/enact", json={}, headers=OFFICER
    )
    assert backdated.status_code == 422 and backdated.json()["type"].endswith("/backdated")
    assert backdated.json()["errors"][0]["field"] == "body.enacted_on"
    enacted2 = await kit.client.post(
        f"/v1/cycles/{cycle_id}/supplementary-budgets/2/enact",
        json={"enacted_on": f"{FY}-11-30"},
        headers=OFFICER,
    )
    assert enacted2.status_code == 200, enacted2.text


async def test_cycle_walks_the_legal_calendar(kit: Kit) -> None:
    cycle = await kit.open_cycle()
    assert cycle["status"] == "OPEN" and cycle["level"] == "borough"
    assert cycle["allowed_transitions"] == ["REQUESTS", "PROVISIONAL"]
    assert await kit.outbox_types() == ["kr.seoul.cg.budget.cycle.opened.v1"]

    # Skipping ahead is refused and the problem names the allowed moves.
    r = await kit.move(cycle["id"], "ENACTED")
    assert r.status_code == 409
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["allowed"] == ["REQUESTS", "PROVISIONAL"]
    assert "REQUESTS" in r.json()["detail"]

    await _steps_keep_their_legal_dates(kit, cycle["id"])
    await _calendar_reports_the_deadlines(kit, cycle["id"])
    await _supplementary_budgets_are_numbered(kit, cycle["id"])
    r = await kit.move(cycle["id"], "SETTLED", on=f"{FY + 1}-02-01")
    assert r.status_code == 200 and r.json()["allowed_transitions"] == []
    r = await kit.move(cycle["id"], "EXECUTION")
    assert r.status_code == 409 and r.json()["allowed"] == []

    audit = await kit.client.get("/v1/audit", params={"entity_id": cycle["id"]}, headers=ADMIN)
    actions = [a["action"] for a in audit.json()["items"]]
    assert "cycle.open" in actions and "cycle.transition.settled" in actions


async def test_deadline_warnings_as_of_a_date(kit: Kit) -> None:
    cycle = await kit.open_cycle()
    url = f"/v1/cycles/{cycle['id']}/calendar"
    early = (await kit.client.get(url, params={"as_of": f"{FY - 1}-10-01"})).json()
    bill = next(d for d in early["deadlines"] if d["key"] == "bill_to_council")
    assert bill["state"] == "pending" and bill["days_left"] == 51 and not bill["warning"]
    assert early["warnings"] == []

    soon = (await kit.client.get(url, params={"as_of": f"{FY - 1}-11-14"})).json()
    bill = next(d for d in soon["deadlines"] if d["key"] == "bill_to_council")
    assert bill["state"] == "due_soon" and bill["days_left"] == 7 and bill["warning"]
    assert any("7 days left" in w for w in soon["warnings"])

    late = (
        await kit.client.get(f"/v1/cycles/{cycle['id']}/deadlines", params={"as_of": f"{FY}-01-05"})
    ).json()
    overdue = {d["key"] for d in late["deadlines"] if d["overdue"]}
    assert overdue == {"bill_to_council", "council_enactment", "budget_in_force"}
    assert late["provisional_budget_in_force"] is True

    # SMG's own calendar is earlier (11 Nov / 16 Dec); only smg_admin opens it.
    r = await kit.client.post("/v1/cycles", json={"sgg_code": "11000", "fiscal_year": FY}, headers=OFFICER)
    assert r.status_code == 403
    smg = await kit.open_cycle("11000", headers=ADMIN)
    assert smg["level"] == "smg"
    dates = {
        d["key"]: d["due"]
        for d in (await kit.client.get(f"/v1/cycles/{smg['id']}/calendar")).json()["deadlines"]
    }
    assert dates["bill_to_council"] == f"{FY - 1}-11-11" and dates["council_enactment"] == f"{FY - 1}-12-16"


async def test_legal_calendar_sweep_starts_the_provisional_budget(kit: Kit) -> None:
    from datetime import date

    from cg_budget.cycles import service

    late = await kit.open_cycle()
    enacted = await kit.open_cycle(sgg="11110", headers=ADMIN)
    for state, on in (
        ("REQUESTS", None),
        ("ALLOCATION", None),
        ("BILL_SUBMITTED", f"{FY - 1}-11-20"),
        ("ENACTED", f"{FY - 1}-12-20"),
    ):
        assert (await kit.move(enacted["id"], state, on=on, headers=ADMIN)).status_code == 200
    async with kit.app.state.sessions() as session, session.begin():
        assert await service.apply_legal_calendar(session=session, today=date(FY - 1, 12, 31)) == []
    async with kit.app.state.sessions() as session, session.begin():
        moved = await service.apply_legal_calendar(session=session, today=date(FY, 1, 2))
    assert sorted(moved) == sorted([late["id"], enacted["id"]])
    assert (await kit.client.get(f"/v1/cycles/{late['id']}")).json()["provisional_since"] == f"{FY}-01-01"
    assert (await kit.client.get(f"/v1/cycles/{enacted['id']}")).json()["status"] == "EXECUTION"
    # From PROVISIONAL only enactment is possible; the late budget ends the provisional one.
    r = await kit.move(late["id"], "ALLOCATION")
    assert r.status_code == 409 and r.json()["allowed"] == ["ENACTED"]
    assert (await kit.move(late["id"], "ENACTED", on=f"{FY}-01-20")).status_code == 200
    calendar = (
        await kit.client.get(f"/v1/cycles/{late['id']}/calendar", params={"as_of": f"{FY}-02-01"})
    ).json()
    assert next(d for d in calendar["deadlines"] if d["key"] == "budget_in_force")["state"] == "met_late"


async def test_cycle_writes_check_role_borough_and_etag(kit: Kit) -> None:
    body = {"sgg_code": BOROUGH, "fiscal_year": FY}
    assert (await kit.client.post("/v1/cycles", json=body)).status_code == 401
    assert (await kit.client.post("/v1/cycles", json=body, headers=resident(1))).status_code == 403
    assert (await kit.client.post("/v1/cycles", json=body, headers=OTHER_OFFICER)).status_code == 403
    expired = auth("borough_officer", BOROUGH, ttl_s=-10)
    assert (await kit.client.post("/v1/cycles", json=body, headers=expired)).status_code == 401
    assert await kit.count("cycles") == 0
    cycle = await kit.open_cycle()
    dup = await kit.client.post("/v1/cycles", json=body, headers=ADMIN)
    assert dup.status_code == 409 and dup.json()["cycle_id"] == cycle["id"]
    bad = await kit.client.post("/v1/cycles", json={"sgg_code": "11999", "fiscal_year": FY}, headers=ADMIN)
    assert bad.status_code == 422
    r = await kit.move(cycle["id"], "REQUESTS", headers=OTHER_OFFICER)
    assert r.status_code == 403
    stale = await kit.client.post(
        f"/v1/cycles/{cycle['id']}/transitions",
        json={"to": "REQUESTS"},
        headers={**OFFICER, "If-Match": 'W/"7"'},
    )
    assert stale.status_code == 412
    ok = await kit.client.post(
        f"/v1/cycles/{cycle['id']}/transitions",
        json={"to": "REQUESTS"},
        headers={**OFFICER, "If-Match": 'W/"1"'},
    )
    assert ok.status_code == 200 and ok.headers["ETag"] == 'W/"2"'
    listed = await kit.client.get("/v1/cycles", params={"sgg_code": BOROUGH})
    assert [c["id"] for c in listed.json()["items"]] == [cycle["id"]]
