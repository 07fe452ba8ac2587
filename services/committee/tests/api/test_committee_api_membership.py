"""Committees, ordinance versions, appointments under the composition rules, terms, contact privacy,
open calls, working groups, auth and audit — through the HTTP API (PostgreSQL and SQLite)."""

from __future__ import annotations

import json
import time
import unicodedata
from datetime import timedelta
from typing import Any

from cg_committee.sweep import sweep_all_committees
from cg_shared.auth import mint_dev_token
from cg_shared.clock import today_seoul
from cg_shared.settings import DEFAULT_DEV_SECRET
from cg_shared.testing.helpers import auth, token


async def test_one_committee_per_borough_and_public_lookup(kit: Any, boroughs: Any) -> None:
    sgg = next(boroughs)
    created = await kit.committee(sgg)
    assert created["ordinance"]["size_cap"] == 30 and created["ordinance"]["quorum_percent"] == 50
    again = await kit.client.post(
        "/v1/committees",
        json={"sgg_code": sgg, "name_ko": "둘째 위원회", "established_on": "2021-01-01"},
        headers=kit.writer(sgg),
    )
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    assert again.json()["type"].endswith("/committee-exists")
    found = await kit.call("GET", f"/v1/committees?sgg_code={sgg}", expect=200)  # no token: public
    assert [c["id"] for c in found["items"]] == [created["id"]]
    one = await kit.client.get(f"/v1/committees/{created['id']}")
    assert one.status_code == 200 and one.headers["ETag"] == 'W/"1"'
    assert "committee.establish" in await kit.audit_actions(created["id"])
    assert await kit.outbox_count(".committee.established.v1") >= 1


async def test_sixteenth_official_refused_naming_the_civilian_majority_rule(kit: Any, boroughs: Any) -> None:
    sgg = next(boroughs)
    # The borough's old ordinance had no civilian-majority rule; its 2026 amendment introduced it.
    committee = await kit.committee(
        sgg, established_on="2024-01-01", civilian_min_percent=0, civilian_strict=False
    )
    await kit.seat(committee, 14, 15, term_start="2026-01-01")
    amended = await kit.call(
        "POST",
        f"/v1/committees/{committee['id']}/ordinances",
        json={"effective_from": "2026-06-01", "reference": "조례 개정"},
        headers=kit.writer(sgg),
        expect=201,
    )
    assert amended["civilian_min_percent"] == 50 and amended["civilian_strict"] is True
    base = f"/v1/committees/{committee['id']}/ordinances"
    assert (await kit.call("GET", f"{base}/in-force?on=2026-05-31", expect=200))["civilian_min_percent"] == 0
    assert (await kit.call("GET", f"{base}/in-force", expect=200))["id"] == amended["id"]
    assert [o["effective_from"] for o in await kit.call("GET", base, expect=200)] == [
        "2024-01-01",
        "2026-06-01",
    ]
    twice = await kit.client.post(base, json={"effective_from": "2026-06-01"}, headers=kit.writer(sgg))
    assert twice.status_code == 409 and twice.json()["type"].endswith("/ordinance-version-exists")
    audit_before = await kit.audit_total()
    refused = await kit.client.post(
        f"/v1/committees/{committee['id']}/members",
        json={"name_ko": "열여섯째 공무원", "seat_kind": "official"},
        headers=kit.writer(sgg),
    )
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert refused.headers["content-type"] == "application/problem+json"
    assert problem["rule"] == "civilian_majority"
    assert problem["type"].endswith("/rules/civilian_majority")
    assert "14 civilians of 30" in problem["detail"]
    assert await kit.audit_total() == audit_before  # nothing written
    # The composition report names the same rule as already violated (14 of 29).
    report = await kit.call("GET", f"/v1/committees/{committee['id']}/composition", expect=200)
    assert report["seated_count"] == 29 and report["civilian_count"] == 14
    assert "civilian_majority" in {v["rule"] for v in report["violations"]}
    assert report["compliant"] is False
    # A civilian is welcome: it repairs the majority step by step.
    await kit.appoint(committee, "civilian_open_call", name_ko="공모위원")
    # Before the amendment the old rules applied: the same appointment dated 2026-03-01 passes.
    await kit.appoint(committee, "official", term_start="2026-03-01", name_ko="소급 공무원")
    # Now 15+1 civilians, 16 officials: 32 > cap 30.
    capped = await kit.appoint(committee, "civilian_appointed", expect=409)
    assert capped["rule"] == "size_cap"


async def test_composition_report_carry_over_and_terms_ending_soon(kit: Any, boroughs: Any) -> None:
    sgg = next(boroughs)
    committee = await kit.committee(sgg, established_on="2019-01-01")
    today = today_seoul()
    await kit.seat(committee, 6, 2)
    carried = await kit.appoint(
        committee,
        "civilian_appointed",
        name_ko="임기만료 위원",
        term_start="2022-01-01",
        term_end="2023-12-31",
    )
    soon_start = today - timedelta(days=690)
    soon = await kit.appoint(
        committee,
        "civilian_appointed",  # the rules apply on the back-dated start too: a civilian keeps the majority
        name_ko="곧 만료 위원",
        term_start=soon_start.isoformat(),
        term_end=(today + timedelta(days=30)).isoformat(),
    )
    later = await kit.appoint(
        committee,
        "expert",
        name_ko="나중 만료",
        term_start=(today - timedelta(days=600)).isoformat(),
        term_end=(today + timedelta(days=90)).isoformat(),
    )
    report = await kit.call("GET", f"/v1/committees/{committee['id']}/composition", expect=200)
    assert [e["member_id"] for e in report["carry_over"]] == [carried["id"]]
    assert report["carry_over"][0]["term_end"] == "2023-12-31"
    assert [e["member_id"] for e in report["terms_ending_soon"]] == [soon["id"]]
    assert report["terms_ending_soon"][0]["days"] == 30
    assert later["id"] not in {e["member_id"] for e in report["terms_ending_soon"]}
    rules = {r["rule"]: r for r in report["rules"]}
    assert rules["carry_over"]["severity"] == "warning" and carried["id"] in rules["carry_over"]["member_ids"]
    assert rules["term_ending"]["severity"] == "warning"
    member = await kit.call("GET", f"/v1/members/{carried['id']}", expect=200)
    assert member["status"] == "carry_over"

    # The sweep reports the ended term once, however often it runs.
    sweep = await kit.call(
        "POST", f"/v1/committees/{committee['id']}/term-sweep", headers=kit.writer(sgg), expect=200
    )
    assert sweep["ended"] == [{"member_id": carried["id"], "term_end": "2023-12-31", "carry_over": True}]
    again = await kit.call(
        "POST", f"/v1/committees/{committee['id']}/term-sweep", headers=kit.writer(sgg), expect=200
    )
    assert again["ended"] == []
    await sweep_all_committees(kit.app)  # the periodic background pass: still once per term
    events = [json.loads(p) for p in await kit.outbox_payloads(".member.term_ended.v1")]
    mine = [e for e in events if e["data"]["member_id"] == carried["id"]]
    assert len(mine) == 1 and mine[0]["data"]["carry_over"] is True

    # Replacing the carried-over member ends the carry-over.
    successor = await kit.appoint(
        committee, "civilian_appointed", name_ko="후임 위원", replaces_member_id=carried["id"]
    )
    report = await kit.call("GET", f"/v1/committees/{committee['id']}/composition", expect=200)
    assert report["carry_over"] == []
    old = await kit.call("GET", f"/v1/members/{carried['id']}", expect=200)
    assert old["status"] == "left" and old["left_reason"] == "replaced"
    assert old["replaced_by_member_id"] == successor["id"]


async def test_terms_renewal_limit_and_departure(kit: Any, boroughs: Any) -> None:
    sgg = next(boroughs)
    committee = await kit.committee(sgg, established_on="2019-01-01")
    member = await kit.appoint(committee, "civilian_appointed", term_start="2021-01-01")
    assert member["term_end"] == "2022-12-31"
    too_long = await kit.appoint(
        committee, "civilian_appointed", term_start="2025-01-01", term_end="2027-01-01", expect=409
    )
    assert too_long["rule"] == "term_length"
    renewed = await kit.call(
        "POST", f"/v1/members/{member['id']}/renewals", json={}, headers=kit.writer(sgg), expect=200
    )
    assert (renewed["term_start"], renewed["term_end"], renewed["renewals"]) == (
        "2023-01-01",
        "2024-12-31",
        1,
    )
    refused = await kit.call(
        "POST", f"/v1/members/{member['id']}/renewals", json={}, headers=kit.writer(sgg), expect=409
    )
    assert refused["rule"] == "max_renewals"
    left = await kit.call(
        "POST",
        f"/v1/members/{member['id']}/departure",
        json={"reason": "resigned", "left_on": "2025-02-01"},
        headers=kit.writer(sgg),
        expect=200,
    )
    assert left["status"] == "left"
    report = await kit.call("GET", f"/v1/committees/{committee['id']}/composition", expect=200)
    assert report["seated_count"] == 0 and report["vacancies"] == 30
    assert await kit.audit_actions(member["id"]) == ["member.appoint", "member.renew", "member.depart"]


async def test_contact_data_only_for_the_boroughs_secretariat(kit: Any, boroughs: Any) -> None:
    sgg, other = next(boroughs), next(boroughs)
    committee = await kit.committee(sgg)
    member = await kit.appoint(
        committee, "civilian_appointed", name_ko="이하늘", email="haneul@example.kr", phone="010-2222-3333"
    )
    assert member["contact"]["email"] == "haneul@example.kr"
    url = f"/v1/members/{member['id']}"
    public = await kit.call("GET", url, expect=200)
    assert (
        public["contact"] is None
        and public["name_ko"] == "이하늘"
        and public["seat_kind"] == "civilian_appointed"
    )
    assert "haneul" not in json.dumps(public)
    listed = await kit.call("GET", f"/v1/committees/{committee['id']}/members", expect=200)
    assert listed["items"][0]["contact"] is None
    foreign = await kit.call("GET", url, headers=auth("committee_secretary", other), expect=200)
    assert foreign["contact"] is None
    resident = await kit.call("GET", url, headers=auth("resident"), expect=200)
    assert resident["contact"] is None
    officer = await kit.call("GET", url, headers=auth("borough_officer", sgg), expect=200)
    assert officer["contact"]["phone"] == "010-2222-3333"
    listed = await kit.call(
        "GET", f"/v1/committees/{committee['id']}/members", headers=kit.writer(sgg), expect=200
    )
    assert listed["items"][0]["contact"]["email"] == "haneul@example.kr"


async def test_co_chairs_need_a_civilian(kit: Any, boroughs: Any) -> None:
    sgg = next(boroughs)
    committee = await kit.committee(sgg)
    civ, off = await kit.seat(committee, 3, 2)
    etag = (await kit.client.get(f"/v1/committees/{committee['id']}")).headers["ETag"]
    url = f"/v1/committees/{committee['id']}/co-chairs"
    headers = {**kit.writer(sgg), "If-Match": etag}
    bad = await kit.call(
        "PUT", url, json={"member_ids": [off[0]["id"], off[1]["id"]]}, headers=headers, expect=409
    )
    assert bad["rule"] == "civilian_co_chair"
    missing = await kit.client.put(url, json={"member_ids": [civ[0]["id"]]}, headers=kit.writer(sgg))
    assert missing.status_code == 428
    ok = await kit.call(
        "PUT", url, json={"member_ids": [civ[0]["id"], off[0]["id"]]}, headers=headers, expect=200
    )
    assert {m["id"] for m in ok["co_chairs"]} == {civ[0]["id"], off[0]["id"]}
    stale = await kit.client.put(url, json={"member_ids": [civ[1]["id"]]}, headers=headers)
    assert stale.status_code == 412
    report = await kit.call("GET", f"/v1/committees/{committee['id']}/composition", expect=200)
    rules = {r["rule"]: r for r in report["rules"]}
    assert rules["co_chairs"]["ok"] and rules["civilian_co_chair"]["ok"]
    assert report["compliant"] is True


async def test_open_call_application_to_appointment(kit: Any, boroughs: Any) -> None:
    sgg = next(boroughs)
    committee = await kit.committee(sgg)
    resident = auth("resident", sub="resident-park")
    application = await kit.call(
        "POST",
        f"/v1/committees/{committee['id']}/applications",
        json={
            "name_ko": "박서연",
            "email": "park@example.kr",
            "affiliations": ["왕십리 주민자치회"],
            "statement": "돌봄",
        },
        headers=resident,
        expect=201,
    )
    assert application["status"] == "submitted" and application["applicant_sub"] == "resident-park"
    dup = await kit.client.post(
        f"/v1/committees/{committee['id']}/applications", json={"name_ko": "박서연"}, headers=resident
    )
    assert dup.status_code == 409
    secretary_only = await kit.client.post(
        f"/v1/committees/{committee['id']}/applications", json={"name_ko": "비주민"}, headers=kit.writer(sgg)
    )
    assert secretary_only.status_code == 403
    mine = await kit.call("GET", f"/v1/applications/{application['id']}", headers=resident, expect=200)
    assert mine["id"] == application["id"]
    stranger = await kit.client.get(
        f"/v1/applications/{application['id']}", headers=auth("resident", sub="other")
    )
    assert stranger.status_code == 403
    listed = await kit.call(
        "GET",
        f"/v1/committees/{committee['id']}/applications?status=submitted",
        headers=kit.writer(sgg),
        expect=200,
    )
    assert [a["id"] for a in listed["items"]] == [application["id"]]
    too_early = await kit.client.post(
        f"/v1/applications/{application['id']}/appointment", json={}, headers=kit.writer(sgg)
    )
    assert too_early.status_code == 409  # must be shortlisted first
    await kit.call(
        "POST", f"/v1/applications/{application['id']}/shortlist", headers=kit.writer(sgg), expect=200
    )
    member = await kit.call(
        "POST",
        f"/v1/applications/{application['id']}/appointment",
        json={},
        headers=kit.writer(sgg),
        expect=201,
    )
    assert member["seat_kind"] == "civilian_open_call" and member["application_id"] == application["id"]
    assert member["contact"]["user_sub"] == "resident-park"
    assert member["affiliations"] == ["왕십리 주민자치회"]
    done = await kit.call("GET", f"/v1/applications/{application['id']}", headers=resident, expect=200)
    assert done["status"] == "appointed" and done["member_id"] == member["id"]


async def test_working_groups(kit: Any, boroughs: Any) -> None:
    sgg = next(boroughs)
    committee = await kit.committee(sgg)
    civ, off = await kit.seat(committee, 2, 1)
    group = await kit.call(
        "POST",
        f"/v1/committees/{committee['id']}/working-groups",
        json={"name_ko": "돌봄·복지 분과", "purpose": "돌봄 의제 사전 검토"},
        headers=kit.writer(sgg),
        expect=201,
    )
    url = f"/v1/working-groups/{group['id']}/members"
    await kit.call(
        "PUT", f"{url}/{civ[0]['id']}", json={"role": "chair"}, headers=kit.writer(sgg), expect=200
    )
    updated = await kit.call("PUT", f"{url}/{off[0]['id']}", json={}, headers=kit.writer(sgg), expect=200)
    assert {(m["member_id"], m["role"]) for m in updated["members"]} == {
        (civ[0]["id"], "chair"),
        (off[0]["id"], "member"),
    }
    removed = await kit.client.delete(f"{url}/{off[0]['id']}", headers=kit.writer(sgg))
    assert removed.status_code == 204
    listed = await kit.call("GET", f"/v1/committees/{committee['id']}/working-groups", expect=200)
    assert [len(g["members"]) for g in listed] == [1]


async def test_auth_is_refused_with_problem_json_and_nothing_is_written(kit: Any, boroughs: Any) -> None:
    sgg, other = next(boroughs), next(boroughs)
    committee = await kit.committee(sgg)
    url = f"/v1/committees/{committee['id']}/members"
    body = {"name_ko": "무단 위원", "seat_kind": "civilian_appointed"}
    before = await kit.audit_total()
    expired = mint_dev_token(
        secret=DEFAULT_DEV_SECRET, role="committee_secretary", sgg_code=sgg, now=time.time() - 7200, ttl_s=60
    )
    cases = [
        ({}, 401),
        ({"Authorization": "Bearer not-a-jwt"}, 401),
        ({"Authorization": f"Bearer {expired}"}, 401),
        (
            {
                "Authorization": f"Bearer {token('committee_secretary', sgg, secret='not-the-dev-secret-0123456789abcdef')}"
            },
            401,
        ),
        (auth("resident"), 403),
        (auth("committee_member", sgg), 403),
        (auth("committee_secretary", other), 403),
        (auth("borough_officer", other), 403),
    ]
    for headers, expected in cases:
        response = await kit.client.post(url, json=body, headers=headers)
        assert response.status_code == expected, (headers, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    establish = await kit.client.post(
        "/v1/committees",
        json={"sgg_code": other, "name_ko": "남의 위원회", "established_on": "2020-01-01"},
        headers=kit.writer(sgg),
    )
    assert establish.status_code == 403
    assert await kit.audit_total() == before
    listed = await kit.call("GET", f"/v1/committees/{committee['id']}/members?status=all", expect=200)
    assert listed["items"] == []
    await kit.appoint(committee, "civilian_appointed")
    await kit.call("POST", url, json=body, headers=auth("borough_officer", sgg), expect=201)
    await kit.call("POST", url, json=body, headers=auth("smg_admin"), expect=201)


async def test_validation_errors_name_the_fields(kit: Any, boroughs: Any) -> None:
    sgg = next(boroughs)
    bad = await kit.client.post(
        "/v1/committees", json={"sgg_code": "99999", "established_on": "soon"}, headers=kit.writer(sgg)
    )
    assert bad.status_code == 422
    fields = {e["field"] for e in bad.json()["errors"]}
    assert {"body.sgg_code", "body.name_ko", "body.established_on"} <= fields
    committee = await kit.committee(sgg)
    unknown_kind = await kit.client.post(
        f"/v1/committees/{committee['id']}/members",
        json={"name_ko": "x", "seat_kind": "mayor", "email": "nope", "affiliations": ["a\x00b"]},
        headers=kit.writer(sgg),
    )
    assert unknown_kind.status_code == 422
    fields = {e["field"] for e in unknown_kind.json()["errors"]}
    assert {"body.seat_kind", "body.email", "body.affiliations.0"} <= fields
    decomposed = unicodedata.normalize("NFD", "김민지")
    stored = await kit.appoint(
        committee,
        "civilian_appointed",
        name_ko=decomposed,
        affiliations=[unicodedata.normalize("NFD", "성동마을넷")],
    )
    assert stored["name_ko"] == "김민지" and stored["affiliations"] == ["성동마을넷"]
    not_uuid = await kit.client.get("/v1/committees/not-a-uuid")
    assert not_uuid.status_code == 422
    missing = await kit.client.get("/v1/committees/00000000-0000-4000-8000-000000000000")
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"


async def test_member_update_needs_if_match_and_is_audited(kit: Any, boroughs: Any) -> None:
    sgg = next(boroughs)
    committee = await kit.committee(sgg)
    member = await kit.appoint(committee, "civilian_appointed", affiliations=["서울연구원"])
    url = f"/v1/members/{member['id']}"
    no_etag = await kit.client.patch(url, json={"affiliations": []}, headers=kit.writer(sgg))
    assert no_etag.status_code == 428
    etag = (await kit.client.get(url)).headers["ETag"]
    updated = await kit.call(
        "PATCH",
        url,
        json={"affiliations": ["서울연구원", "성동구 사회적경제지원센터"], "email": None},
        headers={**kit.writer(sgg), "If-Match": etag},
        expect=200,
    )
    assert updated["affiliations"] == ["서울연구원", "성동구 사회적경제지원센터"]
    stale = await kit.client.patch(url, json={"name_en": "x"}, headers={**kit.writer(sgg), "If-Match": etag})
    assert stale.status_code == 412
    assert await kit.audit_actions(member["id"]) == ["member.appoint", "member.update"]


async def test_ex_officio_members_sit_while_in_office_without_a_term(kit: Any, boroughs: Any) -> None:
    """Officials and councillors sit ex officio (당연직) by default: no 2-year term, nothing to renew,
    never reported as carry-over or ending; appointed civilians keep the ordinance's terms."""
    sgg = next(boroughs)
    committee = await kit.committee(sgg)
    civilian = await kit.appoint(committee, "civilian_appointed", term_start="2024-01-01")
    assert civilian["ex_officio"] is False and civilian["term_end"] == "2025-12-31"
    deputy = await kit.appoint(
        committee, "official", name_ko="부구청장", position_title="부구청장", term_start="2024-01-01"
    )
    assert deputy["ex_officio"] is True and deputy["term_end"] is None and deputy["status"] == "serving"
    # A council member's seat may end with the council's term, beyond the ordinance's 2 years.
    councillor = await kit.appoint(committee, "councillor", term_start="2024-01-01", term_end="2026-06-30")
    assert councillor["ex_officio"] is True and councillor["term_end"] == "2026-06-30"
    appointed_official = await kit.appoint(committee, "official", ex_officio=False, term_start="2024-01-01")
    assert appointed_official["ex_officio"] is False and appointed_official["term_end"] == "2025-12-31"
    refused = await kit.appoint(committee, "civilian_open_call", ex_officio=True, expect=422)
    assert "ex_officio" in json.dumps(refused)

    renew = await kit.client.post(f"/v1/members/{deputy['id']}/renewals", json={}, headers=kit.writer(sgg))
    assert renew.status_code == 409 and renew.json()["type"].endswith("/member-ex-officio")

    report = await kit.call(
        "GET", f"/v1/committees/{committee['id']}/composition?as_of=2027-01-01", expect=200
    )
    carried = {e["member_id"] for e in report["carry_over"]}
    assert deputy["id"] not in carried and civilian["id"] in carried
    assert councillor["id"] in carried  # its own end date passed
    term_length = next(r for r in report["rules"] if r["rule"] == "term_length")
    assert term_length["ok"] is True  # an office is not a term too long
    seated = await kit.call(
        "GET", f"/v1/committees/{committee['id']}/members?status=seated&as_of=2030-01-01", expect=200
    )
    assert deputy["id"] in {m["id"] for m in seated["items"]}
