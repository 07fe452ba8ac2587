"""Consumed events through the real idempotent consumer: plan adoption registers projects, finalised
allocations add funding lines — each applied once, however often it is delivered."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from cg_registry.projects.intake import plan_item_code
from cg_shared.events.budget import AllocationFinalized, AllocationLine
from cg_shared.events.planning import PlanAdopted, PlanItemData, YearlyAmount
from cg_shared.messaging.tables import DeadLetter


def adopted(items: list[PlanItemData], plan_id: str = "plan-2026") -> PlanAdopted:
    return PlanAdopted(
        plan_id=plan_id,
        sgg_code="11200",
        kind="annual",
        fiscal_year=2026,
        title_ko="2026 성동구 지역사회혁신계획",
        decision_id="decision-1",
        items=items,
    )


def item(item_id: str, title: str, origin: str, **kw: Any) -> PlanItemData:
    return PlanItemData(
        item_id=item_id,
        title_ko=title,
        title_en=kw.pop("title_en", ""),
        origin=origin,
        policy_field=kw.pop("policy_field", "community"),
        partner_organisations=kw.pop("partners", ["성수마을넷"]),
        target_groups=["주민"],
        requested_budget=[YearlyAmount(fiscal_year=2026, amount_krw=50_000_000)],
        **kw,
    )


async def _projects(client: Any) -> dict[str, dict[str, Any]]:
    items = (await client.get("/v1/projects", params={"limit": 500})).json()["items"]
    return {p["plan_item_id"] or p["id"]: p for p in items}


async def test_plan_adoption_and_allocation_are_applied_once(
    reg: Any, fresh_db: Any, db_backend: str
) -> None:
    url = await fresh_db(db_backend)
    async with reg.api(url) as client:
        existing = (await client.post("/v1/projects", json=reg.project_body(), headers=reg.OFFICER)).json()
        await _step_plan_adopted_once(client, reg, existing)
        allocation = _allocation(existing["id"])
        await _step_allocation_applied_once(client, reg, allocation, existing)
        await _step_later_adoption_attaches_the_kept_line(client, reg, allocation)


async def _step_plan_adopted_once(client: Any, reg: Any, existing: dict[str, Any]) -> None:
    app = client.app
    plan = adopted(
        [
            item(
                "item-resident",
                "사근동 주민 공유정원 가꾸기",
                "resident",
                title_en="Sageun shared garden",
            ),
            item("item-civic", "응봉동 청년 마을 미디어", "civic_group", policy_field="마을공동체"),
            item(
                "item-linked",
                "이미 등록된 사업의 연속",
                "department",
                linked_project_ids=[existing["id"]],
            ),
        ]
    )
    first = await reg.deliver(app, plan, subject=plan.plan_id)
    await reg.deliver(app, plan, subject=plan.plan_id, event=first)  # the same event again (inbox)
    await reg.deliver(app, plan, subject=plan.plan_id)  # re-published under a new event id (design)
    projects = await _projects(client)
    assert set(projects) == {existing["id"], "item-resident", "item-civic"}
    resident = projects["item-resident"]
    assert resident["origin"] == "resident" and resident["sgg_code"] == "11200"
    assert resident["code"] == plan_item_code("11200", "item-resident")
    assert resident["start_date"] == "2026-01-01" and resident["status"] == "planned"
    assert resident["partners"] == [{"name": "성수마을넷", "kind": "resident_group", "role": "partner"}]
    assert projects["item-civic"]["policy_field"] == "community"
    history = (await client.get(f"/v1/projects/{resident['id']}/history", headers=reg.ADMIN)).json()["items"]
    assert [(h["action"], h["actor"]) for h in history] == [("registered", "system:planning")]
    registered = [e["data"]["plan_item_id"] for e in await reg.outbox_rows(app, "project.registered")]
    assert sorted(p for p in registered if p) == ["item-civic", "item-resident"]


def _allocation(existing_id: str) -> AllocationFinalized:
    return AllocationFinalized(
        allocation_id="alloc-1",
        cycle_id="cycle-2026",
        sgg_code="11200",
        fiscal_year=2026,
        method="election:mes",
        total_krw=180_000_000,
        lines=[
            AllocationLine(
                request_id="req-1",
                plan_item_id="item-resident",
                source="smg_grant",
                amount_krw=40_000_000,
            ),
            AllocationLine(
                request_id="req-2", plan_item_id="item-resident", source="borough", amount_krw=10_000_000
            ),
            AllocationLine(
                request_id="req-3",
                plan_item_id="item-unknown",
                linked_project_ids=["nope", existing_id],
                source="borough",
                amount_krw=30_000_000,
            ),
            AllocationLine(
                request_id="req-4", plan_item_id="item-later", source="smg_grant", amount_krw=100_000_000
            ),
        ],
    )


async def _step_allocation_applied_once(
    client: Any, reg: Any, allocation: AllocationFinalized, existing: dict[str, Any]
) -> None:
    app = client.app
    event = await reg.deliver(app, allocation, subject=allocation.allocation_id)
    await reg.deliver(app, allocation, subject=allocation.allocation_id, event=event)
    await reg.deliver(app, allocation, subject=allocation.allocation_id)
    projects = await _projects(client)
    resident = projects["item-resident"]
    assert [
        (f["source"], f["fiscal_year"], f["amount_krw"], f["allocation_id"], f["request_id"])
        for f in resident["funding_lines"]
    ] == [
        ("borough", 2026, 10_000_000, "alloc-1", "req-2"),
        ("smg_grant", 2026, 40_000_000, "alloc-1", "req-1"),
    ]
    assert resident["total_krw"] == 50_000_000 and resident["has_smg_grant"] is True
    assert resident["budget_line_ids"] == ["alloc-1/req-1", "alloc-1/req-2"]
    linked = projects[existing["id"]]
    assert linked["total_krw"] == 150_000_000 + 30_000_000 and linked["version"] == 2
    updates = [e["data"] for e in await reg.outbox_rows(app, "project.updated")]
    assert sorted(u["project_id"] for u in updates) == sorted([resident["id"], existing["id"]])


async def _step_later_adoption_attaches_the_kept_line(
    client: Any, reg: Any, allocation: AllocationFinalized
) -> None:
    app = client.app
    # The line for a plan item whose adoption arrives later is kept, then attached exactly once.
    later = adopted([item("item-later", "송정동 마을 축제", "civic_group")], plan_id="plan-2026-supplement")
    await reg.deliver(app, later, subject=later.plan_id)
    await reg.deliver(app, allocation, subject=allocation.allocation_id)
    projects = await _projects(client)
    assert [(f["request_id"], f["amount_krw"]) for f in projects["item-later"]["funding_lines"]] == [
        ("req-4", 100_000_000)
    ]
    assert projects["item-later"]["has_smg_grant"] is True

    stats = (await client.get("/v1/stats/summary")).json()
    assert stats["project_count"] == 4
    assert stats["total_krw"] == 180_000_000 + 50_000_000 + 100_000_000  # item-civic has no money yet


async def test_contract_violation_goes_to_dead_letters(reg: Any, fresh_db: Any) -> None:
    url = await fresh_db("sqlite")
    async with reg.api(url) as client:
        app = client.app
        app.state.settings.consumer_max_attempts = 1
        bad = AllocationFinalized(
            allocation_id="alloc-x",
            cycle_id="c",
            sgg_code="11200",
            fiscal_year=2026,
            method="formula",
            total_krw=1,
            lines=[AllocationLine(request_id="r", source="lottery", amount_krw=1)],
        )
        await reg.deliver(app, bad, subject="alloc-x")
        async with app.state.sessions() as session:
            letters = list((await session.execute(select(DeadLetter))).scalars())
            assert [(d.handler, "lottery" in d.error) for d in letters] == [
                ("registry.allocation_finalized.add_funding", True)
            ]
        assert (await client.get("/v1/projects")).json()["items"] == []
        async with app.state.sessions() as session:
            from cg_registry.projects.models import FundingLine

            assert await session.scalar(select(func.count()).select_from(FundingLine)) == 0


def test_plan_item_codes_are_deterministic() -> None:
    assert plan_item_code("11200", "item-1") == plan_item_code("11200", "item-1")
    assert plan_item_code("11200", "item-1") != plan_item_code("11200", "item-2")
    assert plan_item_code(None, "item-1").startswith("CG-SMG-P")
