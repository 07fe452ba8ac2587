"""Projects CRUD: borough-scoped writes, ETag/If-Match, history, audit, assessments, problem+json."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(scope="module")
async def url(fresh_db: Any) -> str:
    return str(await fresh_db("postgresql"))


async def test_minimal_first_flow_body_still_registers(reg: Any, url: str) -> None:
    body = {
        "title_ko": "성수동 마을 협치",
        "title_en": "Seongsu village CG",
        "sgg_code": "11200",
        "total_krw": 1000000,
    }
    async with reg.api(url) as client:
        anonymous = await client.post("/v1/projects", json=body)
        created = await client.post("/v1/projects", json=body, headers=reg.OFFICER)
        events = await reg.outbox_rows(client.app, "project.registered")
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"].startswith("application/problem+json")
    assert created.status_code == 201, created.text
    project = created.json()
    assert project["id"] and project["code"].startswith("CG-11200-")
    assert project["total_krw"] == 1_000_000 and project["declared_total_krw"] == 1_000_000
    assert project["funding_lines"] == [] and project["origin"] == "department"
    assert created.headers["etag"] == 'W/"1"'
    assert created.headers["location"].endswith(f"/v1/projects/{project['id']}")
    assert any(
        e["data"]["project_id"] == project["id"] and e["data"]["total_krw"] == 1_000_000 for e in events
    )


async def test_full_project_with_funding_lines(reg: Any, url: str) -> None:
    async with reg.api(url) as client:
        created = await client.post("/v1/projects", json=reg.project_body(), headers=reg.OFFICER)
        assert created.status_code == 201, created.text
        project = created.json()
        fetched = await client.get(f"/v1/projects/{project['id']}")  # public read
    assert project["total_krw"] == 150_000_000
    assert project["smg_grant_krw"] == 120_000_000 and project["has_smg_grant"] is True
    assert project["public_led"] is False  # a civic group partner
    assert [p["name"] for p in project["partners"]] == ["성수마을넷", "성동구 자원봉사센터"]
    assert fetched.status_code == 200 and fetched.json() == project
    assert fetched.headers["etag"] == 'W/"1"'


async def test_writes_are_borough_scoped(reg: Any, url: str) -> None:
    async with reg.api(url) as client:
        foreign = await client.post("/v1/projects", json=reg.project_body(), headers=reg.OTHER_OFFICER)
        resident = await client.post("/v1/projects", json=reg.project_body(), headers=reg.RESIDENT)
        city_by_officer = await client.post(
            "/v1/projects", json=reg.project_body(sgg_code=None), headers=reg.OFFICER
        )
        city_by_admin = await client.post(
            "/v1/projects", json=reg.project_body(sgg_code=None), headers=reg.ADMIN
        )
        own = await client.post("/v1/projects", json=reg.project_body(), headers=reg.OFFICER)
        project_id = own.json()["id"]
        patch = await client.patch(
            f"/v1/projects/{project_id}",
            json={"status": "active"},
            headers={**reg.OTHER_OFFICER, "If-Match": 'W/"1"'},
        )
        delete = await client.delete(
            f"/v1/projects/{project_id}", headers={**reg.OTHER_OFFICER, "If-Match": 'W/"1"'}
        )
        assess = await client.post(
            f"/v1/projects/{project_id}/assessments",
            json={"iap2_level": 1, "arnstein_rung": 4, "scores": _scores()},
            headers=reg.OTHER_OFFICER,
        )
        unchanged = await client.get(f"/v1/projects/{project_id}")
        listed = (await client.get("/v1/projects", params={"sgg_code": "11620"})).json()["items"]
    for refused in (foreign, resident, city_by_officer, patch, delete, assess):
        assert refused.status_code == 403, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
    assert city_by_admin.status_code == 201 and city_by_admin.json()["city_wide"] is True
    assert city_by_admin.json()["code"].startswith("CG-SMG-")
    assert unchanged.json()["version"] == 1 and unchanged.json()["status"] == "planned"
    assert listed == []  # nothing was written for the other borough


def _scores(**overrides: int) -> dict[str, int]:
    scores = {
        "decision_power": 1,
        "starting_conditions": 2,
        "institutional_design": 2,
        "facilitative_leadership": 1,
        "process": 2,
        "feedback": 0,
    }
    scores.update(overrides)
    return scores


async def test_update_with_etag_history_and_audit(reg: Any, url: str) -> None:
    async with reg.api(url) as client:
        created = (await client.post("/v1/projects", json=reg.project_body(), headers=reg.OFFICER)).json()
        path = f"/v1/projects/{created['id']}"
        change = {
            "status": "active",
            "title_ko": "성수동 청년 마을활동가 양성 사업 (확대)",
            "funding_lines": [{"source": "smg_grant", "fiscal_year": 2025, "amount_krw": 200_000_000}],
        }
        missing = await client.patch(path, json=change, headers=reg.OFFICER)
        stale = await client.patch(path, json=change, headers={**reg.OFFICER, "If-Match": 'W/"7"'})
        updated = await client.patch(path, json=change, headers={**reg.OFFICER, "If-Match": 'W/"1"'})
        replay_stale = await client.patch(
            path, json={"status": "completed"}, headers={**reg.OFFICER, "If-Match": 'W/"1"'}
        )
        nulled = await client.patch(
            path, json={"title_ko": None}, headers={**reg.OFFICER, "If-Match": 'W/"2"'}
        )
        bad_period = await client.patch(
            path, json={"end_date": "2020-01-01"}, headers={**reg.OFFICER, "If-Match": 'W/"2"'}
        )
        history_anonymous = await client.get(f"{path}/history")
        history = await client.get(f"{path}/history", headers=reg.RESIDENT)
        audit = await client.get("/v1/audit", params={"entity_id": created["id"]}, headers=reg.ADMIN)
        audit_forbidden = await client.get("/v1/audit", headers=reg.OFFICER)
        events = await reg.outbox_rows(client.app, "project.updated")
    assert missing.status_code == 428
    assert stale.status_code == 412 and stale.json()["current_etag"] == 'W/"1"'
    assert updated.status_code == 200, updated.text
    assert updated.headers["etag"] == 'W/"2"'
    body = updated.json()
    assert body["version"] == 2 and body["status"] == "active"
    assert body["total_krw"] == 200_000_000 and body["smg_grant_krw"] == 200_000_000
    assert replay_stale.status_code == 412
    for bad in (nulled, bad_period):
        assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    assert history_anonymous.status_code == 401
    entries = history.json()["items"]
    assert [(e["version"], e["action"], e["actor"]) for e in entries] == [
        (1, "registered", "officer-seongdong"),
        (2, "updated", "officer-seongdong"),
    ]
    assert set(entries[1]["changes"]) == {"status", "title_ko", "funding_lines", "total_krw"}
    assert entries[1]["changes"]["status"] == {"before": "planned", "after": "active"}
    actions = [(a["action"], a["actor"]) for a in audit.json()["items"]]
    assert actions == [("project.update", "officer-seongdong"), ("project.register", "officer-seongdong")]
    assert audit.json()["items"][0]["before"]["status"] == "planned"
    assert audit.json()["items"][0]["after"]["status"] == "active"
    assert audit_forbidden.status_code == 403
    update_event = next(e for e in events if e["data"]["project_id"] == created["id"])
    assert set(update_event["data"]["changed_fields"]) == {"status", "title_ko", "funding_lines", "total_krw"}
    assert update_event["data"]["version"] == 2


async def test_assessment_flags_tokenism_and_public_led(reg: Any, url: str) -> None:
    body = reg.project_body(
        origin="department", partners=[{"name": "성동구 복지재단", "kind": "public_institution"}]
    )
    async with reg.api(url) as client:
        created = (await client.post("/v1/projects", json=body, headers=reg.OFFICER)).json()
        path = f"/v1/projects/{created['id']}"
        assessed = await client.post(
            f"{path}/assessments",
            json={"iap2_level": 1, "arnstein_rung": 4, "scores": _scores(), "note": "설명회만 개최"},
            headers=reg.SECRETARY,
        )
        invalid = await client.post(
            f"{path}/assessments",
            json={"iap2_level": 1, "arnstein_rung": 9, "scores": _scores(feedback=7)},
            headers=reg.OFFICER,
        )
        better = await client.post(
            f"{path}/assessments",
            json={"iap2_level": 3, "arnstein_rung": 6, "scores": _scores(feedback=3)},
            headers=reg.OFFICER,
        )
        listed = await client.get(f"{path}/assessments")
        project = (await client.get(path)).json()
        events = await reg.outbox_rows(client.app, "project.assessed")
    assert assessed.status_code == 201, assessed.text
    first = assessed.json()
    assert first["tokenism_risk"] is True and first["public_led"] is True
    assert first["scores"]["participation_depth"] == 1 and first["arnstein_band"] == "tokenism"
    assert first["assessed_by"] == "secretary-seongdong" and first["iap2_name"] == "consult"
    assert assessed.headers["etag"] == 'W/"2"'
    assert invalid.status_code == 422
    assert {e["field"].split(".")[-1] for e in invalid.json()["errors"]} >= {"arnstein_rung", "feedback"}
    assert better.status_code == 201 and better.json()["tokenism_risk"] is False
    assert [a["iap2_level"] for a in listed.json()] == [3, 1]
    assert project["assessment"]["iap2_level"] == 3 and project["assessment"]["tokenism_risk"] is False
    assert project["public_led"] is True and project["version"] == 3
    mine = [e["data"] for e in events if e["data"]["project_id"] == created["id"]]
    assert [(e["tokenism_risk"], e["public_led"]) for e in mine] == [(True, True), (False, True)]


async def test_delete_needs_if_match_and_keeps_history(reg: Any, url: str) -> None:
    async with reg.api(url) as client:
        created = (await client.post("/v1/projects", json=reg.project_body(), headers=reg.OFFICER)).json()
        path = f"/v1/projects/{created['id']}"
        missing = await client.delete(path, headers=reg.OFFICER)
        deleted = await client.delete(path, headers={**reg.OFFICER, "If-Match": 'W/"1"'})
        gone = await client.get(path)
        history = (await client.get(f"{path}/history", headers=reg.OFFICER)).json()["items"]
        events = await reg.outbox_rows(client.app, "project.deleted")
    assert missing.status_code == 428
    assert deleted.status_code == 204
    assert gone.status_code == 404 and gone.headers["content-type"].startswith("application/problem+json")
    assert [e["action"] for e in history] == ["registered", "deleted"]
    assert any(e["data"]["project_id"] == created["id"] for e in events)


@pytest.mark.parametrize(
    "body",
    [
        {"title_en": "no Korean title", "sgg_code": "11200"},
        {"title_ko": "x", "sgg_code": "99999"},
        {"title_ko": "x", "sgg_code": "11200", "total_krw": -1},
        {
            "title_ko": "x",
            "sgg_code": "11200",
            "funding_lines": [{"source": "lottery", "fiscal_year": 2025, "amount_krw": 1}],
        },
        {
            "title_ko": "x",
            "sgg_code": "11200",
            "funding_lines": [{"source": "borough", "fiscal_year": 2025, "amount_krw": -5}],
        },
        {"title_ko": "x", "sgg_code": "11200", "start_date": "2025-05-01", "end_date": "2025-01-01"},
        {"title_ko": "x", "sgg_code": "11200", "policy_field": "astrology"},
        {"title_ko": "x", "sgg_code": "11200", "unexpected": 1},
        {"title_ko": "   ", "sgg_code": "11200"},
        {"title_ko": "x" * 301, "sgg_code": "11200"},
    ],
)
async def test_bad_input_is_problem_json_never_500(reg: Any, url: str, body: dict[str, Any]) -> None:
    async with reg.api(url) as client:
        response = await client.post("/v1/projects", json=body, headers=reg.ADMIN)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"]


async def test_codes_plan_items_and_nfc(reg: Any, url: str) -> None:
    import unicodedata

    decomposed = unicodedata.normalize("NFD", "행당동 마을 도서관")
    async with reg.api(url) as client:
        explicit = await client.post(
            "/v1/projects",
            json=reg.project_body(code="CG-11200-X0001", plan_item_id="item-nfc", title_ko=decomposed),
            headers=reg.OFFICER,
        )
        same_code = await client.post(
            "/v1/projects", json=reg.project_body(code="CG-11200-X0001"), headers=reg.OFFICER
        )
        same_item = await client.post(
            "/v1/projects", json=reg.project_body(plan_item_id="item-nfc"), headers=reg.OFFICER
        )
        missing = await client.get("/v1/projects/00000000-0000-0000-0000-000000000000")
        found = (await client.get("/v1/projects", params={"q": "도서관"})).json()["items"]
    assert explicit.status_code == 201
    assert explicit.json()["title_ko"] == unicodedata.normalize("NFC", decomposed)
    assert same_code.status_code == same_item.status_code == 409
    assert missing.status_code == 404
    assert [p["code"] for p in found] == ["CG-11200-X0001"]
