"""Committee API: agenda placement across meetings, the minutes workflow and the iCalendar feed."""

from __future__ import annotations

from typing import Any

from icalendar import Calendar


async def test_pending_items_join_the_next_meeting_and_cancellation_moves_them(
    kit: Any, boroughs: Any
) -> None:
    sgg = next(boroughs)
    committee = await kit.committee(sgg)
    await kit.appoint(committee, "civilian_appointed")
    pending = await kit.call(
        "POST",
        f"/v1/committees/{committee['id']}/agenda-items",
        json={"title_ko": "주민 제안 의제", "origin": "civilian"},
        headers=kit.writer(sgg),
        expect=201,
    )
    assert pending["status"] == "pending" and pending["meeting_id"] is None
    past = await kit.meeting(committee, days_ahead=-3, title_ko="지난 회의", notice_on="2020-01-01")
    assert (await kit.call("GET", f"/v1/agenda-items/{pending['id']}", expect=200))["meeting_id"] is None
    later = await kit.meeting(committee, days_ahead=20, title_ko="둘째 회의")
    sooner = await kit.meeting(committee, days_ahead=5, title_ko="첫 회의")
    placed = await kit.call("GET", f"/v1/agenda-items/{pending['id']}", expect=200)
    assert placed["meeting_id"] == later["id"]  # it was the next meeting when it was scheduled
    direct = await kit.call(
        "POST",
        f"/v1/committees/{committee['id']}/agenda-items",
        json={"title_ko": "다음 회의 안건"},
        headers=kit.writer(sgg),
        expect=201,
    )
    assert direct["meeting_id"] == sooner["id"] and direct["status"] == "scheduled"
    etag = (await kit.client.get(f"/v1/meetings/{sooner['id']}")).headers["ETag"]
    cancelled = await kit.call(
        "PATCH",
        f"/v1/meetings/{sooner['id']}",
        json={"status": "cancelled"},
        headers={**kit.writer(sgg), "If-Match": etag},
        expect=200,
    )
    assert cancelled["status"] == "cancelled"
    moved = await kit.call("GET", f"/v1/agenda-items/{direct['id']}", expect=200)
    assert moved["meeting_id"] == later["id"]
    agenda = await kit.call("GET", f"/v1/meetings/{later['id']}/agenda-items", expect=200)
    assert [i["id"] for i in agenda] == [pending["id"], direct["id"]]
    assert [i["position"] for i in agenda] == [1, 2]
    assert past["status"] == "scheduled"


async def test_minutes_draft_approved_published(kit: Any, boroughs: Any) -> None:
    sgg = next(boroughs)
    committee = await kit.committee(sgg)
    await kit.appoint(committee, "civilian_appointed")
    meeting = await kit.meeting(committee)
    url = f"/v1/meetings/{meeting['id']}/minutes"
    draft = await kit.call("POST", url, json={"body_ko": "1. 개회"}, headers=kit.writer(sgg), expect=201)
    assert draft["status"] == "draft"
    assert (await kit.client.get(url)).status_code == 404  # the public sees published minutes only
    assert (await kit.client.get(url, headers=kit.writer(sgg))).status_code == 200
    edited = await kit.call(
        "PUT",
        url,
        json={"body_ko": "1. 개회\n2. 안건 심의"},
        headers={**kit.writer(sgg), "If-Match": 'W/"1"'},
        expect=200,
    )
    assert edited["version"] == 2
    not_held = await kit.call(
        "POST", f"{url}/approval", headers={**kit.writer(sgg), "Accept-Language": "en"}, expect=409
    )
    assert "held" in not_held["detail"]
    etag = (await kit.client.get(f"/v1/meetings/{meeting['id']}")).headers["ETag"]
    held = await kit.call(
        "PATCH",
        f"/v1/meetings/{meeting['id']}",
        json={"status": "held"},
        headers={**kit.writer(sgg), "If-Match": etag},
        expect=200,
    )
    assert held["held_at"] is not None
    assert await kit.outbox_count(".meeting.held.v1") >= 1
    too_soon = await kit.call("POST", f"{url}/publication", headers=kit.writer(sgg), expect=409)
    assert too_soon["type"].endswith("/minutes-state")
    await kit.call("POST", f"{url}/approval", headers=kit.writer(sgg), expect=200)
    await kit.call(
        "PUT", url, json={"body_ko": "바꿈"}, headers={**kit.writer(sgg), "If-Match": 'W/"3"'}, expect=409
    )
    published = await kit.call("POST", f"{url}/publication", headers=kit.writer(sgg), expect=200)
    assert published["status"] == "published"
    public = await kit.call("GET", url, expect=200)
    assert public["body_ko"] == "1. 개회\n2. 안건 심의"
    assert await kit.audit_actions(meeting["id"]) == [
        "meeting.schedule",
        "minutes.create",
        "minutes.update",
        "meeting.update",
        "minutes.approve",
        "minutes.publish",
    ]


async def test_calendar_feed_in_seoul_time(kit: Any, boroughs: Any) -> None:
    sgg = next(boroughs)
    committee = await kit.committee(sgg)
    await kit.appoint(committee, "civilian_appointed")
    meeting = await kit.meeting(committee, days_ahead=10, title_ko="성동구 민관협치위원회 정기회의")
    await kit.call(
        "POST",
        f"/v1/meetings/{meeting['id']}/agenda-items",
        json={"title_ko": "실행계획 심의"},
        headers=kit.writer(sgg),
        expect=201,
    )
    response = await kit.client.get(f"/v1/committees/{committee['id']}/calendar.ics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/calendar")
    assert "DTSTART;TZID=Asia/Seoul:" in response.text
    calendar = Calendar.from_ical(response.content)
    events = [c for c in calendar.walk("VEVENT")]
    assert len(events) == 1
    start = events[0].decoded("dtstart")
    assert start.hour == 14 and str(start.tzinfo) == "Asia/Seoul"
    assert str(events[0]["summary"]) == "성동구 민관협치위원회 정기회의"
    assert "실행계획 심의" in str(events[0]["description"])
    assert [str(t["TZID"]) for t in calendar.walk("VTIMEZONE")] == ["Asia/Seoul"]
