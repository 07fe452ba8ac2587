"""The seed reproduces the published figures through GET /v1/stats/summary, on both databases."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text


async def test_stats_summary_shows_the_published_figures(reg: Any, seeded_db: Any, db_backend: str) -> None:
    url = await seeded_db(db_backend)
    async with reg.api(url) as client:
        response = await client.get("/v1/stats/summary")
    assert response.status_code == 200, response.text
    stats = response.json()
    assert stats["project_count"] == 1126
    assert stats["total_krw"] == 7_661_500_000_000
    assert stats["smg_grant_project_count"] == 920
    assert stats["smg_grant_project_krw"] == 6_060_700_000_000
    assert stats["smg_grant_project_share"] == 0.817
    # Grant amounts alone are reported separately and are smaller than the worth of funded projects.
    by_source = {b["source"]: b for b in stats["by_funding_source"]}
    assert by_source["smg_grant"]["project_count"] == 920
    assert (
        0
        < stats["smg_grant_amount_krw"]
        == by_source["smg_grant"]["amount_krw"]
        < stats["smg_grant_project_krw"]
    )
    assert stats["smg_grant_amount_share"] == round(stats["smg_grant_amount_krw"] / stats["total_krw"], 3)
    assert stats["smg_grant_project_krw_share"] == 0.791
    # The ambiguous name is gone: SMG money and the worth of SMG-grant projects are told apart by name.
    assert "smg_grant_krw" not in stats and all("smg_grant_krw" not in b for b in stats["by_borough"])
    assert sum(b["amount_krw"] for b in by_source.values()) == stats["total_krw"]
    for breakdown in ("by_borough", "by_policy_field", "by_origin", "by_iap2_level", "by_status"):
        buckets = stats[breakdown]
        assert sum(b["project_count"] for b in buckets) == 1126, breakdown
        assert sum(b["total_krw"] for b in buckets) == 7_661_500_000_000, breakdown
        assert sum(b["smg_grant_project_count"] for b in buckets) == 920, breakdown
    assert len(stats["by_borough"]) == 26  # 25 boroughs + city-wide
    assert {b["key"] for b in stats["by_origin"]} == {"resident", "civic_group", "department"}
    tokenism = stats["tokenism"]
    assert 0 < tokenism["tokenism_risk_count"] < tokenism["assessed_count"] < 1126
    assert 0 < tokenism["public_led_count"] < 1126


async def test_stats_filters_are_consistent(reg: Any, seeded_db: Any) -> None:
    url = await seeded_db("postgresql")
    async with reg.api(url) as client:
        everything = (await client.get("/v1/stats/summary")).json()
        seongdong = (await client.get("/v1/stats/summary", params={"sgg_code": "11200"})).json()
        fy2022 = (await client.get("/v1/stats/summary", params={"fiscal_year": 2022})).json()
        both = (
            await client.get("/v1/stats/summary", params={"fiscal_year": 2022, "sgg_code": "11200"})
        ).json()
        unknown = await client.get("/v1/stats/summary", params={"sgg_code": "99999"})
        malformed = await client.get("/v1/stats/summary", params={"fiscal_year": "soon"})
    bucket = next(b for b in everything["by_borough"] if b["key"] == "11200")
    assert seongdong["project_count"] == bucket["project_count"]
    assert seongdong["total_krw"] == bucket["total_krw"]
    assert seongdong["smg_grant_project_krw"] == bucket["smg_grant_project_krw"]
    # Within a fiscal year only that year's lines count: less money, fewer projects.
    assert 0 < fy2022["project_count"] < 1126
    assert 0 < fy2022["total_krw"] < everything["total_krw"]
    fy_source = {b["source"]: b["amount_krw"] for b in fy2022["by_funding_source"]}
    assert sum(fy_source.values()) == fy2022["total_krw"]
    fy_bucket = next(b for b in fy2022["by_borough"] if b["key"] == "11200")
    assert both["project_count"] == fy_bucket["project_count"]
    assert both["total_krw"] == fy_bucket["total_krw"]
    for bad in (unknown, malformed):
        assert bad.status_code == 422
        assert bad.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("fmt", ["csv", "json"])
async def test_exports_publish_the_seed(reg: Any, seeded_db: Any, fmt: str) -> None:
    url = await seeded_db("sqlite")
    async with reg.api(url) as client:
        response = await client.get(f"/v1/exports/projects.{fmt}")
    assert response.status_code == 200
    if fmt == "csv":
        assert response.content.startswith(b"\xef\xbb\xbf")  # Excel reads Hangul from a BOM'd UTF-8 CSV
        text = response.content.decode("utf-8-sig")
        lines = text.splitlines()
        assert lines[0].startswith("code,title_ko,title_en")
        assert len(lines) == 1127
        assert "created_by" not in lines[0] and "system:seed" not in text
        assert lines[0].endswith(",synthetic") and all(line.endswith(",true") for line in lines[1:])
    else:
        body = response.json()
        assert body["count"] == 1126 and len(body["items"]) == 1126
        assert sum(p["total_krw"] for p in body["items"]) == 7_661_500_000_000
        assert "created_by" not in body["items"][0]
        # The generated per-borough seed is marked synthetic; the city is not named as its publisher.
        assert body["synthetic_count"] == 1126 and all(p["synthetic"] is True for p in body["items"])
        assert (
            "synthetic" in body["synthetic_notice"] and "not an official SMG publication" in body["publisher"]
        )


async def test_seed_restores_every_index_and_constraint_it_set_aside(fresh_db: Any) -> None:
    # The PostgreSQL bulk load drops the tables' keys, indexes and foreign keys and rebuilds them after
    # the COPY: the schema after a seed must be the migrated one, and the keys must hold.
    import asyncpg
    from sqlalchemy.exc import IntegrityError

    from cg_registry.seed.loader import seed_database
    from cg_shared.db import create_engine, make_sessionmaker

    url = await fresh_db("postgresql")
    dsn = url.replace("postgresql+asyncpg://", "postgresql://", 1)

    async def schema() -> tuple[set[Any], set[Any]]:
        conn = await asyncpg.connect(dsn)
        try:
            indexes = {
                (r["tablename"], r["indexname"], r["indexdef"])
                for r in await conn.fetch("SELECT * FROM pg_indexes WHERE schemaname = current_schema()")
            }
            constraints = {
                (r["conname"], r["def"])
                for r in await conn.fetch(
                    "SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint "
                    "WHERE connamespace = current_schema()::regnamespace"
                )
            }
            return indexes, constraints
        finally:
            await conn.close()

    before = await schema()
    assert any(name == "ix_projects_search_text_trgm" for _, name, _ in before[0])
    result = await seed_database(url, emit_events=False)
    assert result.projects == 1126
    assert await schema() == before
    # The restored keys are enforced (a second row with a seeded code is refused).
    engine = create_engine(url, pool_size=1)
    try:
        async with make_sessionmaker(engine)() as session:
            with pytest.raises(IntegrityError):
                async with session.begin():
                    await session.execute(
                        text("INSERT INTO projects SELECT * FROM projects ORDER BY code LIMIT 1")
                    )
    finally:
        await engine.dispose()
