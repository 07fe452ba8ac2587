"""Envelopes, budget requests from adopted plans, review, and finalised allocations that never overspend."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from cg_budget.envelopes import service as envelopes_service
from cg_shared.events.planning import PlanAdopted, PlanEvaluated

from ..conftest import ADMIN, BOROUGH, FY, OFFICER, OTHER_OFFICER, Kit, plan_adopted, resident

pytestmark = pytest.mark.postgres


async def _cycle_with_requests(kit: Kit, amounts: list[int]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    cycle = await kit.open_cycle()
    await kit.adopt_plan(plan_adopted(items=len(amounts), amounts=amounts))
    await kit.to_allocation(cycle["id"])
    requests = (await kit.client.get("/v1/requests", params={"cycle_id": cycle["id"]})).json()["items"]
    assert len(requests) == len(amounts)
    return cycle, requests


async def test_plan_adopted_opens_requests_once(kit: Kit) -> None:
    payload = plan_adopted(items=2)
    # Adopted before the cycle exists: requests wait unattached, then join the cycle when it opens.
    created = await kit.adopt_plan(payload)
    assert len(created) == 2
    assert await kit.adopt_plan(payload) == []  # redelivery (or a re-emitted event) creates nothing
    again = payload.model_copy(update={"decision_id": "another-decision"})
    assert await kit.adopt_plan(again) == []
    assert await kit.count("budget_requests") == 2
    assert len(await kit.outbox_payloads("request.created.v1")) == 2
    first = (await kit.client.get(f"/v1/requests/{created[0]}")).json()
    assert first["cycle_id"] is None and first["status"] == "open" and first["source"] == "plan"
    assert first["program_codes"]["field"] == "080" and first["program_code_issues"] == []
    assert first["linked_project_ids"] == ["project-1"]
    cycle = await kit.open_cycle()
    first = (await kit.client.get(f"/v1/requests/{created[0]}")).json()
    assert first["cycle_id"] == cycle["id"]
    # A multi-year item opens one request per year with a positive amount.
    multi = plan_adopted(items=1)
    item = multi.items[0].model_dump()
    item["requested_budget"] = [
        {"fiscal_year": FY, "amount_krw": 5_000_000},
        {"fiscal_year": FY + 1, "amount_krw": 7_000_000},
        {"fiscal_year": FY + 2, "amount_krw": 0},
    ]
    multi = PlanAdopted.model_validate({**multi.model_dump(), "items": [item]})
    assert len(await kit.adopt_plan(multi)) == 2


async def test_review_revises_cost_with_reason_and_keeps_history(kit: Kit) -> None:
    cycle = await kit.open_cycle()
    [rid] = await kit.adopt_plan(plan_adopted(items=1, amounts=[30_000_000]))
    url = f"/v1/requests/{rid}"
    current = await kit.client.get(url)
    etag = current.headers["ETag"]
    no_reason = await kit.client.patch(
        url, json={"amount_krw": 25_000_000}, headers={**OFFICER, "If-Match": etag}
    )
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "body.revision_reason"
    missing = await kit.client.patch(url, json={"feasibility": "feasible"}, headers=OFFICER)
    assert missing.status_code == 428
    other = await kit.client.patch(
        url, json={"feasibility": "feasible"}, headers={**OTHER_OFFICER, "If-Match": etag}
    )
    assert other.status_code == 403
    bad_code = await kit.client.patch(
        url, json={"program_codes": {"field": "081"}}, headers={**OFFICER, "If-Match": etag}
    )
    assert bad_code.status_code == 422 and bad_code.json()["errors"][0]["field"] == "body.program_codes.field"
    ok = await kit.client.patch(
        url,
        json={
            "feasibility": "conditional",
            "feasibility_note": "부서 협의 필요",
            "amount_krw": 25_000_000,
            "revision_reason": "단가 조정",
        },
        headers={**OFFICER, "If-Match": etag},
    )
    assert ok.status_code == 200, ok.text
    body = ok.json()
    assert body["amount_krw"] == 25_000_000 and body["requested_krw"] == 30_000_000
    assert body["status"] == "reviewed" and body["feasibility"] == "conditional"
    assert body["cycle_id"] == cycle["id"]
    stale = await kit.client.patch(
        url, json={"feasibility": "feasible"}, headers={**OFFICER, "If-Match": etag}
    )
    assert stale.status_code == 412
    history = (await kit.client.get(f"{url}/history")).json()
    assert [h["action"] for h in history] == ["created", "cost_revised", "reviewed"]
    assert history[1]["changes"]["amount_krw"] == {"before": 30_000_000, "after": 25_000_000}
    assert history[1]["reason"] == "단가 조정"
    audit = (await kit.client.get("/v1/audit", params={"entity_id": rid}, headers=ADMIN)).json()["items"]
    assert {a["action"] for a in audit} == {"request.create", "request.review"}


async def test_envelopes_and_the_smg_grant_formula(kit: Kit) -> None:
    cycle = await kit.open_cycle()
    url = f"/v1/cycles/{cycle['id']}/envelopes"
    # The city's grant is the city's to set.
    r = await kit.client.put(f"{url}/smg_grant", json={"amount_krw": 1}, headers=OFFICER)
    assert r.status_code == 403
    borough = await kit.set_envelope(cycle["id"], "borough", 300_000_000)
    assert borough["available_krw"] == 300_000_000 and borough["revision"] == 0
    stale = await kit.client.put(
        f"{url}/borough", json={"amount_krw": 1}, headers={**OFFICER, "If-Match": 'W/"9"'}
    )
    assert stale.status_code == 412
    integrated = await kit.client.put(
        f"{url}/integrated", json={"amount_krw": 100, "integrated_source": "borough"}, headers=OFFICER
    )
    assert integrated.json()["integrated_source"] == "borough"
    assert (
        await kit.client.put(f"{url}/borough", json={"amount_krw": -1}, headers=OFFICER)
    ).status_code == 422

    # Grade 가 from planning's evaluation of the previous year feeds the formula.
    async with kit.app.state.sessions() as session, session.begin():
        await envelopes_service.record_evaluation(
            session=session,
            payload=PlanEvaluated(plan_id="plan-x", sgg_code=BOROUGH, fiscal_year=FY - 1, grade="가"),
        )
    preview = await kit.client.post(f"{url}/smg_grant/formula", json={"apply": False}, headers=ADMIN)
    assert preview.status_code == 200, preview.text
    p = preview.json()
    assert p["grade"] == "가" and p["grade_source"] == f"plan_evaluation:plan-x:{FY - 1}"
    assert p["population"] == 308519
    assert p["total_krw"] == 200_000_000 + 308519 * 500 + 500_000_000
    assert p["applied"] is False and p["envelope"] is None
    assert await kit.count("envelopes", "kind = 'smg_grant'") == 0
    custom = await kit.client.post(
        f"{url}/smg_grant/formula",
        json={"base_krw": 100_000_000, "per_resident_krw": 100, "grade_bonus_krw": {"가": 1_000_000}},
        headers=ADMIN,
    )
    assert custom.status_code == 200, custom.text
    env = custom.json()["envelope"]
    assert env["amount_krw"] == 100_000_000 + 30_851_900 + 1_000_000
    assert env["formula"]["grade"] == "가" and env["formula"]["parameters"]["per_resident_krw"] == 100
    events = await kit.outbox_payloads("envelope.set.v1")
    assert [e["data"]["kind"] for e in events] == ["borough", "integrated", "smg_grant"]


async def test_overspending_allocation_is_refused_and_nothing_is_written(kit: Kit) -> None:
    cycle, requests = await _cycle_with_requests(kit, [30_000_000, 20_000_000, 50_000_000])
    envelope = await kit.set_envelope(cycle["id"], "borough", 60_000_000)
    before_outbox = await kit.outbox_types()
    before_audit = await kit.count("audit_log")
    url = f"/v1/cycles/{cycle['id']}/allocations"
    body = {
        "method": "priority",
        "envelope_kind": "borough",
        "lines": [{"request_id": r["id"]} for r in requests],  # 100M from a 60M envelope
    }
    r = await kit.client.post(url, json=body, headers=OFFICER)
    assert r.status_code == 409, r.text
    problem = r.json()
    assert problem["type"].endswith("/envelope-overspent")
    assert problem["envelopes"][0]["needed_krw"] == 100_000_000
    assert problem["envelopes"][0]["available_krw"] == 60_000_000
    # Nothing written: no allocation, no lines, no funded request, envelope untouched, no event, no audit.
    assert await kit.count("allocations") == 0
    assert await kit.count("allocation_lines") == 0
    assert await kit.count("budget_requests", "status = 'funded'") == 0
    after = (await kit.client.get(f"/v1/envelopes/{envelope['id']}")).json()
    assert after["allocated_krw"] == 0 and after["version"] == envelope["version"]
    assert await kit.outbox_types() == before_outbox
    assert await kit.count("audit_log") == before_audit

    # Within the envelope it goes through, with a partial amount for one request.
    body["lines"] = [
        {"request_id": requests[0]["id"]},
        {"request_id": requests[1]["id"], "amount_krw": 15_000_000},
    ]
    ok = await kit.client.post(url, json=body, headers=OFFICER)
    assert ok.status_code == 201, ok.text
    allocation = ok.json()
    assert allocation["total_krw"] == 45_000_000 and allocation["method"] == "priority"
    assert {ln["source"] for ln in allocation["lines"]} == {"borough"}
    assert (await kit.client.get(f"/v1/envelopes/{envelope['id']}")).json()["available_krw"] == 15_000_000
    # Funding the third one (50M) now overspends by what is left (15M); a second allocation of a funded one is refused.
    third = await kit.client.post(
        url,
        json={"method": "formula", "envelope_kind": "borough", "lines": [{"request_id": requests[2]["id"]}]},
        headers=OFFICER,
    )
    assert third.status_code == 409
    again = await kit.client.post(
        url,
        json={"method": "formula", "envelope_kind": "borough", "lines": [{"request_id": requests[0]["id"]}]},
        headers={**OFFICER, "Accept-Language": "en"},
    )
    assert again.status_code == 422 and "already funded" in again.text
    events = await kit.outbox_payloads("allocation.finalized.v1")
    assert len(events) == 1
    line = events[0]["data"]["lines"][0]
    assert line["plan_item_id"] == requests[0]["plan_item_id"] and line["linked_project_ids"] == ["project-1"]
    assert (
        line["source"] == "borough"
        and line["amount_krw"] == 30_000_000
        and line["envelope_kind"] == "borough"
    )
    # An envelope cannot be lowered below what was allocated from it.
    low = await kit.client.put(
        f"/v1/cycles/{cycle['id']}/envelopes/borough",
        json={"amount_krw": 40_000_000},
        headers={**OFFICER, "If-Match": f'W/"{after["version"] + 1}"'},
    )
    assert low.status_code == 409
    # Money only moves in the ALLOCATION window (or a supplementary budget): after the bill it is refused.
    assert (await kit.move(cycle["id"], "BILL_SUBMITTED")).status_code == 200
    late = await kit.client.post(
        url,
        json={"method": "formula", "envelope_kind": "borough", "lines": [{"request_id": requests[2]["id"]}]},
        headers=OFFICER,
    )
    assert late.status_code == 409 and late.json()["current"] == "BILL_SUBMITTED"
    assert (
        await kit.client.get("/v1/reconciliation", params={"sgg_code": BOROUGH, "fiscal_year": FY})
    ).json()["totals"]["allocated_krw"] == 45_000_000


@pytest.mark.parametrize("db_backend", ["postgresql"])
async def test_concurrent_allocations_cannot_overspend_on_postgres(kit: Kit) -> None:
    cycle, requests = await _cycle_with_requests(kit, [40_000_000] * 5)
    envelope = await kit.set_envelope(cycle["id"], "integrated", 100_000_000)

    async def allocate(request_id: str) -> httpx.Response:
        return await kit.client.post(
            f"/v1/cycles/{cycle['id']}/allocations",
            json={"method": "formula", "envelope_kind": "integrated", "lines": [{"request_id": request_id}]},
            headers=OFFICER,
        )

    results = await asyncio.gather(*(allocate(r["id"]) for r in requests))
    codes = sorted(r.status_code for r in results)
    assert codes == [201, 201, 409, 409, 409], [r.text for r in results]
    final = (await kit.client.get(f"/v1/envelopes/{envelope['id']}")).json()
    assert final["allocated_krw"] == 80_000_000 and final["available_krw"] == 20_000_000
    assert await kit.count("allocation_lines") == 2
    sources = {e["data"]["lines"][0]["source"] for e in await kit.outbox_payloads("allocation.finalized.v1")}
    assert sources == {"smg_grant"}  # integrated defaults to the city's money it pools


async def test_supplementary_budget_reopens_money_after_enactment(kit: Kit) -> None:
    cycle, requests = await _cycle_with_requests(kit, [10_000_000, 20_000_000])
    await kit.set_envelope(cycle["id"], "borough", 10_000_000)
    for state, on in (("BILL_SUBMITTED", None), ("ENACTED", None), ("EXECUTION", f"{FY}-01-02")):
        assert (await kit.move(cycle["id"], state, on=on)).status_code == 200
    url = f"/v1/cycles/{cycle['id']}/envelopes/borough"
    current = (await kit.client.get(f"/v1/cycles/{cycle['id']}/envelopes")).json()[0]
    blocked = await kit.client.put(
        url, json={"amount_krw": 30_000_000}, headers={**OFFICER, "If-Match": f'W/"{current["version"]}"'}
    )
    assert blocked.status_code == 409
    opened = await kit.client.post(
        f"/v1/cycles/{cycle['id']}/supplementary-budgets", json={"title": "제1회 추경"}, headers=OFFICER
    )
    assert opened.status_code == 201
    raised = await kit.client.put(
        url, json={"amount_krw": 30_000_000}, headers={**OFFICER, "If-Match": f'W/"{current["version"]}"'}
    )
    assert raised.status_code == 200 and raised.json()["revision"] == 1
    alloc = await kit.client.post(
        f"/v1/cycles/{cycle['id']}/allocations",
        json={
            "method": "formula",
            "envelope_kind": "borough",
            "lines": [{"request_id": r["id"]} for r in requests],
        },
        headers=OFFICER,
    )
    assert alloc.status_code == 201 and alloc.json()["supplementary_number"] == 1


async def test_manual_request_and_auth(kit: Kit) -> None:
    body = {"sgg_code": BOROUGH, "fiscal_year": FY, "title_ko": "주민 공유공간", "amount_krw": 5_000_000}
    assert (await kit.client.post("/v1/requests", json=body, headers=resident(1))).status_code == 403
    assert (await kit.client.post("/v1/requests", json=body, headers=OTHER_OFFICER)).status_code == 403
    bad = await kit.client.post(
        "/v1/requests",
        json={**body, "program_codes": {"field": "999", "object_code": "abc"}},
        headers=OFFICER,
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {
        "body.program_codes.field",
        "body.program_codes.object_code",
    }
    ok = await kit.client.post("/v1/requests", json=body, headers=OFFICER)
    assert ok.status_code == 201 and ok.json()["source"] == "manual" and ok.json()["cycle_id"] is None
