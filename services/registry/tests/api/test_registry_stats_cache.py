"""The statistics summary is cached per registry version: every kind of write shows up at once."""

from __future__ import annotations

from typing import Any


async def test_stats_follow_every_write_and_answer_304_while_unchanged(reg: Any, client: Any) -> None:
    first = await client.get("/v1/stats/summary")
    assert first.status_code == 200, first.text
    assert first.json()["project_count"] == 0
    etag = first.headers["ETag"]
    unchanged = await client.get("/v1/stats/summary", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304
    assert unchanged.headers["ETag"] == etag

    created = await client.post("/v1/projects", json=reg.project_body(), headers=reg.OFFICER)
    assert created.status_code == 201, created.text
    after_post = await client.get("/v1/stats/summary")
    assert after_post.json()["project_count"] == 1
    assert after_post.json()["total_krw"] == 150_000_000
    assert after_post.headers["ETag"] != etag
    stale = await client.get("/v1/stats/summary", headers={"If-None-Match": etag})
    assert stale.status_code == 200
    by_year = await client.get("/v1/stats/summary", params={"fiscal_year": 2025})
    assert by_year.json()["total_krw"] == 150_000_000

    # A PATCH replacing the funding lines (ORM flush of lines only changes money)
    project = created.json()
    patched = await client.patch(
        f"/v1/projects/{project['id']}",
        json={"funding_lines": [{"source": "national", "fiscal_year": 2025, "amount_krw": 7_000_000}]},
        headers={**reg.OFFICER, "If-Match": created.headers["ETag"]},
    )
    assert patched.status_code == 200, patched.text
    stats = (await client.get("/v1/stats/summary")).json()
    assert stats["total_krw"] == 7_000_000
    assert stats["smg_grant_project_count"] == 0
    by_year = (await client.get("/v1/stats/summary", params={"fiscal_year": 2025})).json()
    assert by_year["total_krw"] == 7_000_000

    deleted = await client.delete(
        f"/v1/projects/{project['id']}", headers={**reg.OFFICER, "If-Match": patched.headers["ETag"]}
    )
    assert deleted.status_code == 204, deleted.text
    assert (await client.get("/v1/stats/summary")).json()["project_count"] == 0


async def test_stats_cached_before_a_seed_show_the_seed(reg: Any, fresh_db: Any) -> None:
    # The seed loads with COPY on PostgreSQL (outside the session's write tracking): it marks the change.
    from cg_registry.seed.loader import seed_database

    url = await fresh_db("postgresql")
    async with reg.api(url) as client:
        assert (await client.get("/v1/stats/summary")).json()["project_count"] == 0
        await seed_database(url, emit_events=False)
        assert (await client.get("/v1/stats/summary")).json()["project_count"] == 1126
