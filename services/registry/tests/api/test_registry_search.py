"""Free-text search (Hangul substrings, English words), filters and cursor pagination on both databases."""

from __future__ import annotations

from typing import Any


async def _all_pages(client: Any, params: dict[str, Any]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        response = await client.get(
            "/v1/projects", params={**params, **({"cursor": cursor} if cursor else {})}
        )
        assert response.status_code == 200, response.text
        page = response.json()
        items.extend(page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            return items


async def test_two_syllable_hangul_substring_finds_the_project(reg: Any, client: Any) -> None:
    target = await client.post(
        "/v1/projects",
        json=reg.project_body(
            title_ko="옥수동 공유부엌 식사 나눔 사업", title_en="Oksu-dong shared kitchen", partners=[]
        ),
        headers=reg.OFFICER,
    )
    other = await client.post(
        "/v1/projects",
        json=reg.project_body(
            title_ko="금호동 골목길 재생 사업", title_en="Geumho alley regeneration", partners=[]
        ),
        headers=reg.OFFICER,
    )
    assert target.status_code == other.status_code == 201
    for q in ("부엌", "공유부", "식사 나눔", "KITCHEN", "shared", "Oksu"):
        found = (await client.get("/v1/projects", params={"q": q})).json()["items"]
        assert [p["id"] for p in found] == [target.json()["id"]], q
    nothing = (await client.get("/v1/projects", params={"q": "재생 부엌"})).json()["items"]
    assert nothing == []
    # LIKE wildcards and FTS syntax in q are plain text, never operators or SQL.
    for q in ("%", "_", '" OR 1=1 --', "부엌*", "NEAR(a b)", "'; DROP TABLE projects; --"):
        response = await client.get("/v1/projects", params={"q": q})
        assert response.status_code == 200, (q, response.text)
        assert response.json()["items"] == [], q


async def test_search_filters_and_pagination_on_the_seed(reg: Any, seeded_db: Any, db_backend: str) -> None:
    url = await seeded_db(db_backend)
    async with reg.api(url) as client:
        maeul = await _all_pages(client, {"q": "마을", "limit": 100})
        assert 50 < len(maeul) < 1126
        assert all(
            "마을" in (p["title_ko"] + p["lead_department"] + " ".join(x["name"] for x in p["partners"]))
            for p in maeul
        )
        codes = [p["code"] for p in maeul]
        assert codes == sorted(codes) and len(set(codes)) == len(codes)
        youth = await _all_pages(client, {"q": "youth", "limit": 200})
        assert youth and all("youth" in p["title_en"].lower() for p in youth)

        seongdong = await _all_pages(client, {"sgg_code": "11200", "limit": 7})
        assert seongdong and {p["sgg_code"] for p in seongdong} == {"11200"}
        city = await _all_pages(client, {"city_wide": "true", "limit": 500})
        assert city and all(p["sgg_code"] is None for p in city)
        private = await _all_pages(client, {"source": "private", "limit": 500})
        assert private and all(any(f["source"] == "private" for f in p["funding_lines"]) for p in private)
        grants = await _all_pages(client, {"source": "smg_grant", "limit": 500})
        assert len(grants) == 920
        period = await _all_pages(
            client, {"active_from": "2021-01-01", "active_to": "2021-12-31", "limit": 500}
        )
        assert period and all(
            p["start_date"] <= "2021-12-31" and p["end_date"] >= "2021-01-01" for p in period
        )
        combined = await _all_pages(
            client, {"origin": "resident", "status": "completed", "policy_field": "care", "limit": 500}
        )
        assert all(
            (p["origin"], p["status"], p["policy_field"]) == ("resident", "completed", "care")
            for p in combined
        )

        bad_cursor = await client.get("/v1/projects", params={"cursor": "not-a-cursor!"})
        bad_period = await client.get(
            "/v1/projects", params={"active_from": "2022-01-01", "active_to": "2021-01-01"}
        )
        too_long = await client.get("/v1/projects", params={"q": "가" * 101})
        for bad in (bad_cursor, bad_period, too_long):
            assert bad.status_code == 422, bad.text
            assert bad.headers["content-type"].startswith("application/problem+json")
