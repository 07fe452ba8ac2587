"""A resident follows their proposal to the end: screened → in a plan item → (sent back) → adopted →
requested → funded, fed by planning's own steps and by budget's events through the real idempotent
consumer; every step lands once in the proposer's inbox (PostgreSQL and SQLite)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from fastapi import FastAPI

from cg_shared.events.budget import AllocationFinalized, AllocationLine, RequestCreated, RequestExecuted
from cg_shared.testing.helpers import auth

OFFICER = auth("borough_officer", "11200", sub="officer-seongdong")


def _proposal(pl: Any, plan_id: str, title: str) -> dict[str, Any]:
    return {
        "sgg_code": pl.SGG,
        "plan_id": plan_id,
        "title": title,
        "problem": "어르신이 함께 식사할 곳이 없다",
        "idea": "주민센터 유휴 공간에 공유부엌",
        "dong": "성수1가2동",
        "estimated_cost_krw": 80_000_000,
        "target_group": "어르신",
    }


async def _post(client: httpx.AsyncClient, url: str, body: Any, headers: dict[str, str]) -> dict[str, Any]:
    r = await client.post(url, json=body, headers=headers)
    assert r.status_code in (200, 201), r.text
    return dict(r.json())


async def _mine(client: httpx.AsyncClient, who: dict[str, str]) -> dict[str, dict[str, Any]]:
    r = await client.get("/v1/proposals/mine", headers=who)
    assert r.status_code == 200, r.text
    return {p["id"]: p for p in r.json()["items"]}


async def _screen(
    client: httpx.AsyncClient, pl: Any, plan_id: str, residents: tuple[dict[str, str], ...]
) -> tuple[dict[str, Any], dict[str, Any], str]:
    """Three proposals: the first accepted (a new item), the second merged into it, the third rejected."""
    alice, bob, carol = residents
    kitchen = await _post(client, "/v1/proposals", _proposal(pl, plan_id, "주민 공유부엌"), alice)
    twin = await _post(client, "/v1/proposals", _proposal(pl, plan_id, "어르신 식당"), bob)
    other = await _post(client, "/v1/proposals", _proposal(pl, plan_id, "시립 체육관"), carol)
    accepted = await _post(
        client, f"/v1/proposals/{kitchen['id']}/screening", {"decision": "accept"}, OFFICER
    )
    item_id = accepted["item_id"]
    await _post(
        client,
        f"/v1/proposals/{twin['id']}/screening",
        {"decision": "merge", "item_id": item_id, "reason": "같은 공간 제안과 통합"},
        OFFICER,
    )
    await _post(
        client,
        f"/v1/proposals/{other['id']}/screening",
        {"decision": "reject", "reason": "시 사무라 서울시에 이관"},
        OFFICER,
    )
    rejected = (await _mine(client, carol))[other["id"]]
    assert [s["stage"] for s in rejected["timeline"]] == ["screened", "rejected"]
    assert rejected["stage"] == "rejected" and rejected["timeline"][-1]["reason"] == "시 사무라 서울시에 이관"
    return kitchen, twin, item_id


async def _adopt_after_a_send_back(
    client: httpx.AsyncClient, app: FastAPI, pl: Any, plan_id: str, item_id: str
) -> None:
    await pl.deliberate(client, item_id)
    for to in ("DELIBERATION", "DRAFTING"):
        assert (await pl.move(client, plan_id, to)).status_code == 200
    assert (await client.post(f"/v1/plans/{plan_id}/submit", headers=OFFICER)).status_code == 200
    # The committee's first decision is invalid: the plan goes back, and the proposers learn why.
    invalid = pl.decision(plan_id, valid=False, reasons=["notice: FAILED — 2 day(s) before it"])
    await pl.consume(app, pl.event_record(invalid, subject=invalid.decision_id))
    assert (await pl.move(client, plan_id, "DRAFTING", "재상정")).status_code == 200
    assert (await client.post(f"/v1/plans/{plan_id}/submit", headers=OFFICER)).status_code == 200
    adopted = pl.decision(plan_id)
    await pl.consume(app, pl.event_record(adopted, subject=adopted.decision_id))


async def _request_and_fund(app: FastAPI, pl: Any, annual: dict[str, Any], item_id: str) -> str:
    """Budget opens a request for the item and funds it (the allocation delivered twice, then re-emitted)."""
    request = RequestCreated(
        request_id=str(uuid.uuid4()),
        sgg_code=pl.SGG,
        plan_id=annual["id"],
        plan_item_id=item_id,
        fiscal_year=annual["fiscal_year"],
        amount_krw=80_000_000,
    )
    await pl.consume(app, pl.event_record(request, subject=request.request_id))
    allocation = AllocationFinalized(
        allocation_id=str(uuid.uuid4()),
        cycle_id="cycle-1",
        sgg_code=pl.SGG,
        fiscal_year=annual["fiscal_year"],
        method="election:mes",
        lines=[
            AllocationLine(
                request_id=request.request_id,
                plan_id=annual["id"],
                plan_item_id=item_id,
                amount_krw=80_000_000,
            )
        ],
        total_krw=80_000_000,
    )
    funding = pl.event_record(allocation, subject=allocation.allocation_id)
    await pl.consume(app, funding)
    await pl.consume(app, funding)  # redelivered: the inbox skips it
    await pl.consume(app, pl.event_record(allocation, subject=allocation.allocation_id))  # new id
    return request.request_id


async def _report_spending(
    app: FastAPI, pl: Any, annual: dict[str, Any], item_id: str, request_id: str
) -> None:
    """Borough IT reports spending on the item's request: executed, then completed once spent in full."""
    for import_id, spent in (("import-1", 30_000_000), ("import-2", 80_000_000)):
        execution = RequestExecuted(
            request_id=request_id,
            sgg_code=pl.SGG,
            fiscal_year=annual["fiscal_year"],
            plan_id=annual["id"],
            plan_item_id=item_id,
            import_id=import_id,
            allocated_krw=80_000_000,
            executed_krw=spent,
            completed=spent >= 80_000_000,
        )
        await pl.consume(app, pl.event_record(execution, subject=request_id))


async def _check_inbox(
    client: httpx.AsyncClient, residents: tuple[dict[str, str], ...], expected: list[str]
) -> None:
    """The inbox: one notification per step, newest first, only the resident's own."""
    alice, bob, carol = residents
    inbox = (await client.get("/v1/me/notifications", headers=alice)).json()
    assert inbox["unread_count"] == 9 and [n["stage"] for n in inbox["items"]] == expected[::-1]
    assert inbox["items"][0]["body"].startswith("「주민 공유부엌」") and not inbox["items"][0]["read"]
    first = inbox["items"][-1]["id"]
    foreign = await client.post(f"/v1/me/notifications/{first}/read", headers=bob)
    assert foreign.status_code == 404
    marked = await _post(client, f"/v1/me/notifications/{first}/read", None, alice)
    assert marked["read"] is True and marked["read_at"]
    unread = (await client.get("/v1/me/notifications?unread=true", headers=alice)).json()
    assert unread["unread_count"] == 8 and len(unread["items"]) == 8
    page = (await client.get("/v1/me/notifications?limit=5", headers=alice)).json()
    rest = (
        await client.get(f"/v1/me/notifications?limit=5&cursor={page['next_cursor']}", headers=alice)
    ).json()
    assert [n["id"] for n in page["items"] + rest["items"]] == [n["id"] for n in inbox["items"]]
    assert (await _post(client, "/v1/me/notifications/read-all", None, alice))["unread_count"] == 0
    assert (await client.get("/v1/me/notifications", headers=carol)).json()["unread_count"] == 2
    assert (await client.get("/v1/me/notifications")).status_code == 401


async def test_a_proposal_is_followed_from_screening_to_funding(
    client: httpx.AsyncClient, app: FastAPI, pl: Any
) -> None:
    master = await pl.create_master(client)
    annual = await pl.create_annual(client, master)
    residents = tuple(pl.resident(f"resident-{n}") for n in ("alice", "bob", "carol"))
    alice, bob, _ = residents
    kitchen, twin, item_id = await _screen(client, pl, annual["id"], residents)
    await _adopt_after_a_send_back(client, app, pl, annual["id"], item_id)
    request_id = await _request_and_fund(app, pl, annual, item_id)

    expected = ["screened", "in_plan_item", "revision", "adopted", "requested", "funded"]
    mine = (await _mine(client, alice))[kitchen["id"]]
    assert [s["stage"] for s in mine["timeline"]] == expected
    assert (
        mine["stage"] == "funded" and mine["outcome"] == "funded: ₩80,000,000 for plan item '주민 공유부엌'"
    )
    assert mine["timeline"][-1]["detail"].endswith("(80,000,000원)")
    steps = {s["stage"]: s for s in mine["timeline"]}
    assert steps["revision"]["reason"] == "notice: FAILED — 2 day(s) before it"
    assert steps["requested"]["amount_krw"] == 80_000_000 and steps["funded"]["amount_krw"] == 80_000_000
    assert steps["in_plan_item"]["item_id"] == item_id
    merged = (await _mine(client, bob))[twin["id"]]
    assert [s["stage"] for s in merged["timeline"]] == expected
    assert merged["timeline"][0]["reason"] == "같은 공간 제안과 통합"

    await _report_spending(app, pl, annual, item_id, request_id)
    done = (await _mine(client, alice))[kitchen["id"]]
    assert [s["stage"] for s in done["timeline"]][len(expected) :] == ["executed", "executed", "completed"]
    assert done["stage"] == "completed" and done["timeline"][-1]["amount_krw"] == 80_000_000
    await _check_inbox(client, residents, [*expected, "executed", "executed", "completed"])
