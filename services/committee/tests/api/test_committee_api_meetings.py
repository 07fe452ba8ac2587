"""Meetings, agenda, attendance, named votes, recusal, decision validity, minutes, calendar and metrics
through the HTTP API (PostgreSQL and SQLite)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from cg_shared.clock import now_utc, seoul_date, today_seoul
from cg_shared.testing.helpers import auth

PARTNER = "성동마을넷"


async def _board(kit: Any, sgg: str, **ordinance: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A full 30-seat committee: 18 civilians (one affiliated with the partner NGO), 12 officials."""
    committee = await kit.committee(sgg, **ordinance)
    civ, off = await kit.seat(committee, 17, 0)
    partner = await kit.appoint(
        committee, "civilian_open_call", name_ko="마을넷 활동가", affiliations=[f" {PARTNER} "]
    )
    _, off = await kit.seat(committee, 0, 12)
    return committee, [partner, *civ, *off]


def _present(members: list[dict[str, Any]], count: int, *, first: int = 0) -> list[dict[str, Any]]:
    chosen = members[first : first + count]
    ids = {m["id"] for m in chosen}
    return [{"member_id": m["id"], "status": "present" if m["id"] in ids else "absent"} for m in members]


async def _votes(
    kit: Any, sgg: str, item_id: str, choices: list[tuple[dict[str, Any], str]], **kw: Any
) -> Any:
    body = {"votes": [{"member_id": m["id"], "choice": c} for m, c in choices]}
    return await kit.call(
        "POST",
        f"/v1/agenda-items/{item_id}/votes",
        json=body,
        headers=kw.get("headers") or kit.writer(sgg),
        expect=kw.get("expect", 200),
    )


async def _decide(kit: Any, sgg: str, meeting_id: str, item_id: str) -> dict[str, Any]:
    return await kit.call(  # type: ignore[no-any-return]
        "POST",
        f"/v1/meetings/{meeting_id}/decisions",
        json={"agenda_item_id": item_id},
        headers=kit.writer(sgg),
        expect=201,
    )


async def test_quorum_fifteen_of_thirty_invalid_then_sixteen_with_nine_yes_valid(
    kit: Any, boroughs: Any
) -> None:
    sgg = next(boroughs)
    committee, people = await _board(kit, sgg)
    meeting = await kit.meeting(committee)
    item = await kit.call(
        "POST",
        f"/v1/meetings/{meeting['id']}/agenda-items",
        json={"title_ko": "2027년 실행계획(안)", "subject_kind": "plan", "subject_id": "plan-q"},
        headers=kit.writer(sgg),
        expect=201,
    )
    voters = people[1:17]  # not the partner-affiliated member: no recusal here

    await kit.attendance(committee, meeting["id"], _present(people, 15, first=1))
    attendance = await kit.call("GET", f"/v1/meetings/{meeting['id']}/attendance", expect=200)
    assert (attendance["seated_count"], attendance["present_count"], attendance["quorum_met"]) == (
        30,
        15,
        False,
    )
    await _votes(kit, sgg, item["id"], [(m, "yes") for m in voters[:9]] + [(m, "no") for m in voters[9:15]])
    first = await _decide(kit, sgg, meeting["id"], item["id"])
    assert first["valid"] is False
    assert first["tally"] == {
        "seated": 30,
        "present": 15,
        "yes": 9,
        "no": 6,
        "abstain": 0,
        "recused": 0,
        "recused_voted": 0,
    }
    assert any(r.startswith("quorum: FAILED") for r in first["reasons"])
    assert (await kit.call("GET", f"/v1/agenda-items/{item['id']}", expect=200))["status"] == "scheduled"

    # One more member arrives; the committee votes again on a fresh motion.
    await kit.attendance(committee, meeting["id"], _present(people, 16, first=1))
    await _votes(kit, sgg, item["id"], [(m, "yes") for m in voters[:9]] + [(m, "no") for m in voters[9:16]])
    second = await _decide(kit, sgg, meeting["id"], item["id"])
    assert second["valid"] is True and second["outcome"] == "adopted"
    assert (second["tally"]["present"], second["tally"]["yes"], second["tally"]["no"]) == (16, 9, 7)
    assert second["motion_id"] != first["motion_id"]
    assert (await kit.call("GET", f"/v1/agenda-items/{item['id']}", expect=200))["status"] == "decided"

    public = await kit.call("GET", f"/v1/decisions/{second['id']}", expect=200)  # no token
    assert len(public["votes"]) == 16 and {v["choice"] for v in public["votes"]} == {"yes", "no"}
    events = [json.loads(p)["data"] for p in await kit.outbox_payloads(".decision.recorded.v1")]
    mine = {e["decision_id"]: e for e in events if e["subject_id"] == "plan-q"}
    assert mine[first["id"]]["valid"] is False and mine[second["id"]]["valid"] is True
    assert mine[second["id"]]["subject_kind"] == "plan" and mine[second["id"]]["outcome"] == "adopted"
    assert mine[second["id"]]["tally"]["present"] == 16
    listed = await kit.call("GET", f"/v1/committees/{committee['id']}/decisions", expect=200)
    assert {d["id"] for d in listed["items"]} == {first["id"], second["id"]}
    assert "decision.record" in await kit.audit_actions(second["id"])


async def test_partner_affiliated_member_is_recused_and_their_vote_invalidates(
    kit: Any, boroughs: Any
) -> None:
    sgg = next(boroughs)
    committee, people = await _board(kit, sgg)
    partner = people[0]
    meeting = await kit.meeting(committee)
    item = await kit.call(
        "POST",
        f"/v1/meetings/{meeting['id']}/agenda-items",
        json={
            "title_ko": "마을돌봄 협약",
            "partner_organisations": [PARTNER],
            "applicant_organisations": ["성동구청"],
        },
        headers=kit.writer(sgg),
        expect=201,
    )
    assert [(r["member_id"], r["organisations"]) for r in item["recusals"]] == [(partner["id"], [PARTNER])]
    await kit.attendance(committee, meeting["id"], _present(people, 20))
    voted = await _votes(
        kit, sgg, item["id"], [(m, "yes") for m in people[:12]] + [(m, "no") for m in people[12:20]]
    )
    assert len(voted["warnings"]) == 1 and partner["id"] in voted["warnings"][0]
    assert [v["recused"] for v in voted["motion"]["votes"] if v["member_id"] == partner["id"]] == [True]
    decision = await _decide(kit, sgg, meeting["id"], item["id"])
    assert decision["valid"] is False and decision["outcome"] == "adopted"  # enough yes, but tainted
    assert decision["recused_member_ids"] == [partner["id"]]
    assert decision["tally"]["recused_voted"] == 1
    recusal = next(c for c in decision["checks"] if c["rule"] == "recusal")
    assert recusal["ok"] is False and recusal["member_ids"] == [partner["id"]]

    # The vote is taken again without the recused member: now valid.
    await _votes(
        kit, sgg, item["id"], [(m, "yes") for m in people[1:12]] + [(m, "no") for m in people[12:20]]
    )
    clean = await _decide(kit, sgg, meeting["id"], item["id"])
    assert clean["valid"] is True and clean["tally"]["recused"] == 1 and clean["tally"]["recused_voted"] == 0


async def test_votes_need_presence_and_proxies_need_the_ordinance(kit: Any, boroughs: Any) -> None:
    sgg = next(boroughs)
    committee, people = await _board(kit, sgg)
    meeting = await kit.meeting(committee)
    item = await kit.call(
        "POST",
        f"/v1/meetings/{meeting['id']}/agenda-items",
        json={"title_ko": "안건"},
        headers=kit.writer(sgg),
        expect=201,
    )
    proxy = [{"member_id": people[0]["id"], "status": "proxy", "proxy_holder": "대리인"}]
    refused = await kit.attendance(committee, meeting["id"], proxy, expect=409)
    assert refused["rule"] == "proxy_allowed"
    await kit.attendance(committee, meeting["id"], _present(people, 16))
    absent = await _votes(kit, sgg, item["id"], [(people[20], "yes")], expect=409)
    assert absent["rule"] == "voter_present"
    stranger = await _votes(
        kit, sgg, item["id"], [({"id": "00000000-0000-4000-8000-000000000000"}, "yes")], expect=422
    )
    assert stranger["errors"][0]["field"] == "body.votes.0.member_id"


async def test_proxy_counts_toward_quorum_where_allowed(kit: Any, boroughs: Any) -> None:
    sgg = next(boroughs)
    committee, people = await _board(kit, sgg, proxy_allowed=True)
    meeting = await kit.meeting(committee)
    item = await kit.call(
        "POST",
        f"/v1/meetings/{meeting['id']}/agenda-items",
        json={"title_ko": "안건"},
        headers=kit.writer(sgg),
        expect=201,
    )
    entries = _present(people, 15, first=1)
    entries[-1] = {"member_id": people[-1]["id"], "status": "proxy", "proxy_holder": "부구청장 대리 출석"}
    attendance = await kit.attendance(committee, meeting["id"], entries)
    assert attendance["present_count"] == 16 and attendance["quorum_met"] is True
    await _votes(kit, sgg, item["id"], [(m, "yes") for m in people[1:10]])
    decision = await _decide(kit, sgg, meeting["id"], item["id"])
    assert decision["valid"] is True and decision["tally"]["present"] == 16


async def test_quorum_is_checked_at_the_time_of_the_vote(kit: Any, boroughs: Any) -> None:
    sgg = next(boroughs)
    committee, people = await _board(kit, sgg)
    meeting = await kit.meeting(committee)
    item = await kit.call(
        "POST",
        f"/v1/meetings/{meeting['id']}/agenda-items",
        json={"title_ko": "안건"},
        headers=kit.writer(sgg),
        expect=201,
    )
    entries = _present(people, 16, first=1)
    starts = datetime.fromisoformat(meeting["starts_at"])  # an hour ago
    entries[1]["left_at"] = (starts + timedelta(minutes=20)).isoformat()  # left early: 15 remain
    await kit.attendance(committee, meeting["id"], entries)
    await _votes(kit, sgg, item["id"], [(m, "yes") for m in people[3:12]])
    late = await kit.call(
        "POST",
        f"/v1/meetings/{meeting['id']}/decisions",
        json={"agenda_item_id": item["id"], "voted_at": (starts + timedelta(minutes=30)).isoformat()},
        headers=kit.writer(sgg),
        expect=201,
    )
    assert late["valid"] is False and late["tally"]["present"] == 15


async def test_committee_member_may_cast_only_their_own_vote(kit: Any, boroughs: Any) -> None:
    sgg = next(boroughs)
    committee = await kit.committee(sgg)
    me = await kit.appoint(committee, "civilian_appointed", name_ko="본인", user_sub="member-me")
    other = await kit.appoint(committee, "civilian_appointed", name_ko="타인", user_sub="member-other")
    meeting = await kit.meeting(committee)
    item = await kit.call(
        "POST",
        f"/v1/meetings/{meeting['id']}/agenda-items",
        json={"title_ko": "안건"},
        headers=kit.writer(sgg),
        expect=201,
    )
    await kit.attendance(committee, meeting["id"], _present([me, other], 2))
    token = auth("committee_member", sgg, sub="member-me")
    own = await _votes(kit, sgg, item["id"], [(me, "yes")], headers=token)
    assert [v["cast_by"] for v in own["motion"]["votes"]] == ["member-me"]
    await _votes(kit, sgg, item["id"], [(other, "no")], headers=token, expect=403)
    await _votes(
        kit,
        sgg,
        item["id"],
        [(me, "no")],
        headers=auth("committee_member", "11110", sub="member-me"),
        expect=403,
    )
    await _votes(kit, sgg, item["id"], [(me, "no")], headers=auth("resident", sub="member-me"), expect=403)
    changed = await _votes(kit, sgg, item["id"], [(me, "abstain")], headers=token)
    assert [v["choice"] for v in changed["motion"]["votes"]] == ["abstain"]


async def test_ordinance_subjects_need_two_thirds(kit: Any, boroughs: Any) -> None:
    sgg = next(boroughs)
    committee, people = await _board(kit, sgg)
    meeting = await kit.meeting(committee)
    item = await kit.call(
        "POST",
        f"/v1/meetings/{meeting['id']}/agenda-items",
        json={"title_ko": "조례 개정 의견", "subject_kind": "ordinance"},
        headers=kit.writer(sgg),
        expect=201,
    )
    await kit.attendance(committee, meeting["id"], _present(people, 20, first=1))
    await _votes(
        kit, sgg, item["id"], [(m, "yes") for m in people[1:14]] + [(m, "no") for m in people[14:21]]
    )
    decision = await _decide(kit, sgg, meeting["id"], item["id"])
    assert decision["valid"] is True and decision["outcome"] == "rejected"  # 13 of 20 < two thirds
    assert decision["required_majority"] == "two_thirds"


async def test_participation_metrics(kit: Any, boroughs: Any) -> None:
    sgg = next(boroughs)
    committee = await kit.committee(sgg)
    civ, off = await kit.seat(committee, 3, 2)
    people = [*civ, *off]
    meeting = await kit.meeting(committee)  # in session today
    await kit.call(
        "POST",
        f"/v1/meetings/{meeting['id']}/agenda-items",
        json={"title_ko": "주민 의제", "proposed_by_member_id": civ[0]["id"]},
        headers=kit.writer(sgg),
        expect=201,
    )
    item = await kit.call(
        "POST",
        f"/v1/meetings/{meeting['id']}/agenda-items",
        json={"title_ko": "구청 의제"},
        headers=kit.writer(sgg),
        expect=201,
    )
    assert item["origin"] == "public"
    # Two of three civilians and one of two officials attend; all attendees vote.
    await kit.attendance(
        committee,
        meeting["id"],
        [
            {"member_id": m["id"], "status": "present" if m in (civ[0], civ[1], off[0]) else "absent"}
            for m in people
        ],
    )
    await _votes(kit, sgg, item["id"], [(civ[0], "yes"), (civ[1], "no"), (off[0], "yes")])
    await _decide(kit, sgg, meeting["id"], item["id"])
    etag = (await kit.client.get(f"/v1/meetings/{meeting['id']}")).headers["ETag"]
    await kit.call(
        "PATCH",
        f"/v1/meetings/{meeting['id']}",
        json={"status": "held"},
        headers={**kit.writer(sgg), "If-Match": etag},
        expect=200,
    )
    await kit.call(
        "POST",
        f"/v1/members/{off[1]['id']}/departure",
        json={"reason": "resigned"},
        headers=kit.writer(sgg),
        expect=200,
    )
    metrics = await kit.call("GET", f"/v1/committees/{committee['id']}/metrics", expect=200)
    assert metrics["civilian_seats"] == {"numerator": 3, "denominator": 4, "share": 0.75}
    assert metrics["civilian_votes"] == {"numerator": 2, "denominator": 3, "share": 0.6667}
    rates = {a["seat_kind"]: a for a in metrics["attendance_by_seat_kind"]}
    assert (rates["civilian_appointed"]["present"], rates["civilian_appointed"]["expected"]) == (2, 3)
    # The second official resigned with effect from the meeting day, so was no longer expected there.
    assert (rates["official"]["present"], rates["official"]["expected"]) == (1, 1)
    assert rates["expert"]["rate"] is None
    assert metrics["attendance_overall"] == {"numerator": 3, "denominator": 4, "share": 0.75}
    assert metrics["civilian_agenda_items"] == {"numerator": 1, "denominator": 2, "share": 0.5}
    assert metrics["turnover"]["departures"] == 1 and metrics["turnover"]["appointments"] == 5
    assert (metrics["meetings_held"], metrics["decisions"], metrics["valid_decisions"]) == (1, 1, 1)


async def test_meeting_writes_are_scoped_to_the_borough(kit: Any, boroughs: Any) -> None:
    sgg, other = next(boroughs), next(boroughs)
    committee = await kit.committee(sgg)
    meeting = await kit.meeting(committee)
    before = await kit.audit_total()
    for method, url, body in [
        (
            "POST",
            f"/v1/committees/{committee['id']}/meetings",
            {"title_ko": "x", "starts_at": "2030-01-01T10:00:00+09:00"},
        ),
        ("POST", f"/v1/meetings/{meeting['id']}/agenda-items", {"title_ko": "x"}),
        ("POST", f"/v1/meetings/{meeting['id']}/minutes", {"body_ko": "x"}),
        ("POST", f"/v1/meetings/{meeting['id']}/decisions", {"agenda_item_id": meeting["id"]}),
        ("PUT", f"/v1/meetings/{meeting['id']}/attendance", {"entries": []}),
    ]:
        for headers, expected in [
            ({}, 401),
            (auth("resident"), 403),
            (auth("committee_secretary", other), 403),
        ]:
            response = await kit.client.request(method, url, json=body, headers={**headers, "If-Match": "*"})
            assert response.status_code == expected, (method, url, headers, response.text)
            assert response.headers["content-type"] == "application/problem+json"
    assert await kit.audit_total() == before


async def test_a_decision_without_due_notice_is_invalid(kit: Any, boroughs: Any) -> None:
    """Announced 2 days ahead where the ordinance requires 7: recorded, explained, never valid."""
    sgg = next(boroughs)
    committee, people = await _board(kit, sgg)
    starts = datetime.fromisoformat((await kit.meeting(committee))["starts_at"])
    notice_on = (seoul_date(starts) - timedelta(days=2)).isoformat()
    meeting = await kit.meeting(committee, notice_on=notice_on, title_ko="급히 공고한 정기회의")
    assert meeting["notice_days_before"] == 2 and meeting["notice_required_days"] == 7
    assert meeting["notice_sufficient"] is False
    item = await kit.call(
        "POST",
        f"/v1/meetings/{meeting['id']}/agenda-items",
        json={"title_ko": "계획 심의", "subject_kind": "plan", "subject_id": "plan-short-notice"},
        headers=kit.writer(sgg),
        expect=201,
    )
    await kit.attendance(committee, meeting["id"], _present(people, 20))
    cast = await _votes(kit, sgg, item["id"], [(m, "yes") for m in people[:20]])
    assert any(w.startswith("notice:") for w in cast["warnings"])
    decision = await _decide(kit, sgg, meeting["id"], item["id"])
    assert decision["outcome"] == "adopted" and decision["valid"] is False
    notice = next(c for c in decision["checks"] if c["rule"] == "notice")
    assert notice["ok"] is False and "the ordinance requires 7" in notice["detail"]
    assert decision["reasons"][0].startswith("notice: FAILED")
    # The event says invalid: planning adopts nothing on it.
    [payload] = [p for p in await kit.outbox_payloads("decision.recorded.v1") if decision["id"] in p]
    assert json.loads(payload)["data"]["valid"] is False

    # An extraordinary meeting needs only the ordinance's shorter notice (1 day by default).
    urgent = await kit.meeting(committee, kind="extraordinary", notice_on=notice_on, title_ko="임시회의")
    assert urgent["notice_required_days"] == 1 and urgent["notice_sufficient"] is True


async def test_votes_before_the_meeting_starts_or_after_it_closes_make_the_decision_invalid(
    kit: Any, boroughs: Any
) -> None:
    sgg = next(boroughs)
    committee, people = await _board(kit, sgg)
    upcoming = await kit.meeting(committee, days_ahead=10, notice_on=today_seoul().isoformat())
    assert upcoming["notice_sufficient"] is True
    item = await kit.call(
        "POST",
        f"/v1/meetings/{upcoming['id']}/agenda-items",
        json={"title_ko": "이른 표결", "subject_kind": "plan", "subject_id": "plan-early-votes"},
        headers=kit.writer(sgg),
        expect=201,
    )
    await kit.attendance(committee, upcoming["id"], _present(people, 20))
    early = await _votes(kit, sgg, item["id"], [(m, "yes") for m in people[:20]])
    assert any("before the meeting started" in w for w in early["warnings"])
    decision = await _decide(kit, sgg, upcoming["id"], item["id"])
    assert decision["valid"] is False
    in_session = next(c for c in decision["checks"] if c["rule"] == "in_session")
    assert in_session["ok"] is False and len(in_session["member_ids"]) == 20

    # A meeting that ran from two hours ago to one hour ago: votes recorded now are after its close,
    # votes recorded as cast during it (the secretariat catching up) count.
    starts = now_utc() - timedelta(hours=2)
    past = await kit.meeting(
        committee,
        starts_at=starts.isoformat(),
        ends_at=(starts + timedelta(hours=1)).isoformat(),
        notice_on=(seoul_date(starts) - timedelta(days=7)).isoformat(),
        title_ko="끝난 회의",
    )
    late_item = await kit.call(
        "POST",
        f"/v1/meetings/{past['id']}/agenda-items",
        json={"title_ko": "늦은 표결"},
        headers=kit.writer(sgg),
        expect=201,
    )
    await kit.attendance(committee, past["id"], _present(people, 20))
    late = await _votes(kit, sgg, late_item["id"], [(m, "yes") for m in people[:20]])
    assert any("after the meeting closed" in w for w in late["warnings"])
    assert (await _decide(kit, sgg, past["id"], late_item["id"]))["valid"] is False
    # The invalid decision leaves the item open: the votes are recorded again, as cast in session.
    future = await kit.client.post(
        f"/v1/agenda-items/{late_item['id']}/votes",
        json={
            "votes": [{"member_id": people[0]["id"], "choice": "yes"}],
            "cast_at": (now_utc() + timedelta(hours=1)).isoformat(),
        },
        headers=kit.writer(sgg),
    )
    assert future.status_code == 422 and "cast_at" in future.text
    during = await kit.call(
        "POST",
        f"/v1/agenda-items/{late_item['id']}/votes",
        json={
            "votes": [{"member_id": m["id"], "choice": "yes"} for m in people[:20]],
            "cast_at": (starts + timedelta(minutes=40)).isoformat(),
        },
        headers=kit.writer(sgg),
        expect=200,
    )
    assert during["warnings"] == []
    valid = await _decide(kit, sgg, past["id"], late_item["id"])
    assert valid["valid"] is True and valid["outcome"] == "adopted"
    assert datetime.fromisoformat(valid["voted_at"]) == starts + timedelta(minutes=40)


async def test_officials_can_be_seated_before_civilians(kit: Any, boroughs: Any) -> None:
    """Ex-officio officials and councillors first, civilians after the open call: any order works,
    the composition report says when the civilian majority holds, and a decision taken without it
    carries a warning."""
    sgg = next(boroughs)
    committee = await kit.committee(sgg)
    officials = [await kit.appoint(committee, "official", name_ko=f"당연직{i:02d}") for i in range(12)]
    councillors = [await kit.appoint(committee, "councillor", name_ko=f"구의원{i}") for i in range(2)]
    report = await kit.call("GET", f"/v1/committees/{committee['id']}/composition", expect=200)
    assert report["civilian_count"] == 0
    assert "civilian_majority" in {v["rule"] for v in report["violations"]}
    # A fifteenth non-civilian would make the majority unreachable under the cap of 30.
    refused = await kit.appoint(committee, "official", expect=409)
    assert refused["rule"] == "civilian_majority" and "15 civilians of 30" in refused["detail"]
    civilians = [
        await kit.appoint(committee, "civilian_appointed", name_ko=f"민간{i:02d}") for i in range(15)
    ]
    report = await kit.call("GET", f"/v1/committees/{committee['id']}/composition", expect=200)
    assert (report["seated_count"], report["civilian_count"]) == (29, 15)
    assert "civilian_majority" not in {v["rule"] for v in report["violations"]}  # co-chairs are next
    assert len(officials) + len(councillors) + len(civilians) == 29
