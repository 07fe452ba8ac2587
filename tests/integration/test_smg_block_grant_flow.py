"""SMG money through the plan, across services on Apache Kafka (single node): the committee's valid decision (on Kafka)
adopts planning's annual plan → planning's ``plan.adopted`` → budget opens the items' requests → SMG sets
the borough's block grant and the borough puts it on an item → budget's ``block_grant.assigned`` →
planning marks the item funded. Budget's channel report then shows that money as flowing through the plan."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from cg_budget.main import create_app as create_budget
from cg_budget.settings import BudgetSettings
from cg_planning.main import create_app as create_planning
from cg_planning.settings import PlanningSettings
from cg_shared.clock import now_utc
from cg_shared.events import make_event
from cg_shared.events import topics as topic_names
from cg_shared.events.committee import DecisionRecorded, Tally
from cg_shared.messaging.broker import ensure_topics
from cg_shared.testing.helpers import auth, eventually, migrate, running_app

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]

SGG = "11200"
OFFICER = auth("borough_officer", SGG, sub="officer-seongdong")
ADMIN = auth("smg_admin", sub="admin-city")


def ok(response: Any, status: int = 201) -> Any:
    assert response.status_code == status, response.text
    return response.json()


@pytest.mark.parametrize("db_backend", ["postgresql"])
async def test_block_grant_money_follows_the_adopted_plan(
    database_factory: Any, kafka_broker: Any, db_backend: str
) -> None:
    plan_url = await database_factory(db_backend)
    budget_url = await database_factory(db_backend)
    await migrate("planning", plan_url)
    await migrate("budget", budget_url)
    common = {"kafka_bootstrap_servers": kafka_broker.bootstrap, "log_json": False}
    planning = create_planning(PlanningSettings(database_url=plan_url, **common))
    budget_settings = BudgetSettings(
        database_url=budget_url, calendar_sweep_enabled=False, webhook_delivery_enabled=False, **common
    )
    await ensure_topics(budget_settings, [*topic_names.EVENT_TOPICS])
    budget = create_budget(budget_settings)
    async with running_app(planning) as plan, running_app(budget) as money:
        master = ok(
            await plan.post(
                "/v1/plans",
                json={
                    "sgg_code": SGG,
                    "kind": "master",
                    "title_ko": "성동구 민관협치 기본계획",
                    "term_start_year": 2090,
                },
                headers=OFFICER,
            )
        )
        annual = ok(
            await plan.post(
                "/v1/plans",
                json={
                    "sgg_code": SGG,
                    "kind": "annual",
                    "master_plan_id": master["id"],
                    "fiscal_year": 2091,
                    "title_ko": "2091 성동구 지역사회혁신계획 실행계획",
                },
                headers=OFFICER,
            )
        )
        year = annual["fiscal_year"]
        item = ok(
            await plan.post(
                f"/v1/plans/{annual['id']}/items",
                json={
                    "title_ko": "성수동 주민 공유부엌",
                    "origin": "resident",
                    "requested_budget": [{"fiscal_year": year, "amount_krw": 40_000_000}],
                },
                headers=OFFICER,
            )
        )
        ok(
            await plan.post(
                f"/v1/items/{item['id']}/deliberations",
                json={
                    "kind": "forum",
                    "held_on": "2025-05-14",
                    "participants_count": 25,
                    "summary": "주민포럼",
                },
                headers=OFFICER,
            )
        )
        for to in ("DELIBERATION", "DRAFTING"):
            ok(
                await plan.post(
                    f"/v1/plans/{annual['id']}/transitions",
                    json={"to": to, "reason": "다음"},
                    headers=OFFICER,
                ),
                200,
            )
        ok(await plan.post(f"/v1/plans/{annual['id']}/submit", headers=OFFICER), 200)

        decision = DecisionRecorded(
            decision_id=str(uuid.uuid4()),
            committee_id=f"committee-{SGG}",
            meeting_id=str(uuid.uuid4()),
            sgg_code=SGG,
            subject_kind="plan",
            subject_id=annual["id"],
            outcome="adopted",
            valid=True,
            reasons=[],
            tally=Tally(seated=30, present=22, yes=18, no=3, abstain=1),
            decided_at=now_utc(),
        )
        producer = AIOKafkaProducer(bootstrap_servers=kafka_broker.bootstrap, acks="all")
        await producer.start()
        try:
            event = make_event(decision, subject=decision.decision_id)
            await producer.send_and_wait(
                topic_names.COMMITTEE_DECISION, value=event.to_json(), key=decision.decision_id.encode()
            )
        finally:
            await producer.stop()

        async def requests() -> list[Any]:
            return list((await money.get("/v1/requests", params={"plan_id": annual["id"]})).json()["items"])

        opened = await eventually(
            requests, until=lambda r: len(r) == 1, timeout_s=60, what="budget request opened"
        )
        assert opened[0]["plan_item_id"] == item["id"] and opened[0]["amount_krw"] == 40_000_000

        ok(
            await money.put(
                f"/v1/smg/block-grants/{SGG}/{year}", json={"amount_krw": 100_000_000}, headers=ADMIN
            )
        )
        ok(
            await money.post(
                f"/v1/smg/block-grants/{SGG}/{year}/uses",
                json={"request_id": opened[0]["id"], "amount_krw": 40_000_000},
                headers=OFFICER,
            )
        )

        async def funded() -> Any:
            return (await plan.get(f"/v1/items/{item['id']}")).json()

        shown = await eventually(
            funded, until=lambda i: i["funded_krw"] > 0, timeout_s=60, what="item funded"
        )
        assert shown["funded"] is True and shown["funded_krw"] == 40_000_000

        report = ok(await money.get("/v1/smg/report", params={"fiscal_year": year}), 200)
        assert report["rows"][0]["through_plan_krw"] == 40_000_000 and report["plan_share"] == 1.0
