"""Resident proposals: submit, screen (accept / merge / reject), the proposer's view, the public view."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

PERSONAL = {"proposer_sub", "proposer_name", "contact", "organisation"}


def proposal_body(pl: Any, plan_id: str | None, title: str, **extra: Any) -> dict[str, Any]:
    body = {
        "sgg_code": pl.SGG,
        "plan_id": plan_id,
        "title": title,
        "problem": "청년이 모일 공간이 없다",
        "idea": "빈 점포를 청년 협의체가 운영",
        "dong": "성수1가1동",
        "estimated_cost_krw": 80_000_000,
        "target_group": "청년",
        "contact": "010-1234-5678",
    }
    body.update(extra)
    return body


async def submit(client: httpx.AsyncClient, headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    r = await client.post("/v1/proposals", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def screen(
    client: httpx.AsyncClient, proposal_id: str, body: dict[str, Any], status: int = 200
) -> dict[str, Any]:
    r = await client.post(
        f"/v1/proposals/{proposal_id}/screening", json=body, headers={"Authorization": ""} | _officer()
    )
    assert r.status_code == status, r.text
    return dict(r.json())


def _officer() -> dict[str, str]:
    from cg_shared.testing.helpers import auth

    return auth("borough_officer", "11200", sub="officer-seongdong")


async def mine(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, dict[str, Any]]:
    r = await client.get("/v1/proposals/mine", headers=headers)
    assert r.status_code == 200, r.text
    return {p["id"]: p for p in r.json()["items"]}


async def test_merged_proposal_keeps_its_link_and_the_proposer_sees_the_outcome(
    client: httpx.AsyncClient, app: FastAPI, pl: Any
) -> None:
    master = await pl.create_master(client)
    annual = await pl.create_annual(client, master)
    alice, bob = pl.resident("resident-alice", name="김민지"), pl.resident("resident-bob", name="박서준")

    first = await submit(client, alice, proposal_body(pl, annual["id"], "성수동 빈 점포를 청년 공유공간으로"))
    second = await submit(client, bob, proposal_body(pl, annual["id"], "청년 공유공간 만들어 주세요"))
    assert first["status"] == "submitted" and first["proposer_kind"] == "resident"
    assert not PERSONAL & first.keys()

    # Accept the first into a new item: origin comes from the proposer, the budget from the estimate.
    accepted = await screen(
        client, first["id"], {"decision": "accept", "item": {"policy_field": "community"}}
    )
    assert accepted["status"] == "accepted" and accepted["item_id"]
    item = (await client.get(f"/v1/items/{accepted['item_id']}")).json()
    assert item["origin"] == "resident" and item["title_ko"] == "성수동 빈 점포를 청년 공유공간으로"
    assert item["source_proposal_id"] == first["id"] and item["plan_id"] == annual["id"]
    assert item["requested_budget"] == [{"fiscal_year": annual["fiscal_year"], "amount_krw": 80_000_000}]
    assert item["target_groups"] == ["청년"] and item["dong"] == "성수1가1동"

    # Merge the second into that item: it keeps the link, and the item lists both proposals.
    merged = await screen(
        client, second["id"], {"decision": "merge", "item_id": item["id"], "reason": "같은 공간 제안과 통합"}
    )
    assert merged["status"] == "merged" and merged["item_id"] == item["id"]
    item = (await client.get(f"/v1/items/{item['id']}")).json()
    assert item["proposal_ids"] == [first["id"], second["id"]]
    assert (await client.get(f"/v1/proposals/{second['id']}")).json()["item_id"] == item["id"]

    bobs = await mine(client, bob)
    assert set(bobs) == {second["id"]}  # only his own
    view = bobs[second["id"]]
    assert view["status"] == "merged" and view["item_id"] == item["id"]
    assert (
        view["item_title_ko"] == "성수동 빈 점포를 청년 공유공간으로" and view["item_plan_id"] == annual["id"]
    )
    assert "merged into plan item" in view["outcome"] and "같은 공간 제안과 통합" in view["outcome"]
    assert view["contact"] == "010-1234-5678"  # his own contact, visible to him only
    assert "accepted into plan item" in (await mine(client, alice))[first["id"]]["outcome"]

    # Public listing: no personal data anywhere.
    listed = (await client.get(f"/v1/proposals?plan_id={annual['id']}")).json()["items"]
    assert {p["id"] for p in listed} == {first["id"], second["id"]}
    for p in listed:
        assert not PERSONAL & p.keys()
        assert "김민지" not in str(p) and "010-1234-5678" not in str(p) and "resident-alice" not in str(p)

    # A screened proposal is not screened again.
    r = await client.post(
        f"/v1/proposals/{second['id']}/screening",
        json={"decision": "reject", "reason": "x"},
        headers=_officer(),
    )
    assert r.status_code == 409 and r.json()["current_status"] == "merged"


async def test_merge_into_a_pending_proposal_follows_it_into_the_item(
    client: httpx.AsyncClient, pl: Any
) -> None:
    master = await pl.create_master(client)
    annual = await pl.create_annual(client, master)
    carol, dan = pl.resident("resident-carol"), pl.resident("resident-dan")
    lead = await submit(client, carol, proposal_body(pl, annual["id"], "골목 쓰레기 문제 해결"))
    follower = await submit(client, dan, proposal_body(pl, annual["id"], "골목길 쓰레기"))

    merged = await screen(client, follower["id"], {"decision": "merge", "proposal_id": lead["id"]})
    assert merged["merged_into_proposal_id"] == lead["id"] and merged["item_id"] is None
    assert "still being screened" in (await mine(client, dan))[follower["id"]]["outcome"]

    accepted = await screen(client, lead["id"], {"decision": "accept", "plan_id": annual["id"]})
    dans = await mine(client, dan)
    assert dans[follower["id"]]["item_id"] == accepted["item_id"]
    assert "merged into plan item '골목 쓰레기 문제 해결'" in dans[follower["id"]]["outcome"]

    r = await client.post(
        f"/v1/proposals/{lead['id']}/screening",
        json={"decision": "merge", "proposal_id": lead["id"]},
        headers=_officer(),
    )
    assert r.status_code == 409  # already screened


async def test_rejection_needs_a_reason_the_proposer_then_sees(client: httpx.AsyncClient, pl: Any) -> None:
    erin = pl.resident("resident-erin")
    proposal = await submit(client, erin, proposal_body(pl, None, "지하철 증편"))
    r = await client.post(
        f"/v1/proposals/{proposal['id']}/screening", json={"decision": "reject"}, headers=_officer()
    )
    assert r.status_code == 422 and [e["field"] for e in r.json()["errors"]] == ["body.reason"]
    r = await client.post(
        f"/v1/proposals/{proposal['id']}/screening", json={"decision": "merge"}, headers=_officer()
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.item_id"
    r = await client.post(
        f"/v1/proposals/{proposal['id']}/screening", json={"decision": "accept"}, headers=_officer()
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.plan_id"
    rejected = await screen(
        client, proposal["id"], {"decision": "reject", "reason": "시 소관 사무로 서울시에 전달했습니다"}
    )
    assert rejected["status"] == "rejected"
    view = (await mine(client, erin))[proposal["id"]]
    assert view["screening_reason"] == "시 소관 사무로 서울시에 전달했습니다"
    assert view["outcome"] == "not taken up: 시 소관 사무로 서울시에 전달했습니다"


async def test_civic_group_proposal_makes_a_civic_group_item_with_the_group_as_applicant(
    client: httpx.AsyncClient, app: FastAPI, pl: Any
) -> None:
    plan = await pl.drafted_plan(client, items=1)
    group = pl.resident("group-member", organisations=["성수마을넷"])
    proposal = await submit(client, group, proposal_body(pl, plan.plan_id, "마을 공유부엌"))
    assert proposal["proposer_kind"] == "civic_group"
    r = await client.post(
        "/v1/proposals", json=proposal_body(pl, plan.plan_id, "x", organisation="다른단체"), headers=group
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.organisation"
    r = await client.post(
        "/v1/proposals",
        json=proposal_body(pl, plan.plan_id, "x", proposer_kind="civic_group"),
        headers=pl.resident("lone"),
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.organisation"

    accepted = await screen(
        client,
        proposal["id"],
        {
            "decision": "accept",
            "plan_id": plan.plan_id,
            "item": {"title_ko": "공유부엌 조성", "origin": "department"},
        },
    )
    item = (await client.get(f"/v1/items/{accepted['item_id']}")).json()
    assert item["origin"] == "civic_group" and item["title_ko"] == "공유부엌 조성"
    assert item["applicant_organisations"] == ["성수마을넷"]
    await pl.deliberate(client, item["id"])
    assert (await client.post(f"/v1/plans/{plan.plan_id}/submit", headers=pl.OFFICER)).status_code == 200
    (submitted,) = await pl.outbox_rows(app, "plan.submitted.v1", plan.plan_id)
    assert submitted["data"]["applicant_organisations"] == ["성수마을넷"]

    metrics = (await client.get(f"/v1/plans/{plan.plan_id}/metrics")).json()
    assert metrics["items_by_origin"] == {"resident": 0, "civic_group": 1, "department": 1}
    assert metrics["proposals_received"] == 1 and metrics["share_proposals_accepted"] == 1.0


async def test_only_residents_propose_and_only_the_boroughs_officers_screen(
    client: httpx.AsyncClient, pl: Any
) -> None:
    body = proposal_body(pl, None, "공원 벤치")
    assert (await client.post("/v1/proposals", json=body)).status_code == 401
    assert (await client.post("/v1/proposals", json=body, headers=pl.OFFICER)).status_code == 403
    r = await client.post(
        "/v1/proposals", json={**body, "estimated_cost_krw": -1, "title": ""}, headers=pl.resident("r")
    )
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"body.estimated_cost_krw", "body.title"}
    proposal = await submit(client, pl.resident("resident-frank"), body)
    for headers, status in ((pl.OTHER_OFFICER, 403), (pl.resident("resident-frank"), 403), ({}, 401)):
        r = await client.post(
            f"/v1/proposals/{proposal['id']}/screening",
            json={"decision": "reject", "reason": "x"},
            headers=headers,
        )
        assert r.status_code == status
    assert (await client.get("/v1/proposals/mine")).status_code == 401
