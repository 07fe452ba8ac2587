"""SMG money to the boroughs: grant programmes (공모사업) inside their call window, the block grant spent only
on adopted plan items, and the per-borough report of money through the plan versus programmes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from cg_shared.clock import SEOUL, today_seoul
from cg_shared.testing.clock import frozen_at
from cg_shared.testing.helpers import auth

from ..conftest import BOROUGH, FY, OTHER, OTHER_OFFICER, Kit, plan_adopted

pytestmark = pytest.mark.postgres


def seoul_noon(day: object) -> datetime:
    return datetime.combine(day, time(12), tzinfo=SEOUL).astimezone(UTC)  # type: ignore[arg-type]


async def _create_programme(kit: Kit, opens: date, closes: date) -> dict[str, Any]:
    """SMG admin only, a call window not in the past, one programme per code."""
    admin = auth("smg_admin", sub="admin-city")
    body = {
        "code": "SMG-2030-VILLAGE",
        "title_ko": "마을공동체 활성화 공모사업",
        "fiscal_year": FY,
        "pool_krw": 50_000_000,
        "max_award_krw": 40_000_000,
        "call_opens_on": opens.isoformat(),
        "call_closes_on": closes.isoformat(),
    }
    officer_refused = await kit.client.post(
        "/v1/smg/programmes", json=body, headers=auth("borough_officer", BOROUGH)
    )
    assert officer_refused.status_code == 403
    backdated = await kit.client.post(
        "/v1/smg/programmes",
        json={**body, "call_opens_on": "2020-01-01", "call_closes_on": "2020-02-01"},
        headers=admin,
    )
    assert backdated.status_code == 422
    assert backdated.json()["errors"][0]["field"] == "body.call_closes_on"
    created = await kit.client.post("/v1/smg/programmes", json=body, headers=admin)
    assert created.status_code == 201, created.text
    programme = created.json()
    assert programme["call_state"] == "upcoming"
    assert (await kit.client.post("/v1/smg/programmes", json=body, headers=admin)).status_code == 409
    return dict(programme)


async def _applications_while_the_call_is_open(
    kit: Kit, url: str, application: dict[str, Any], opens: date
) -> tuple[str, str]:
    """While the call is open: two applications within the cap from the borough; none from another, no decision yet. Their ids."""
    officer = auth("borough_officer", BOROUGH, sub="officer-seongdong")
    first = await kit.client.post(url, json=application, headers=officer)
    assert first.status_code == 201, first.text
    assert first.json()["submitted_on"] == opens.isoformat()
    second = await kit.client.post(
        url, json={**application, "title_ko": "왕십리 돌봄", "requested_krw": 25_000_000}, headers=officer
    )
    assert second.status_code == 201, second.text
    over_cap = await kit.client.post(url, json={**application, "requested_krw": 41_000_000}, headers=officer)
    assert over_cap.status_code == 422
    assert over_cap.json()["errors"][0]["field"] == "body.requested_krw"
    other_borough = await kit.client.post(
        url, json=application, headers=auth("borough_officer", OTHER, sub="officer-gangnam")
    )
    assert other_borough.status_code == 403
    still_open = await kit.client.post(
        f"/v1/smg/applications/{first.json()['id']}/decision",
        json={"outcome": "awarded"},
        headers=auth("smg_admin", sub="admin-city"),
    )
    assert still_open.status_code == 409
    assert still_open.json()["type"].endswith("call-still-open")
    return first.json()["id"], second.json()["id"]


async def _decisions_after_the_call_closes(
    kit: Kit, url: str, application: dict[str, Any], first_id: str, second_id: str
) -> None:
    """After the call closed: no late application; each decided once, an award within the pool, a rejection with its reason."""
    admin = auth("smg_admin", sub="admin-city")
    late = await kit.client.post(url, json=application, headers=auth("borough_officer", BOROUGH))
    assert late.status_code == 409
    assert late.json()["type"].endswith("call-closed")
    decide = f"/v1/smg/applications/{first_id}/decision"
    awarded = await kit.client.post(decide, json={"outcome": "awarded"}, headers=admin)
    assert awarded.status_code == 200, awarded.text
    assert awarded.json()["status"] == "awarded" and awarded.json()["award_krw"] == 30_000_000
    again = await kit.client.post(decide, json={"outcome": "rejected", "reason": "중복"}, headers=admin)
    assert again.status_code == 409
    decide2 = f"/v1/smg/applications/{second_id}/decision"
    # 25M asked, 20M left in the 50M pool.
    too_much = await kit.client.post(decide2, json={"outcome": "awarded"}, headers=admin)
    assert too_much.status_code == 409
    assert too_much.json()["type"].endswith("pool-exhausted")
    no_reason = await kit.client.post(decide2, json={"outcome": "rejected"}, headers=admin)
    assert no_reason.status_code == 422
    assert no_reason.json()["errors"][0]["field"] == "body.reason"
    partly = await kit.client.post(
        decide2, json={"outcome": "awarded", "award_krw": 20_000_000}, headers=admin
    )
    assert partly.status_code == 200, partly.text


async def test_programme_call_window_awards_and_pool(kit: Kit) -> None:
    today = today_seoul()
    opens, closes = today + timedelta(days=3), today + timedelta(days=10)
    programme = await _create_programme(kit, opens, closes)
    url = f"/v1/smg/programmes/{programme['id']}/applications"
    application = {"sgg_code": BOROUGH, "title_ko": "성수동 마을 부엌", "requested_krw": 30_000_000}

    early = await kit.client.post(url, json=application, headers=auth("borough_officer", BOROUGH))
    assert early.status_code == 409
    assert early.json()["type"].endswith("call-not-open-yet")

    with frozen_at(seoul_noon(opens)):
        first_id, second_id = await _applications_while_the_call_is_open(kit, url, application, opens)
    with frozen_at(seoul_noon(closes + timedelta(days=1))):
        await _decisions_after_the_call_closes(kit, url, application, first_id, second_id)

    listed = (await kit.client.get(url)).json()  # public
    assert sorted(a["award_krw"] for a in listed) == [20_000_000, 30_000_000]
    shown = (await kit.client.get(f"/v1/smg/programmes/{programme['id']}")).json()
    assert shown["awarded_krw"] == 50_000_000 and shown["application_count"] == 2
    decided = await kit.outbox_payloads("smg_award.decided.v1")
    assert [(p["outcome"], p["award_krw"], p["sgg_code"]) for p in (e["data"] for e in decided)] == [
        ("awarded", 30_000_000, BOROUGH),
        ("awarded", 20_000_000, BOROUGH),
    ]


async def _block_grant_goes_to_plan_items_only(
    kit: Kit, grant_url: str, by_amount: dict[int, dict[str, Any]], manual_id: str
) -> None:
    """Only requests opened from adopted plan items take the grant, once each, within what is left; the
    grant cannot then go below what it put on them."""
    admin = auth("smg_admin", sub="admin-city")
    officer = auth("borough_officer", BOROUGH, sub="officer-seongdong")
    uses = f"{grant_url}/uses"
    not_plan = await kit.client.post(
        uses, json={"request_id": manual_id, "amount_krw": 5_000_000}, headers=officer
    )
    assert not_plan.status_code == 422
    assert not_plan.json()["type"].endswith("not-a-plan-item")
    assert not_plan.json()["errors"][0]["field"] == "body.request_id"
    first = by_amount[30_000_000]["id"]
    refused = await kit.client.post(
        uses, json={"request_id": first, "amount_krw": 30_000_000}, headers=OTHER_OFFICER
    )
    assert refused.status_code == 403
    used = await kit.client.post(uses, json={"request_id": first, "amount_krw": 30_000_000}, headers=officer)
    assert used.status_code == 201, used.text
    assert used.json()["assigned_krw"] == 30_000_000 and used.json()["unassigned_krw"] == 20_000_000
    assert used.json()["uses"][0]["title_ko"] == "협치사업 1"
    twice = await kit.client.post(uses, json={"request_id": first, "amount_krw": 1_000_000}, headers=officer)
    assert twice.status_code == 409
    # Block-grant money on it: the request can no longer be cut or declared infeasible.
    funded = await kit.client.get(f"/v1/requests/{first}")
    cut = await kit.client.patch(
        f"/v1/requests/{first}",
        json={"feasibility": "infeasible", "feasibility_note": "재검토"},
        headers={**officer, "If-Match": funded.headers["ETag"]},
    )
    assert cut.status_code == 409 and cut.json()["type"].endswith("block-grant-funded"), cut.text
    second = by_amount[40_000_000]["id"]
    exhausted = await kit.client.post(
        uses, json={"request_id": second, "amount_krw": 40_000_000}, headers=officer
    )
    assert exhausted.status_code == 409
    assert exhausted.json()["type"].endswith("block-grant-exhausted")
    ok = await kit.client.post(uses, json={"request_id": second, "amount_krw": 20_000_000}, headers=officer)
    assert ok.status_code == 201, ok.text

    current = await kit.client.get(grant_url)
    lower = await kit.client.put(
        grant_url, json={"amount_krw": 40_000_000}, headers={**admin, "If-Match": current.headers["ETag"]}
    )
    assert lower.status_code == 409
    assigned = await kit.outbox_payloads("block_grant.assigned.v1")
    assert [(p["plan_item_id"], p["amount_krw"]) for p in (e["data"] for e in assigned)] == [
        (by_amount[30_000_000]["plan_item_id"], 30_000_000),
        (by_amount[40_000_000]["plan_item_id"], 20_000_000),
    ]


async def _programme_award_on_a_plan_item(kit: Kit, plan_item_id: str) -> None:
    """A programme award of 20M for the same borough and year: 50M through the plan, 20M project by project."""
    admin = auth("smg_admin", sub="admin-city")
    officer = auth("borough_officer", BOROUGH, sub="officer-seongdong")
    today = today_seoul()
    programme = await kit.client.post(
        "/v1/smg/programmes",
        json={
            "code": "SMG-2030-CARE",
            "title_ko": "돌봄 공모사업",
            "fiscal_year": FY,
            "pool_krw": 100_000_000,
            "call_opens_on": today.isoformat(),
            "call_closes_on": today.isoformat(),
        },
        headers=admin,
    )
    assert programme.status_code == 201, programme.text
    applied = await kit.client.post(
        f"/v1/smg/programmes/{programme.json()['id']}/applications",
        json={
            "sgg_code": BOROUGH,
            "title_ko": "돌봄 사업",
            "requested_krw": 20_000_000,
            "plan_item_id": plan_item_id,
        },
        headers=officer,
    )
    assert applied.status_code == 201, applied.text
    unknown_item = await kit.client.post(
        f"/v1/smg/programmes/{programme.json()['id']}/applications",
        json={"sgg_code": BOROUGH, "title_ko": "x", "requested_krw": 1, "plan_item_id": "item-none"},
        headers=officer,
    )
    assert unknown_item.status_code == 422
    assert unknown_item.json()["errors"][0]["field"] == "body.plan_item_id"
    with frozen_at(seoul_noon(today + timedelta(days=1))):
        decided = await kit.client.post(
            f"/v1/smg/applications/{applied.json()['id']}/decision",
            json={"outcome": "awarded"},
            headers=auth("smg_admin", sub="admin-city"),
        )
        assert decided.status_code == 200, decided.text


async def test_block_grant_follows_adopted_plan_items_and_report_shares(kit: Kit) -> None:
    admin = auth("smg_admin", sub="admin-city")
    officer = auth("borough_officer", BOROUGH, sub="officer-seongdong")
    await kit.adopt_plan(plan_adopted(items=2, amounts=[30_000_000, 40_000_000]))
    requests = (await kit.client.get("/v1/requests", params={"sgg_code": BOROUGH})).json()["items"]
    by_amount = {r["amount_krw"]: r for r in requests}
    manual = await kit.client.post(
        "/v1/requests",
        json={"sgg_code": BOROUGH, "fiscal_year": FY, "title_ko": "구청 자체 사업", "amount_krw": 5_000_000},
        headers=officer,
    )
    assert manual.status_code == 201, manual.text

    grant_url = f"/v1/smg/block-grants/{BOROUGH}/{FY}"
    assert (
        await kit.client.put(grant_url, json={"amount_krw": 50_000_000}, headers=officer)
    ).status_code == 403
    created = await kit.client.put(grant_url, json={"amount_krw": 50_000_000, "grade": "가"}, headers=admin)
    assert created.status_code == 201, created.text
    assert (
        await kit.client.put(grant_url, json={"amount_krw": 60_000_000}, headers=admin)
    ).status_code == 428

    await _block_grant_goes_to_plan_items_only(kit, grant_url, by_amount, manual.json()["id"])
    await _programme_award_on_a_plan_item(kit, by_amount[40_000_000]["plan_item_id"])

    report = (await kit.client.get("/v1/smg/report", params={"fiscal_year": FY})).json()
    assert len(report["rows"]) == 1
    row = report["rows"][0]
    assert row["sgg_code"] == BOROUGH and row["name_ko"] == "성동구"
    assert row["block_grant_krw"] == 50_000_000
    assert row["through_plan_krw"] == 50_000_000
    assert row["programme_awarded_krw"] == 20_000_000
    assert row["programme_awarded_on_plan_items_krw"] == 20_000_000
    assert row["smg_total_krw"] == 70_000_000
    assert row["plan_share"] == round(50 / 70, 4)
    assert report["plan_share"] == round(50 / 70, 4)
    other = (await kit.client.get("/v1/smg/report", params={"sgg_code": OTHER})).json()
    assert other["rows"] == [] and other["plan_share"] is None
