"""Through the real Tansu broker: planning's plan.submitted (delivered twice) becomes one agenda item,
and the decision goes out on cg.committee.decision carrying everything planning needs."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from cg_committee.main import create_app
from cg_committee.settings import CommitteeSettings
from cg_shared.clock import now_utc, today_seoul
from cg_shared.events import CloudEvent, topics
from cg_shared.events.committee import DecisionRecorded
from cg_shared.messaging.broker import client_kwargs, ensure_topics, make_producer
from cg_shared.testing.helpers import auth, eventually, migrate, running_app

pytestmark = [pytest.mark.broker]

SGG = "11200"
WRITER = auth("committee_secretary", SGG, sub="secretary-11200")


async def _read_decisions(settings: CommitteeSettings) -> list[CloudEvent]:
    """Everything on the decision topic, read without a consumer group (no join delay)."""
    consumer = AIOKafkaConsumer(**client_kwargs(settings), enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [
            TopicPartition(topics.COMMITTEE_DECISION, p)
            for p in consumer.partitions_for_topic(topics.COMMITTEE_DECISION) or ()
        ]
        if not partitions:
            await consumer.topics()  # refresh metadata
            partitions = [
                TopicPartition(topics.COMMITTEE_DECISION, p)
                for p in consumer.partitions_for_topic(topics.COMMITTEE_DECISION) or ()
            ]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        batches = await consumer.getmany(timeout_ms=1000)
        return [CloudEvent.from_json(r.value) for records in batches.values() for r in records if r.value]
    finally:
        await consumer.stop()


async def test_plan_submitted_through_the_broker_and_decision_back_out(
    database_factory: Any, broker: Any, plan_event: Any
) -> None:
    url = await database_factory("postgresql")
    await migrate("committee", url)
    settings = CommitteeSettings(
        database_url=url, kafka_bootstrap_servers=broker.bootstrap, log_json=False, term_sweep_interval_s=0
    )
    app = create_app(settings)
    async with running_app(app) as client:
        people, meeting = await _step_committee_with_members_and_meeting(client)
        item = await _step_plan_submitted_twice_is_one_agenda_item(
            client, app, settings, plan_event, meeting, people
        )
        decision_id = await _step_vote_in_session_and_decide(client, meeting, people, item)
        await _step_decision_published_once(settings, decision_id)


async def _step_committee_with_members_and_meeting(
    client: Any,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    created = await client.post(
        "/v1/committees",
        json={"sgg_code": SGG, "name_ko": "성동구 민관협치위원회", "established_on": "2017-07-13"},
        headers=WRITER,
    )
    committee = created.json()
    people = []
    for n, kind in enumerate(["civilian_appointed"] * 3 + ["official"] * 2):
        response = await client.post(
            f"/v1/committees/{committee['id']}/members",
            json={
                "name_ko": f"위원{n}",
                "seat_kind": kind,
                "affiliations": ["성동마을넷"] if n == 0 else [],
            },
            headers=WRITER,
        )
        assert response.status_code == 201, response.text
        people.append(response.json())
    day = today_seoul() + timedelta(days=7)
    meeting = (
        await client.post(
            f"/v1/committees/{committee['id']}/meetings",
            json={
                "title_ko": "정기회의",
                "starts_at": f"{day}T14:00:00+09:00",
                "notice_on": (day - timedelta(days=14)).isoformat(),
            },
            headers=WRITER,
        )
    ).json()
    return people, meeting


async def _step_plan_submitted_twice_is_one_agenda_item(
    client: Any,
    app: Any,
    settings: CommitteeSettings,
    plan_event: Any,
    meeting: dict[str, Any],
    people: list[dict[str, Any]],
) -> dict[str, Any]:
    event = plan_event("plan-bus-11200")
    await ensure_topics(settings, [topics.PLANNING_PLAN])
    producer = make_producer(settings)
    await producer.start()
    try:
        for _ in range(2):  # the same event twice: a redelivery as the outbox relay may cause
            await producer.send_and_wait(topics.PLANNING_PLAN, event.to_json(), key=b"plan-bus-11200")
    finally:
        await producer.stop()

    async def agenda() -> list[dict[str, Any]]:
        return (await client.get(f"/v1/meetings/{meeting['id']}/agenda-items")).json()  # type: ignore[no-any-return]

    items = await eventually(
        agenda, until=lambda a: len(a) >= 1, timeout_s=30, what="agenda item from the bus"
    )
    await eventually(
        lambda: _processed(app), until=lambda n: n >= 2, timeout_s=30, what="both deliveries consumed"
    )
    items = await agenda()
    assert [i["subject_id"] for i in items] == ["plan-bus-11200"]
    item = items[0]
    assert [r["member_id"] for r in item["recusals"]] == [people[0]["id"]]
    return dict(item)


async def _step_vote_in_session_and_decide(
    client: Any, meeting: dict[str, Any], people: list[dict[str, Any]], item: dict[str, Any]
) -> str:
    # Votes count only in session: the secretariat brings the meeting forward to now (still with
    # more than the week's public notice) before the committee votes.
    etag = (await client.get(f"/v1/meetings/{meeting['id']}")).headers["ETag"]
    moved = await client.patch(
        f"/v1/meetings/{meeting['id']}",
        json={"starts_at": (now_utc() - timedelta(minutes=1)).isoformat()},
        headers={**WRITER, "If-Match": etag},
    )
    assert moved.status_code == 200 and moved.json()["notice_sufficient"], moved.text
    attendance = await client.get(f"/v1/meetings/{meeting['id']}/attendance")
    entries = [{"member_id": p["id"], "status": "present"} for p in people[1:]]
    put = await client.put(
        f"/v1/meetings/{meeting['id']}/attendance",
        json={"entries": entries},
        headers={**WRITER, "If-Match": attendance.headers["ETag"]},
    )
    assert put.status_code == 200, put.text
    votes = [
        {"member_id": p["id"], "choice": c}
        for p, c in zip(people[1:], ["yes", "yes", "yes", "no"], strict=True)
    ]
    assert (
        await client.post(f"/v1/agenda-items/{item['id']}/votes", json={"votes": votes}, headers=WRITER)
    ).status_code == 200
    decided = await client.post(
        f"/v1/meetings/{meeting['id']}/decisions", json={"agenda_item_id": item["id"]}, headers=WRITER
    )
    assert decided.status_code == 201, decided.text
    decision_id = decided.json()["id"]
    return str(decision_id)


async def _step_decision_published_once(settings: CommitteeSettings, decision_id: str) -> None:
    async def published() -> list[CloudEvent]:
        return [e for e in await _read_decisions(settings) if e.subject == decision_id]

    [out] = await eventually(published, until=lambda e: len(e) == 1, timeout_s=30, what="decision on the bus")
    payload = out.payload()
    assert isinstance(payload, DecisionRecorded)
    assert (payload.subject_kind, payload.subject_id, payload.outcome, payload.valid) == (
        "plan",
        "plan-bus-11200",
        "adopted",
        True,
    )
    assert payload.sgg_code == SGG and payload.tally.present == 4 and payload.tally.recused == 1
    assert json.loads(out.to_json())["type"] == "kr.seoul.cg.committee.decision.recorded.v1"


async def _processed(app: Any) -> int:
    consumer = app.state.consumer
    return int(consumer.processed) if consumer is not None else 0
