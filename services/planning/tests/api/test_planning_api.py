"""Plans and items over HTTP: auth matrix, validation naming fields, workflow 409s, ETags, audit."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from cg_shared.messaging.tables import AuditEntry
from cg_shared.testing.helpers import auth, token

PROBLEM = "application/problem+json"


async def _count(app: FastAPI, model: Any) -> int:
    async with app.state.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_plan_writes_are_refused_without_the_right_role_and_borough(
    client: httpx.AsyncClient, app: FastAPI, pl: Any
) -> None:
    from cg_planning.plans.models import Plan

    body = {"sgg_code": pl.SGG, "kind": "master", "title_ko": "기본계획", "term_start_year": pl.fresh_term()}
    before = await _count(app, Plan)
    expired = {"Authorization": f"Bearer {token('borough_officer', pl.SGG, ttl_s=-10)}"}
    forged = {
        "Authorization": f"Bearer {token('borough_officer', pl.SGG, secret='not-the-secret-0123456789abcdef-xyz')}"
    }
    cases = [
        ({}, 401),
        (expired, 401),
        (forged, 401),
        (pl.resident("r-1"), 403),
        (auth("committee_secretary", pl.SGG), 403),
        (pl.OTHER_OFFICER, 403),
    ]
    for headers, status in cases:
        r = await client.post("/v1/plans", json=body, headers=headers)
        assert r.status_code == status, (headers, r.text)
        assert r.headers["content-type"].startswith(PROBLEM)
    assert await _count(app, Plan) == before
    assert (await client.post("/v1/plans", json=body, headers=pl.OFFICER)).status_code == 201
    # The city admin acts everywhere.
    other = {**body, "sgg_code": pl.OTHER_SGG, "term_start_year": pl.fresh_term()}
    assert (await client.post("/v1/plans", json=other, headers=pl.ADMIN)).status_code == 201


async def test_item_and_deliberation_writes_need_an_officer_of_the_plans_borough(
    client: httpx.AsyncClient, pl: Any
) -> None:
    master = await pl.create_master(client)
    annual = await pl.create_annual(client, master)
    body = pl.item_body("청년 공간", year=annual["fiscal_year"])
    for headers, status in ((pl.OTHER_OFFICER, 403), (pl.resident("r-2"), 403), ({}, 401)):
        r = await client.post(f"/v1/plans/{annual['id']}/items", json=body, headers=headers)
        assert r.status_code == status
    item = await pl.add_item(client, annual["id"], body)
    r = await client.post(
        f"/v1/items/{item['id']}/deliberations",
        json={"kind": "forum", "held_on": "2025-01-02", "participants_count": 3, "summary": "x"},
        headers=pl.OTHER_OFFICER,
    )
    assert r.status_code == 403
    r = await client.post(f"/v1/plans/{annual['id']}/submit", headers=pl.OTHER_OFFICER)
    assert r.status_code == 403


async def test_invalid_plans_get_422_naming_the_fields(client: httpx.AsyncClient, pl: Any) -> None:
    r = await client.post(
        "/v1/plans", json={"sgg_code": "99999", "kind": "yearly", "title_ko": ""}, headers=pl.OFFICER
    )
    assert r.status_code == 422 and r.headers["content-type"].startswith(PROBLEM)
    fields = {e["field"] for e in r.json()["errors"]}
    assert {"body.sgg_code", "body.kind", "body.title_ko"} <= fields

    r = await client.post(
        "/v1/plans", json={"sgg_code": pl.SGG, "kind": "annual", "title_ko": "실행계획"}, headers=pl.OFFICER
    )
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"body.fiscal_year", "body.master_plan_id"}

    master = await pl.create_master(client)
    r = await client.post(
        "/v1/plans",
        json={
            "sgg_code": pl.SGG,
            "kind": "annual",
            "title_ko": "범위 밖",
            "master_plan_id": master["id"],
            "fiscal_year": master["term_end_year"] + 1,
        },
        headers=pl.OFFICER,
    )
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["body.fiscal_year"]

    # A second master plan overlapping the first one's term is a conflict, not a new plan.
    r = await client.post(
        "/v1/plans",
        json={
            "sgg_code": pl.SGG,
            "kind": "master",
            "title_ko": "중복",
            "term_start_year": master["term_start_year"] + 2,
        },
        headers=pl.OFFICER,
    )
    assert r.status_code == 409 and r.json()["existing_plan_id"] == master["id"]

    annual = await pl.create_annual(client, master)
    assert annual["term_start_year"] == annual["term_end_year"] == annual["fiscal_year"]
    r = await client.post(
        "/v1/plans",
        json={
            "sgg_code": pl.SGG,
            "kind": "annual",
            "title_ko": "두번째",
            "master_plan_id": master["id"],
            "fiscal_year": annual["fiscal_year"],
        },
        headers=pl.OFFICER,
    )
    assert r.status_code == 409


async def test_invalid_items_get_422_naming_the_fields(client: httpx.AsyncClient, pl: Any) -> None:
    master = await pl.create_master(client)
    annual = await pl.create_annual(client, master)
    year = annual["fiscal_year"]
    body = pl.item_body(
        "청년 공간",
        year=year,
        requested_budget=[{"fiscal_year": year, "amount_krw": 1}, {"fiscal_year": year + 5, "amount_krw": 2}],
        linked_project_ids=["no-such-project"],
        kpis=[{"name": "참여", "target": 1}, {"name": "참여", "target": 2}],
    )
    r = await client.post(f"/v1/plans/{annual['id']}/items", json=body, headers=pl.OFFICER)
    assert r.status_code == 422, r.text
    fields = {e["field"] for e in r.json()["errors"]}
    assert fields == {"body.requested_budget.1.fiscal_year", "body.linked_project_ids.0", "body.kpis.1.name"}

    r = await client.post(
        f"/v1/plans/{annual['id']}/items",
        json={
            "title_ko": "x" * 301,
            "origin": "mayor",
            "requested_budget": [{"fiscal_year": year, "amount_krw": -5}],
        },
        headers=pl.OFFICER,
    )
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert {"body.title_ko", "body.origin", "body.requested_budget.0.amount_krw"} <= fields


async def test_illegal_transitions_are_409_naming_state_and_allowed_moves(
    client: httpx.AsyncClient, pl: Any
) -> None:
    master = await pl.create_master(client)
    annual = await pl.create_annual(client, master)
    plan_id = annual["id"]

    r = await pl.move(client, plan_id, "ADOPTED")
    assert r.status_code == 409 and r.headers["content-type"].startswith(PROBLEM)
    problem = r.json()
    assert problem["current_state"] == "DISCOVERY"
    assert [m["to"] for m in problem["allowed_moves"]] == ["DELIBERATION"]
    assert "DISCOVERY" in problem["detail"] and "DELIBERATION" in problem["detail"]

    # Korean by default, like every refusal: the officer's console shows this detail as it comes.
    assert problem["detail"].startswith("계획이 DISCOVERY 단계입니다")

    # DISCOVERY → DELIBERATION is allowed but guarded: nothing to deliberate yet.
    r = await pl.move(client, plan_id, "DELIBERATION")
    assert r.status_code == 409 and r.json()["type"].endswith("/transition-guard")
    assert (
        r.json()["detail"]
        == "DISCOVERY 단계에서 DELIBERATION 단계로 옮길 수 없습니다: 계획에 아직 사업이 없습니다"
    )
    assert r.json()["reasons"] == ["the plan has no items yet"]
    r = await client.post(
        f"/v1/plans/{plan_id}/transitions",
        json={"to": "DELIBERATION", "reason": "다음 단계로"},
        headers={**pl.OFFICER, "Accept-Language": "en"},
    )
    assert r.status_code == 409 and r.json()["detail"].endswith("no items yet")

    item = await pl.add_item(client, plan_id, pl.item_body("청년 공간", year=annual["fiscal_year"]))
    for to in ("DELIBERATION", "DRAFTING"):
        assert (await pl.move(client, plan_id, to)).status_code == 200
    # Review only through submit; adoption only through the committee's decision.
    r = await pl.move(client, plan_id, "COMMITTEE_REVIEW")
    assert r.status_code == 409 and "/submit" in r.json()["detail"]
    await pl.deliberate(client, item["id"])
    assert (await client.post(f"/v1/plans/{plan_id}/submit", headers=pl.OFFICER)).status_code == 200
    r = await pl.move(client, plan_id, "ADOPTED")
    assert r.status_code == 409
    assert r.json()["current_state"] == "COMMITTEE_REVIEW" and "DecisionRecorded" in r.json()["detail"]
    plan = (await client.get(f"/v1/plans/{plan_id}")).json()
    assert plan["state"] == "COMMITTEE_REVIEW"
    assert {m["to"] for m in plan["allowed_moves"]} == {"ADOPTED", "REVISION"}
    assert all(m["actor"] == "committee" for m in plan["allowed_moves"])
    # Items are frozen while the committee reviews the plan.
    r = await client.post(
        f"/v1/plans/{plan_id}/items",
        json=pl.item_body("늦은 의제", year=annual["fiscal_year"]),
        headers=pl.OFFICER,
    )
    assert r.status_code == 409 and r.json()["current_state"] == "COMMITTEE_REVIEW"

    r = await client.post(f"/v1/plans/{plan_id}/transitions", json={"to": "CLOSED"}, headers=pl.OFFICER)
    assert r.status_code == 422 and [e["field"] for e in r.json()["errors"]] == ["body.reason"]

    rules = (await client.get("/v1/plan-workflow")).json()
    assert {"from": "DRAFTING", "to": "COMMITTEE_REVIEW"}.items() <= rules[2].items()


async def test_submit_without_deliberation_is_refused_naming_the_item(
    client: httpx.AsyncClient, app: FastAPI, pl: Any
) -> None:
    plan = await pl.drafted_plan(client, items=1)
    lonely = await pl.add_item(client, plan.plan_id, pl.item_body("숙의 없는 의제", year=plan.fiscal_year))
    r = await client.post(f"/v1/plans/{plan.plan_id}/submit", json={"note": "상정"}, headers=pl.OFFICER)
    assert r.status_code == 409, r.text
    problem = r.json()
    assert problem["type"].endswith("/deliberation-missing")
    assert "숙의 없는 의제" in problem["detail"] and lonely["id"] in problem["detail"]
    assert problem["items_without_deliberation"] == [{"item_id": lonely["id"], "title_ko": "숙의 없는 의제"}]
    assert [e["field"] for e in problem["errors"]] == [f"items.{lonely['id']}"]
    assert (await client.get(f"/v1/plans/{plan.plan_id}")).json()["state"] == "DRAFTING"
    assert await pl.outbox_rows(app, "plan.submitted.v1", plan.plan_id) == []

    await pl.deliberate(client, lonely["id"])
    r = await client.post(
        f"/v1/plans/{plan.plan_id}/submit", json={"note": "9월 정기회의 상정"}, headers=pl.OFFICER
    )
    assert r.status_code == 200 and r.json()["state"] == "COMMITTEE_REVIEW"
    (submitted,) = await pl.outbox_rows(app, "plan.submitted.v1", plan.plan_id)
    assert submitted["data"]["item_count"] == 2
    assert submitted["data"]["partner_organisations"] == ["성동청년센터"]
    history = (await client.get(f"/v1/plans/{plan.plan_id}/transitions")).json()["items"]
    assert [h["to_state"] for h in history] == ["DISCOVERY", "DELIBERATION", "DRAFTING", "COMMITTEE_REVIEW"]
    assert history[-1]["reason"] == "9월 정기회의 상정" and history[-1]["actor"] == "officer-seongdong"
    assert history[-1]["trigger"] == "submit" and history[-1]["at"]


async def test_item_patch_needs_a_fresh_if_match(client: httpx.AsyncClient, app: FastAPI, pl: Any) -> None:
    master = await pl.create_master(client)
    annual = await pl.create_annual(client, master)
    item = await pl.add_item(client, annual["id"], pl.item_body("청년 공간", year=annual["fiscal_year"]))
    url = f"/v1/items/{item['id']}"
    etag = (await client.get(url)).headers["etag"]
    assert etag == 'W/"1"'
    r = await client.patch(url, json={"title_en": "Youth space"}, headers=pl.OFFICER)
    assert r.status_code == 428
    r = await client.patch(url, json={"title_en": "Youth space"}, headers={**pl.OFFICER, "If-Match": 'W/"7"'})
    assert r.status_code == 412 and r.json()["current_etag"] == etag
    r = await client.patch(
        url,
        json={"title_en": "Youth space", "target_groups": ["청년", "청년", "1인가구"]},
        headers={**pl.OFFICER, "If-Match": etag},
    )
    assert r.status_code == 200 and r.headers["etag"] == 'W/"2"'
    assert r.json()["target_groups"] == ["청년", "1인가구"]
    (updated,) = await pl.outbox_rows(app, "plan_item.updated.v1", item["id"])
    assert updated["data"]["item"]["title_en"] == "Youth space"
    # Stale again after the change.
    r = await client.patch(url, json={"title_en": "again"}, headers={**pl.OFFICER, "If-Match": etag})
    assert r.status_code == 412

    plan_etag = (await client.get(f"/v1/plans/{master['id']}")).headers["etag"]
    r = await client.patch(
        f"/v1/plans/{master['id']}",
        json={"goals": ["주민 제안 50%"]},
        headers={**pl.OFFICER, "If-Match": plan_etag},
    )
    assert r.status_code == 200 and r.json()["goals"] == ["주민 제안 50%"]


async def test_every_write_is_audited(client: httpx.AsyncClient, app: FastAPI, pl: Any) -> None:
    plan = await pl.drafted_plan(client, items=1)
    await client.post(f"/v1/plans/{plan.plan_id}/submit", headers=pl.OFFICER)
    async with app.state.sessions() as session:
        rows = (
            await session.execute(
                select(AuditEntry.action, AuditEntry.actor, AuditEntry.sgg_code).where(
                    AuditEntry.entity_id.in_([plan.master_id, plan.plan_id, *plan.item_ids])
                )
            )
        ).all()
    actions = [r[0] for r in rows]
    assert actions.count("plan.create") == 2
    assert "plan_item.create" in actions
    for state in ("deliberation", "drafting", "committee_review"):
        assert f"plan.transition.{state}" in actions
    assert all(r[1] == "officer-seongdong" and r[2] == pl.SGG for r in rows)
    async with app.state.sessions() as session:
        recorded = await session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "deliberation.record")
        )
    assert recorded and recorded >= 1


async def test_an_update_is_audited_with_the_row_before_and_after(
    client: httpx.AsyncClient, app: FastAPI, pl: Any
) -> None:
    master = await pl.create_master(client)
    annual = await pl.create_annual(client, master)
    item = await pl.add_item(client, annual["id"], pl.item_body("청년 공간", year=annual["fiscal_year"]))
    r = await client.patch(
        f"/v1/items/{item['id']}",
        json={"title_en": "Youth space"},
        headers={**pl.OFFICER, "If-Match": 'W/"1"'},
    )
    assert r.status_code == 200
    async with app.state.sessions() as session:
        entry = await session.scalar(
            select(AuditEntry).where(
                AuditEntry.entity_id == item["id"], AuditEntry.action == "plan_item.update"
            )
        )
    assert entry is not None and entry.entity_type == "plan_item" and entry.sgg_code == pl.SGG
    assert entry.before is not None and entry.after is not None
    assert (entry.before["version"], entry.after["version"]) == (1, 2)
    assert entry.before["title_en"] != "Youth space" and entry.after["title_en"] == "Youth space"
    assert entry.after["id"] == item["id"] and entry.after["plan_id"] == annual["id"]


async def test_public_reads_need_no_token(client: httpx.AsyncClient, pl: Any) -> None:
    plan = await pl.drafted_plan(client, items=1)
    for url in (
        f"/v1/plans/{plan.plan_id}",
        f"/v1/plans/{plan.plan_id}/items",
        f"/v1/plans/{plan.plan_id}/transitions",
        f"/v1/plans/{plan.plan_id}/metrics",
        f"/v1/items/{plan.item_ids[0]}",
        f"/v1/items/{plan.item_ids[0]}/deliberations",
        f"/v1/plans?sgg_code={pl.SGG}&kind=annual",
    ):
        r = await client.get(url)
        assert r.status_code == 200, (url, r.text)
    listed = (await client.get(f"/v1/plans?sgg_code={pl.SGG}&fiscal_year={plan.fiscal_year}&limit=1")).json()
    assert (
        len(listed["items"]) == 1 and listed["next_cursor"]
    )  # the annual plan and its master both cover the year
    nxt = (
        await client.get(
            f"/v1/plans?sgg_code={pl.SGG}&fiscal_year={plan.fiscal_year}&limit=1&cursor={listed['next_cursor']}"
        )
    ).json()
    assert {listed["items"][0]["id"], nxt["items"][0]["id"]} == {plan.plan_id, plan.master_id}
    assert (await client.get("/v1/plans/nope")).status_code == 404
    # A tampered cursor is the caller's mistake (422 naming it), never a 500.
    from cg_shared.http import encode_cursor

    for url in (
        f"/v1/plans?cursor={encode_cursor(['not-a-date', 'x'])}",
        f"/v1/plans/{plan.plan_id}/transitions?cursor={encode_cursor(['abc'])}",
        f"/v1/items/{plan.item_ids[0]}/deliberations?cursor={encode_cursor([1])}",
        f"/v1/proposals?cursor={encode_cursor([None, None, None])}",
    ):
        r = await client.get(url)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "query.cursor", (url, r.text)


async def test_input_limits_and_unicode_edge_cases(client: httpx.AsyncClient, pl: Any) -> None:
    import unicodedata

    master = await pl.create_master(client)
    annual = await pl.create_annual(client, master)
    url = f"/v1/plans/{annual['id']}/items"
    year = annual["fiscal_year"]

    # Decomposed Hangul (NFD) is stored composed, so it compares and searches like what others type.
    nfd = unicodedata.normalize("NFD", "성수동 청년 공간")
    item = await pl.add_item(
        client,
        annual["id"],
        pl.item_body(nfd, year=year, partner_organisations=[unicodedata.normalize("NFD", "성동청년센터")]),
    )
    assert item["title_ko"] == "성수동 청년 공간" and item["partner_organisations"] == ["성동청년센터"]

    for bad, field in (
        (
            {"title_ko": "청년\x00공간"},
            "body.title_ko",
        ),  # PostgreSQL cannot store NUL: a clear 422, not a 500
        (
            {"title_ko": "ok", "partner_organisations": [f"단체{n}" for n in range(51)]},
            "body.partner_organisations",
        ),
        ({"title_ko": "ok", "description": "가" * 5001}, "body.description"),
        ({"title_ko": "ok", "linked_project_ids": ["'; drop table plans; --"]}, "body.linked_project_ids.0"),
        (
            {"title_ko": "ok", "program_codes": {"account": {"nested": {"deeper": [1, [2, [3]]]}}}},
            "body.program_codes.account",
        ),
    ):
        r = await client.post(url, json={**bad, "requested_budget": []}, headers=pl.OFFICER)
        assert r.status_code == 422, (bad, r.text)
        assert r.json()["errors"][0]["field"] == field

    assert (await client.get("/v1/plans/%00")).status_code == 422
    assert (await client.get("/v1/items/a%20b/convergence")).status_code == 422
    assert (await client.get("/v1/registry-projects?policy_field=a%00b")).status_code == 422
    r = await client.get("/v1/proposals?plan_id=' OR 1=1 --")
    assert r.status_code == 422
    # A search for an SQL-ish but well-formed value is just a value.
    r = await client.get("/v1/registry-projects?policy_field=' OR 1=1 --")
    assert r.status_code == 200 and r.json()["items"] == []
    r = await client.post(
        "/v1/plans",
        content=b'{"sgg_code": "11200", "kind": "master", "title_ko": "x", "term_start_year": 2090',
        headers={**pl.OFFICER, "Content-Type": "application/json"},
    )
    assert r.status_code == 422
