"""The plan's life with the committee's decision and the budget's allocation arriving as events.

Events go through the service's real idempotent consumer (``EventConsumer.process``: inbox, handler
transaction, dead letters) on PostgreSQL and SQLite; the broker round trip is in test_planning_bus.py.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import httpx
import time_machine
from fastapi import FastAPI
from sqlalchemy import func, select

from cg_planning.plans.models import Plan, PlanTransition
from cg_shared.events.budget import AllocationFinalized, AllocationLine
from cg_shared.events.registry import ProjectDeleted, ProjectRegistered, ProjectUpdated
from cg_shared.messaging.tables import DeadLetter, OutboxMessage


async def _counts(app: FastAPI, plan_id: str) -> tuple[Any, ...]:
    async with app.state.sessions() as session:
        plan = await session.get(Plan, plan_id)
        assert plan is not None
        transitions = await session.scalar(
            select(func.count()).select_from(PlanTransition).where(PlanTransition.plan_id == plan_id)
        )
        events = await session.scalar(select(func.count()).select_from(OutboxMessage))
        return plan.state, plan.version, transitions, events


async def _dead_letters(app: FastAPI) -> int:
    async with app.state.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(DeadLetter)) or 0)


async def _check_adoption(client: httpx.AsyncClient, app: FastAPI, pl: Any, plan: Any, adopted: Any) -> None:
    """The plan is ADOPTED, plan.adopted.v1 carries its items, and its history names the decision."""
    state = (await client.get(f"/v1/plans/{plan.plan_id}")).json()
    assert state["state"] == "ADOPTED" and state["decision_id"] == adopted.decision_id and state["adopted_at"]

    (event,) = await pl.outbox_rows(app, "plan.adopted.v1", plan.plan_id)
    data = event["data"]
    assert data["decision_id"] == adopted.decision_id and data["sgg_code"] == pl.SGG
    assert [i["item_id"] for i in data["items"]] == plan.item_ids
    first = data["items"][0]
    assert first["requested_budget"] == [{"fiscal_year": plan.fiscal_year, "amount_krw": 50_000_000}]
    assert first["program_codes"]["account"] == "일반회계" and first["policy_field"] == "community"
    assert first["partner_organisations"] == ["성동청년센터"] and first["target_groups"] == ["청년"]
    assert first["origin"] == "department" and first["linked_project_ids"] == []

    history = (await client.get(f"/v1/plans/{plan.plan_id}/transitions")).json()["items"]
    last = history[-1]
    assert (last["from_state"], last["to_state"], last["trigger"]) == (
        "COMMITTEE_REVIEW",
        "ADOPTED",
        "committee_decision",
    )
    assert last["actor"] == f"committee:{adopted.committee_id}" and last["decision_id"] == adopted.decision_id
    assert "yes 18 / no 3" in last["reason"]


async def _fund_from_budget(client: httpx.AsyncClient, app: FastAPI, pl: Any, plan: Any) -> None:
    """Funding from budget's finalised allocation (delivered twice, then re-emitted: counted once)."""
    allocation = AllocationFinalized(
        allocation_id=str(uuid.uuid4()),
        cycle_id="cycle-1",
        sgg_code=pl.SGG,
        fiscal_year=plan.fiscal_year,
        method="election:mes",
        lines=[
            AllocationLine(
                request_id="r-1",
                plan_id=plan.plan_id,
                plan_item_id=plan.item_ids[0],
                source="smg_grant",
                amount_krw=30_000_000,
            ),
            AllocationLine(
                request_id="r-2", plan_id=plan.plan_id, plan_item_id=plan.item_ids[0], amount_krw=10_000_000
            ),
            AllocationLine(
                request_id="r-3", plan_id=plan.plan_id, plan_item_id=plan.item_ids[1], amount_krw=20_000_000
            ),
            AllocationLine(request_id="r-4", plan_item_id="not-our-item", amount_krw=5),
            AllocationLine(request_id="r-5", plan_item_id=plan.item_ids[1], amount_krw=0),
        ],
        total_krw=60_000_005,
    )
    funding = pl.event_record(allocation, subject=allocation.allocation_id)
    await pl.consume(app, funding)
    await pl.consume(app, funding)
    await pl.consume(app, pl.event_record(allocation, subject=allocation.allocation_id))
    items = {i["id"]: i for i in (await client.get(f"/v1/plans/{plan.plan_id}/items")).json()["items"]}
    assert items[plan.item_ids[0]]["funded"] and items[plan.item_ids[0]]["funded_krw"] == 40_000_000
    assert items[plan.item_ids[1]]["funded_krw"] == 20_000_000
    assert [f["request_id"] for f in items[plan.item_ids[0]]["fundings"]] == ["r-1", "r-2"]
    funded = await pl.outbox_rows(app, "plan_item.funded.v1")
    assert sorted(e["data"]["amount_krw"] for e in funded if e["data"]["plan_id"] == plan.plan_id) == [
        20_000_000,
        40_000_000,
    ]
    assert await _dead_letters(app) == 0


async def test_valid_decision_adopts_then_funding_execution_evaluation(
    client: httpx.AsyncClient, app: FastAPI, pl: Any
) -> None:
    plan = await pl.drafted_plan(client, items=2)
    assert (await client.post(f"/v1/plans/{plan.plan_id}/submit", headers=pl.OFFICER)).status_code == 200

    adopted = pl.decision(plan.plan_id)
    record = pl.event_record(adopted, subject=adopted.decision_id)
    await pl.consume(app, record)
    await _check_adoption(client, app, pl, plan, adopted)

    # Redelivery of the same event, and the same decision re-emitted under a new event id: no change.
    before = await _counts(app, plan.plan_id)
    await pl.consume(app, record)
    await pl.consume(app, pl.event_record(adopted, subject=adopted.decision_id))
    assert await _counts(app, plan.plan_id) == before
    assert len(await pl.outbox_rows(app, "plan.adopted.v1", plan.plan_id)) == 1

    # A later decision about a plan that is no longer under review is recorded, not applied.
    late = pl.decision(plan.plan_id, outcome="rejected")
    await pl.consume(app, pl.event_record(late, subject=late.decision_id))
    assert await _counts(app, plan.plan_id) == (*before[:3], before[3])
    decisions = (await client.get(f"/v1/plans/{plan.plan_id}/decisions")).json()
    assert [(d["decision_id"], d["applied"]) for d in decisions] == [
        (adopted.decision_id, True),
        (late.decision_id, False),
    ]
    assert decisions[1]["result"] == "ignored: plan was ADOPTED, not COMMITTEE_REVIEW"

    await _fund_from_budget(client, app, pl, plan)

    # Execution, then the yearly evaluation (the grade is the city's).
    assert (await pl.move(client, plan.plan_id, "IN_EXECUTION", "예산 확정, 사업 착수")).status_code == 200
    early = await client.post(
        f"/v1/plans/{plan.plan_id}/evaluation",
        json={"fiscal_year": plan.fiscal_year, "item_results": [], "summary": "너무 이른 평가"},
        headers=pl.OFFICER,
    )
    assert early.status_code == 409 and early.json()["type"].endswith("/year-not-begun")
    # December of the plan's fiscal year in Seoul: the year has begun and can be evaluated.
    with time_machine.travel(datetime(plan.fiscal_year, 12, 20, 3, 0, tzinfo=UTC), tick=True):
        await _evaluate_and_close(client, app, pl, plan)


async def _evaluate_and_close(client: httpx.AsyncClient, app: FastAPI, pl: Any, plan: Any) -> None:
    evaluation = {
        "fiscal_year": plan.fiscal_year,
        "item_results": [
            {
                "item_id": plan.item_ids[0],
                "completed": True,
                "kpi_results": [{"name": "참여 주민 수", "actual": 300}],
            },
            {"item_id": plan.item_ids[1], "completed": False},
        ],
        "summary": "2건 중 1건 완료",
    }
    r = await client.post(
        f"/v1/plans/{plan.plan_id}/evaluation", json={**evaluation, "grade": "가"}, headers=pl.OFFICER
    )
    assert r.status_code == 403 and r.json()["errors"][0]["field"] == "body.grade"
    bad = {
        **evaluation,
        "item_results": [
            {
                "item_id": plan.item_ids[0],
                "completed": True,
                "kpi_results": [{"name": "없는 지표", "actual": 1}],
            }
        ],
    }
    r = await client.post(f"/v1/plans/{plan.plan_id}/evaluation", json=bad, headers=pl.OFFICER)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.item_results.0.kpi_results.0.name"
    r = await client.post(f"/v1/plans/{plan.plan_id}/evaluation", json=evaluation, headers=pl.OFFICER)
    assert r.status_code == 201, r.text
    result = r.json()
    assert (result["completed_items"], result["total_items"], result["item_completion_rate"]) == (1, 2, 0.5)
    assert result["kpi_achievement_rate"] == 0.75
    assert (
        result["participation"]["deliberation_events"] == 2 and result["participation"]["participants"] == 60
    )
    assert result["grade"] is None
    assert (await client.get(f"/v1/plans/{plan.plan_id}")).json()["state"] == "EVALUATED"
    r = await client.post(f"/v1/plans/{plan.plan_id}/evaluation", json=evaluation, headers=pl.OFFICER)
    assert r.status_code == 409  # already evaluated

    url = f"/v1/plans/{plan.plan_id}/evaluation/{plan.fiscal_year}"
    assert (
        await client.patch(url, json={"grade": "가"}, headers={**pl.OFFICER, "If-Match": 'W/"1"'})
    ).status_code == 403
    assert (await client.patch(url, json={"grade": "가"}, headers=pl.ADMIN)).status_code == 428
    r = await client.patch(url, json={"grade": "가"}, headers={**pl.ADMIN, "If-Match": 'W/"1"'})
    assert r.status_code == 200 and r.json()["grade"] == "가" and r.headers["etag"] == 'W/"2"'
    evaluated = await pl.outbox_rows(app, "plan.evaluated.v1", plan.plan_id)
    assert [e["data"]["grade"] for e in evaluated] == [None, "가"]
    assert (
        evaluated[1]["data"]["item_completion_rate"] == 0.5
        and evaluated[1]["data"]["fiscal_year"] == plan.fiscal_year
    )

    # An annual plan does not go back into execution; it closes.
    assert (await pl.move(client, plan.plan_id, "IN_EXECUTION")).status_code == 409
    r = await pl.move(client, plan.plan_id, "CLOSED", "연도 종료")
    assert r.status_code == 200 and r.json()["allowed_moves"] == []


async def test_invalid_decision_sends_plan_to_revision_and_back_through_the_committee(
    client: httpx.AsyncClient, app: FastAPI, pl: Any
) -> None:
    plan = await pl.drafted_plan(client, items=1)
    assert (await client.post(f"/v1/plans/{plan.plan_id}/submit", headers=pl.OFFICER)).status_code == 200

    invalid = pl.decision(
        plan.plan_id, outcome="adopted", valid=False, reasons=["quorum not met: 12 of 30 present"]
    )
    record = pl.event_record(invalid, subject=invalid.decision_id)
    await pl.consume(app, record)
    assert (await client.get(f"/v1/plans/{plan.plan_id}")).json()["state"] == "REVISION"
    (revision,) = await pl.outbox_rows(app, "plan.revision_requested.v1", plan.plan_id)
    assert revision["data"]["reasons"] == ["quorum not met: 12 of 30 present"]
    assert revision["data"]["decision_id"] == invalid.decision_id
    assert await pl.outbox_rows(app, "plan.adopted.v1", plan.plan_id) == []
    before = await _counts(app, plan.plan_id)
    await pl.consume(app, record)
    assert await _counts(app, plan.plan_id) == before

    # Nothing is funded for a plan in revision.
    allocation = AllocationFinalized(
        allocation_id=str(uuid.uuid4()), cycle_id="c", sgg_code=pl.SGG, fiscal_year=plan.fiscal_year, method="formula",
        lines=[AllocationLine(request_id="r", plan_item_id=plan.item_ids[0], amount_krw=1_000)], total_krw=1_000,
    )  # fmt: skip
    await pl.consume(app, pl.event_record(allocation, subject=allocation.allocation_id))
    assert (await client.get(f"/v1/items/{plan.item_ids[0]}")).json()["funded"] is False

    # Revision → drafting (items editable again) → resubmit; a committee of another borough cannot decide it.
    assert (await pl.move(client, plan.plan_id, "DRAFTING", "정족수 미달로 재상정 준비")).status_code == 200
    assert len(await pl.outbox_rows(app, "plan.drafted.v1", plan.plan_id)) == 2
    await pl.add_item(client, plan.plan_id, pl.item_body("추가 의제", year=plan.fiscal_year))
    r = await client.post(f"/v1/plans/{plan.plan_id}/submit", headers=pl.OFFICER)
    assert r.status_code == 409 and r.json()["type"].endswith("/deliberation-missing")
    added = [
        i
        for i in (await client.get(f"/v1/plans/{plan.plan_id}/items")).json()["items"]
        if i["deliberation_count"] == 0
    ]
    await pl.deliberate(client, added[0]["id"])
    assert (await client.post(f"/v1/plans/{plan.plan_id}/submit", headers=pl.OFFICER)).status_code == 200

    foreign = pl.decision(plan.plan_id, sgg_code=pl.OTHER_SGG)
    await pl.consume(app, pl.event_record(foreign, subject=foreign.decision_id))
    assert (await client.get(f"/v1/plans/{plan.plan_id}")).json()["state"] == "COMMITTEE_REVIEW"

    rejected = pl.decision(plan.plan_id, outcome="rejected", valid=True)
    await pl.consume(app, pl.event_record(rejected, subject=rejected.decision_id))
    assert (await client.get(f"/v1/plans/{plan.plan_id}")).json()["state"] == "REVISION"
    reasons = [
        e["data"]["reasons"] for e in await pl.outbox_rows(app, "plan.revision_requested.v1", plan.plan_id)
    ]
    assert reasons[-1] == ["the committee rejected the plan"]

    # A decision about an unknown plan is recorded and logged, never dead-lettered.
    ghost = pl.decision("no-such-plan")
    await pl.consume(app, pl.event_record(ghost, subject=ghost.decision_id))
    assert await _dead_letters(app) == 0
    decisions = (await client.get(f"/v1/plans/{plan.plan_id}/decisions")).json()
    assert [d["applied"] for d in decisions] == [True, False, True]
    assert "cannot decide a plan of" in decisions[1]["result"]


def _project(
    pl: Any, title: str, *, sgg: str | None = None, field: str = "community", **extra: Any
) -> ProjectRegistered:
    return ProjectRegistered(
        project_id=str(uuid.uuid4()),
        code=f"CG-{uuid.uuid4().hex[:6]}",
        title_ko=title,
        sgg_code=sgg or pl.SGG,
        policy_field=field,
        start_date=date(2020, 1, 1),
        **extra,
    )


async def test_convergence_lists_overlapping_registry_projects_of_the_borough_and_field(
    client: httpx.AsyncClient, app: FastAPI, pl: Any
) -> None:
    similar = _project(pl, "성수동 청년 공간 조성 사업", target_groups=["청년"])
    partner = _project(pl, "마을 축제 지원", partner_organisations=["성동 청년센터"])
    other_field = _project(pl, "성수동 청년 공간 조성 사업", field="welfare")
    other_borough = _project(pl, "성수동 청년 공간 조성 사업", sgg=pl.OTHER_SGG)
    unrelated = _project(pl, "하천 정화 캠페인", partner_organisations=["환경연합"])
    deleted = _project(pl, "성수동 청년 공간 조성", target_groups=["청년"])
    renamed = _project(pl, "도로 정비")
    for p in (similar, partner, other_field, other_borough, unrelated, deleted, renamed):
        await pl.consume(app, pl.event_record(p, subject=p.project_id))
    await pl.consume(
        app,
        pl.event_record(
            ProjectDeleted(project_id=deleted.project_id, code=deleted.code, sgg_code=pl.SGG, version=2),
            subject=deleted.project_id,
        ),
    )
    # A late replay of the registration must not bring the deleted project back.
    await pl.consume(app, pl.event_record(deleted, subject=deleted.project_id))
    update = ProjectUpdated(
        **{**renamed.model_dump(), "title_ko": "성수동 청년 공간 운영 지원", "version": 2},
        changed_fields=["title_ko"],
    )
    await pl.consume(app, pl.event_record(update, subject=renamed.project_id))

    master = await pl.create_master(client)
    annual = await pl.create_annual(client, master)
    item = await pl.add_item(
        client, annual["id"], pl.item_body("성수동 청년 공간 조성", year=annual["fiscal_year"])
    )

    r = await client.get(f"/v1/items/{item['id']}/convergence")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["policy_field"] == "community" and body["sgg_code"] == pl.SGG
    suggested = [s["project_id"] for s in body["suggestions"]]
    assert set(suggested) == {similar.project_id, renamed.project_id, partner.project_id}
    assert suggested[0] == similar.project_id  # similar title + shared target group
    assert suggested[-1] == partner.project_id  # only a shared partner
    by_id = {s["project_id"]: s for s in body["suggestions"]}
    assert by_id[similar.project_id]["shared_target_groups"] == ["청년"]
    assert any(r.startswith("similar title") for r in by_id[similar.project_id]["reasons"])
    assert by_id[partner.project_id]["shared_partners"] == ["성동청년센터"]
    assert by_id[partner.project_id]["period_overlap"] is True
    assert by_id[renamed.project_id]["title_ko"] == "성수동 청년 공간 운영 지원"

    # Link instead of adding a fragment; a project of another borough cannot be linked.
    etag = (await client.get(f"/v1/items/{item['id']}")).headers["etag"]
    r = await client.patch(
        f"/v1/items/{item['id']}",
        json={"linked_project_ids": [other_borough.project_id]},
        headers={**pl.OFFICER, "If-Match": etag},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.linked_project_ids.0"
    r = await client.patch(
        f"/v1/items/{item['id']}",
        json={"linked_project_ids": [similar.project_id]},
        headers={**pl.OFFICER, "If-Match": etag},
    )
    assert r.status_code == 200 and r.json()["linked_project_ids"] == [similar.project_id]
    body = (await client.get(f"/v1/items/{item['id']}/convergence?min_score=0.5")).json()
    assert body["suggestions"][0]["already_linked"] is True
    assert all(s["score"] >= 0.5 for s in body["suggestions"])

    listed = (await client.get(f"/v1/registry-projects?sgg_code={pl.SGG}&policy_field=community")).json()[
        "items"
    ]
    assert deleted.project_id not in {p["project_id"] for p in listed}
    assert (await client.get(f"/v1/registry-projects/{deleted.project_id}")).status_code == 404


async def test_a_late_adoption_warns_and_one_after_the_year_is_refused(
    client: httpx.AsyncClient, app: FastAPI, pl: Any
) -> None:
    late_plan = await pl.drafted_plan(client, items=1)
    assert (await client.post(f"/v1/plans/{late_plan.plan_id}/submit", headers=pl.OFFICER)).status_code == 200
    # Adopted on 2 December of the year before: after the July–September window and the 21 Nov bill.
    late = pl.decision(late_plan.plan_id).model_copy(
        update={"decided_at": datetime(late_plan.fiscal_year - 1, 12, 2, 5, 0, tzinfo=UTC)}
    )
    await pl.consume(app, pl.event_record(late, subject=late.decision_id))
    plan = (await client.get(f"/v1/plans/{late_plan.plan_id}")).json()
    assert plan["state"] == "ADOPTED"
    timing = plan["adoption_timing"]
    assert timing["timing"] == "late" and len(timing["warnings"]) == 2
    assert timing["window_to"] == f"{late_plan.fiscal_year - 1}-09-30"
    assert "budget bill" in timing["warnings"][1]
    history = (await client.get(f"/v1/plans/{late_plan.plan_id}/transitions")).json()["items"]
    assert "late adoption" in history[-1]["reason"]
    assert len(await pl.outbox_rows(app, "plan.adopted.v1", late_plan.plan_id)) == 1

    over = await pl.drafted_plan(client, items=1)
    assert (await client.post(f"/v1/plans/{over.plan_id}/submit", headers=pl.OFFICER)).status_code == 200
    after = pl.decision(over.plan_id).model_copy(
        update={"decided_at": datetime(over.fiscal_year + 1, 1, 5, 1, 0, tzinfo=UTC)}
    )
    await pl.consume(app, pl.event_record(after, subject=after.decision_id))
    refused = (await client.get(f"/v1/plans/{over.plan_id}")).json()
    assert refused["state"] == "REVISION" and refused["adoption_timing"] is None
    assert await pl.outbox_rows(app, "plan.adopted.v1", over.plan_id) == []
    (revision,) = await pl.outbox_rows(app, "plan.revision_requested.v1", over.plan_id)
    assert revision["data"]["reasons"] == [
        f"fiscal year {over.fiscal_year} ended on {over.fiscal_year}-12-31: a plan for it can no longer be adopted"
    ]
