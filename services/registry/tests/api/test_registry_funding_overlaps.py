"""Overlaps across funding streams: city-wide (SMG-run) projects against borough projects, SMG grant /
borough / national money, the per-borough and city-wide reports and the borough table's figures."""

from __future__ import annotations

from typing import Any

from cg_registry.duplicates.service import scan_database
from cg_registry.projects.dupcheck import check_all_pending

PARTNER = {"name": "서울마을지원센터", "kind": "civic_group", "role": "operator"}


def _lines(**by_source: int) -> list[dict[str, Any]]:
    return [{"source": s, "fiscal_year": 2025, "amount_krw": a} for s, a in by_source.items()]


def _body(reg: Any, title: str, sgg_code: str | None, **money: int) -> dict[str, Any]:
    return dict(
        reg.project_body(
            title_ko=title,
            title_en="",
            sgg_code=sgg_code,
            policy_field="care",
            target_groups=["어르신"],
            partners=[PARTNER],
            start_date="2025-01-01",
            end_date="2025-12-31",
            funding_lines=_lines(**money),
        )
    )


async def test_city_wide_copy_and_stream_mixes_are_reported_per_borough_and_city(
    reg: Any, fresh_db: Any, db_backend: str
) -> None:
    url = await fresh_db(db_backend)
    async with reg.api(url) as client:
        made = await _step_projects(client, reg)
        await _step_candidates(client, made)
        seongdong = await _step_seongdong_report(client, reg, made)
        await _step_gwanak_city_and_table(client, reg, made, seongdong)
        await _step_bad_input(client)

    # The full scan compares city-wide programmes with borough projects too, and finds the same pairs.
    summary = await scan_database(url, emit=False)
    assert summary.suspected_pairs == 3 and summary.new_pairs == 0


async def _post(client: Any, body: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
    response = await client.post("/v1/projects", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def _step_projects(client: Any, reg: Any) -> dict[str, dict[str, Any]]:
    # An SMG-run city-wide programme, and a Seongdong project for the same purpose on borough money.
    city = await _post(
        client,
        _body(
            reg,
            "서울시 어르신 공유부엌 식사 나눔 지원사업",
            None,
            smg_grant=500_000_000,
            national=100_000_000,
        ),
        reg.ADMIN,
    )
    copy = await _post(
        client, _body(reg, "성동구 어르신 공유부엌 식사나눔 사업", reg.SGG, borough=80_000_000), reg.OFFICER
    )
    # Two Seongdong projects paid by the same streams: an overlap, not double funding.
    same_a = await _post(
        client,
        _body(reg, "성수동 청년 마을활동가 양성 지원사업", reg.SGG, smg_grant=60_000_000, borough=20_000_000),
        reg.OFFICER,
    )
    same_b = await _post(
        client,
        _body(reg, "성수동 청년마을활동가 양성 사업", reg.SGG, smg_grant=50_000_000, borough=10_000_000),
        reg.OFFICER,
    )
    # Gwanak: the same purpose on an SMG grant and again on national money.
    grant = await _post(
        client,
        _body(reg, "신림동 아동 돌봄 키움센터 운영", reg.OTHER_SGG, smg_grant=70_000_000),
        reg.OTHER_OFFICER,
    )
    national = await _post(
        client,
        _body(reg, "신림동 아동돌봄 키움센터 운영 지원", reg.OTHER_SGG, national=30_000_000),
        reg.OTHER_OFFICER,
    )
    return {
        "city": city,
        "copy": copy,
        "same_a": same_a,
        "same_b": same_b,
        "grant": grant,
        "national": national,
    }


async def _step_candidates(client: Any, made: dict[str, dict[str, Any]]) -> None:
    city, copy, same_a, same_b = made["city"], made["copy"], made["same_a"], made["same_b"]
    # The city-wide project now has candidates in the boroughs, and the copy sees the city project.
    from_city = (await client.get(f"/v1/projects/{city['id']}/duplicates")).json()
    from_copy = (await client.get(f"/v1/projects/{copy['id']}/duplicates")).json()
    assert [c["project_id"] for c in from_city["candidates"]] == [copy["id"]]
    assert [c["project_id"] for c in from_copy["candidates"]] == [city["id"]]
    assert from_city["funding_streams"] == ["national", "smg_city"]
    candidate = from_copy["candidates"][0]
    assert candidate["suspected"] and candidate["double_funded"]
    assert candidate["funding_streams"] == ["national", "smg_city"]
    assert "city_wide_covers_borough" in {r["kind"] for r in candidate["reasons"]}
    from_same = (await client.get(f"/v1/projects/{same_a['id']}/duplicates")).json()
    assert [c["project_id"] for c in from_same["candidates"]] == [same_b["id"]]
    assert from_same["candidates"][0]["double_funded"] is False


async def _step_seongdong_report(client: Any, reg: Any, made: dict[str, dict[str, Any]]) -> dict[str, Any]:
    city, copy = made["city"], made["copy"]
    # The reports read the recorded pairs: the registrations' checks run after them (queued).
    assert await check_all_pending(client.app.state.sessions) == 6
    seongdong = (await client.get(f"/v1/boroughs/{reg.SGG}/funding-overlaps")).json()
    assert seongdong["project_count"] == 3 and seongdong["pair_count"] == 2
    assert seongdong["city_level_pair_count"] == 1 and seongdong["double_funded_pair_count"] == 1
    assert seongdong["overlap"]["project_count"] == 3
    assert seongdong["overlap"]["total_krw"] == 80_000_000 + 80_000_000 + 60_000_000
    assert seongdong["overlap"]["funding"] == {
        "smg_grant_krw": 110_000_000,
        "borough_krw": 110_000_000,
        "national_krw": 0,
        "private_krw": 0,
    }
    assert seongdong["double_funded_krw"] == 80_000_000  # the borough's side of the pair only
    assert seongdong["city_wide_overlap"]["total_krw"] == 600_000_000
    assert seongdong["cluster_count"] == 2
    first = seongdong["pairs"][0]
    assert first["double_funded"] and first["level"] == "city_and_borough"
    assert first["a"]["project_id"] == city["id"] and first["b"]["project_id"] == copy["id"]
    assert first["streams"] == ["borough", "national", "smg_city"]
    assert seongdong["pairs"][1]["double_funded"] is False
    return dict(seongdong)


async def _step_gwanak_city_and_table(
    client: Any, reg: Any, made: dict[str, dict[str, Any]], seongdong: dict[str, Any]
) -> None:
    grant, national = made["grant"], made["national"]
    gwanak = (await client.get(f"/v1/boroughs/{reg.OTHER_SGG}/funding-overlaps")).json()
    assert gwanak["double_funded_pair_count"] == 1 and gwanak["city_level_pair_count"] == 0
    assert gwanak["double_funded_krw"] == 100_000_000
    assert {gwanak["pairs"][0]["a"]["project_id"], gwanak["pairs"][0]["b"]["project_id"]} == {
        grant["id"],
        national["id"],
    }

    whole = (await client.get("/v1/funding-overlaps")).json()
    assert whole["project_count"] == 6 and whole["pair_count"] == 3
    assert whole["double_funded_pair_count"] == 2 and whole["city_level_pair_count"] == 1
    assert whole["overlap"]["project_count"] == 6
    assert whole["city_wide_overlap"]["project_count"] == 1
    assert whole["double_funded_krw"] == 600_000_000 + 80_000_000 + 100_000_000
    assert [p["pair_krw"] for p in whole["pairs"]] == [680_000_000, 100_000_000]
    rows = {r["sgg_code"]: r for r in whole["boroughs"]}
    assert len(rows) == 25 and rows[reg.SGG]["overlap"] == seongdong["overlap"]
    limited = (await client.get("/v1/funding-overlaps", params={"limit": 1})).json()
    assert len(limited["pairs"]) == 1

    table = {r["sgg_code"]: r for r in (await client.get("/v1/boroughs")).json()["rows"]}
    assert table[reg.SGG]["double_funded_pair_count"] == 1
    assert table[reg.SGG]["city_level_pair_count"] == 1
    assert table[reg.SGG]["overlap_krw"] == seongdong["overlap"]["total_krw"]
    assert table[reg.OTHER_SGG]["double_funded_krw"] == 100_000_000
    _agree(table, whole)


async def _step_bad_input(client: Any) -> None:
    bad = await client.get("/v1/boroughs/99999/funding-overlaps", headers={"Accept-Language": "ko"})
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    low = await client.get("/v1/funding-overlaps", params={"min_score": 0.1})
    assert low.status_code == 422 and "min_score" in low.text


def _agree(table: dict[str, dict[str, Any]], whole: dict[str, Any]) -> None:
    """GET /v1/boroughs (grouped in SQL) and the report (counted in Python) give the same figures."""
    for row in whole["boroughs"]:
        mine = table[row["sgg_code"]]
        assert (
            mine["city_level_pair_count"],
            mine["double_funded_pair_count"],
            mine["double_funded_krw"],
        ) == (
            row["city_level_pair_count"],
            row["double_funded_pair_count"],
            row["double_funded_krw"],
        ), row["sgg_code"]
        assert (mine["overlap_project_count"], mine["overlap_krw"]) == (
            row["overlap"]["project_count"],
            row["overlap"]["total_krw"],
        ), row["sgg_code"]


async def test_borough_table_and_report_agree_on_the_scanned_seed(reg: Any, fresh_db: Any) -> None:
    from cg_registry.seed.loader import seed_database

    url = await fresh_db("postgresql")
    await seed_database(url, emit_events=False)
    summary = await scan_database(url, emit=False)
    assert summary.suspected_pairs >= 40
    async with reg.api(url) as client:
        whole = (await client.get("/v1/funding-overlaps")).json()
        table = {r["sgg_code"]: r for r in (await client.get("/v1/boroughs")).json()["rows"]}
    assert whole["pair_count"] == summary.suspected_pairs and whole["city_level_pair_count"] >= 1
    assert 0 < whole["double_funded_pair_count"] < whole["pair_count"]
    _agree(table, whole)
