"""planning's PlanSubmitted → an agenda item on the borough committee's next meeting, exactly once.

Driven through the real idempotent consumer (``EventConsumer.process``) with the same event delivered
twice, on PostgreSQL and SQLite.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from aiokafka.structs import ConsumerRecord
from fastapi import FastAPI
from sqlalchemy import func, select

from cg_committee.agenda.models import AgendaItem
from cg_committee.main import create_app
from cg_committee.settings import CommitteeSettings
from cg_shared.clock import today_seoul
from cg_shared.events import CloudEvent
from cg_shared.messaging.tables import InboxMessage
from cg_shared.testing.helpers import auth, migrate
from cg_shared.testing.kit import consumer_for, record_of

WRITER = auth("committee_secretary", "11200", sub="secretary-11200")


def record(event: CloudEvent, offset: int) -> ConsumerRecord[bytes, bytes]:
    return record_of(event, "cg.planning.plan", offset=offset)


@pytest.fixture
async def app(database_factory: Any, db_backend: str) -> Any:
    url = await database_factory(db_backend)
    await migrate("committee", url)
    app = create_app(CommitteeSettings(database_url=url, log_json=False, term_sweep_interval_s=0))
    yield app
    await app.state.engine.dispose()


async def items_for(app: FastAPI, plan_id: str) -> list[AgendaItem]:
    async with app.state.sessions() as session:
        return list(
            (await session.execute(select(AgendaItem).where(AgendaItem.subject_id == plan_id))).scalars()
        )


async def establish(client: httpx.AsyncClient, sgg: str = "11200") -> dict[str, Any]:
    response = await client.post(
        "/v1/committees",
        json={"sgg_code": sgg, "name_ko": "성동구 민관협치위원회", "established_on": "2017-07-13"},
        headers=auth("committee_secretary", sgg, sub=f"secretary-{sgg}"),
    )
    assert response.status_code == 201, response.text
    await client.post(
        f"/v1/committees/{response.json()['id']}/members",
        json={"name_ko": "민간위원", "seat_kind": "civilian_appointed"},
        headers=auth("committee_secretary", sgg, sub=f"secretary-{sgg}"),
    )
    return response.json()  # type: ignore[no-any-return]


async def schedule(
    client: httpx.AsyncClient, committee: dict[str, Any], days: int, **extra: Any
) -> dict[str, Any]:
    day = today_seoul() + timedelta(days=days)
    body = {"title_ko": f"{days:+d}일 회의", "starts_at": f"{day.isoformat()}T10:00:00+09:00", **extra}
    response = await client.post(f"/v1/committees/{committee['id']}/meetings", json=body, headers=WRITER)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_plan_submitted_lands_on_the_next_meeting_once_even_if_redelivered(
    app: FastAPI, plan_event: Any
) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        committee = await establish(client)
        await establish(client, "11215")
        await schedule(client, committee, -2, notice_on="2020-01-01")  # already started: not "next"
        later = await schedule(client, committee, 20)
        nearest = await schedule(client, committee, 5)
        cancelled = await schedule(client, committee, 1)
        etag = (await client.get(f"/v1/meetings/{cancelled['id']}")).headers["ETag"]
        assert (
            await client.patch(
                f"/v1/meetings/{cancelled['id']}",
                json={"status": "cancelled"},
                headers={**WRITER, "If-Match": etag},
            )
        ).status_code == 200

        consumer = consumer_for(app)
        event = plan_event("plan-2027-11200")
        await consumer.process(record(event, 0))
        await consumer.process(record(event, 0))  # redelivery (same event id)
        items = await items_for(app, "plan-2027-11200")
        assert len(items) == 1
        item = items[0]
        assert item.meeting_id == nearest["id"] and item.status == "scheduled"
        assert item.committee_id == committee["id"] and item.origin == "planning"
        assert item.subject_kind == "plan" and item.source_event_id == event.id
        async with app.state.sessions() as session:
            inbox = await session.scalar(
                select(func.count()).select_from(InboxMessage).where(InboxMessage.event_id == event.id)
            )
        assert inbox == 1

        agenda = (await client.get(f"/v1/meetings/{nearest['id']}/agenda-items")).json()
        assert [a["subject_id"] for a in agenda] == ["plan-2027-11200"]
        assert agenda[0]["partner_organisations"] == ["성동마을넷"]
        assert (await client.get(f"/v1/meetings/{later['id']}/agenda-items")).json() == []

        # The same plan resubmitted (a new event) before the committee decided: the item is refreshed.
        resubmitted = plan_event("plan-2027-11200", partners=["성동마을넷", "왕십리 청년회"])
        await consumer.process(record(resubmitted, 1))
        items = await items_for(app, "plan-2027-11200")
        assert len(items) == 1 and items[0].partner_organisations == ["성동마을넷", "왕십리 청년회"]

        # Another borough's plan goes to that borough's committee, never to 11200's meeting.
        await consumer.process(record(plan_event("plan-2027-11215", "11215"), 2))
        other = await items_for(app, "plan-2027-11215")
        assert len(other) == 1 and other[0].sgg_code == "11215" and other[0].meeting_id is None
        assert [
            a["subject_id"] for a in (await client.get(f"/v1/meetings/{nearest['id']}/agenda-items")).json()
        ] == ["plan-2027-11200"]
        audit = (await client.get(f"/v1/audit?entity_id={item.id}", headers=auth("smg_admin"))).json()
        assert [a["action"] for a in audit["items"]] == [
            "agenda_item.resubmitted",
            "agenda_item.create_from_plan",
        ]


async def test_plan_waits_for_a_committee_and_for_a_meeting(app: FastAPI, plan_event: Any) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        consumer = consumer_for(app)
        early = plan_event("plan-early")
        await consumer.process(record(early, 0))
        [orphan] = await items_for(app, "plan-early")
        assert orphan.committee_id is None and orphan.status == "pending"

        committee = await establish(client)
        pending = (await client.get(f"/v1/committees/{committee['id']}/agenda-items?status=pending")).json()
        assert [i["subject_id"] for i in pending["items"]] == ["plan-early"]

        await consumer.process(record(plan_event("plan-second"), 1))
        [second] = await items_for(app, "plan-second")
        assert second.committee_id == committee["id"] and second.meeting_id is None

        meeting = await schedule(client, committee, 14)
        agenda = (await client.get(f"/v1/meetings/{meeting['id']}/agenda-items")).json()
        assert [a["subject_id"] for a in agenda] == ["plan-early", "plan-second"]
        assert {a["status"] for a in agenda} == {"scheduled"}
        # Redelivering the first event after all this changes nothing; neither does a resubmission.
        await consumer.process(record(early, 0))
        await consumer.process(record(plan_event("plan-early"), 2))
        [item] = await items_for(app, "plan-early")
        assert item.meeting_id == meeting["id"] and item.source_event_id == early.id


async def test_a_resubmitted_plan_moves_to_the_next_meeting(app: FastAPI, plan_event: Any) -> None:
    """After an invalid decision or a revision, planning resubmits: the item leaves the meeting that
    was held and goes before the next one (pending until one is scheduled)."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        committee = await establish(client)
        first = await schedule(client, committee, 5)
        consumer = consumer_for(app)
        await consumer.process(record(plan_event("plan-again"), 0))
        [item] = await items_for(app, "plan-again")
        assert item.meeting_id == first["id"]
        etag = (await client.get(f"/v1/meetings/{first['id']}")).headers["ETag"]
        held = await client.patch(
            f"/v1/meetings/{first['id']}", json={"status": "held"}, headers={**WRITER, "If-Match": etag}
        )
        assert held.status_code == 200, held.text

        await consumer.process(record(plan_event("plan-again"), 1))
        [item] = await items_for(app, "plan-again")
        assert item.meeting_id is None and item.status == "pending"  # no meeting ahead yet

        second = await schedule(client, committee, 12)
        [item] = await items_for(app, "plan-again")
        assert item.meeting_id == second["id"] and item.status == "scheduled"
        # Resubmitted again while the second meeting is still ahead: it stays there.
        await consumer.process(record(plan_event("plan-again"), 2))
        [item] = await items_for(app, "plan-again")
        assert item.meeting_id == second["id"]
        assert [
            a["subject_id"] for a in (await client.get(f"/v1/meetings/{first['id']}/agenda-items")).json()
        ] == []
