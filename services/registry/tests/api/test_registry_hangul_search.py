"""Hangul search through the API: initials, spacing and synonyms on both databases, and the migration
that re-keys existing rows."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import command
from sqlalchemy import text

from cg_shared.migrations import alembic_config, upgrade_async
from cg_shared.testing.helpers import service_dir

TITLES = {
    "kitchen": "행당동 주민 공유 부엌 운영",
    "elders": "금호동 어르신 안부 확인",
    "alley": "옥수동 골목길 재생",
}


async def _create_all(reg: Any, client: Any) -> dict[str, str]:
    ids = {}
    for key, title in TITLES.items():
        created = await client.post(
            "/v1/projects",
            json=reg.project_body(title_ko=title, title_en=key, partners=[]),
            headers=reg.OFFICER,
        )
        assert created.status_code == 201, created.text
        ids[key] = created.json()["id"]
    return ids


async def _found(client: Any, q: str) -> set[str]:
    response = await client.get("/v1/projects", params={"q": q})
    assert response.status_code == 200, response.text
    return {p["id"] for p in response.json()["items"]}


async def test_initials_spacing_and_synonyms_find_the_project(reg: Any, client: Any) -> None:
    ids = await _create_all(reg, client)
    expectations = {
        "주민공유부엌": {"kitchen"},  # spacing
        "공유부엌": {"kitchen"},
        "행당동주민": {"kitchen"},
        "ㄱㅇ": {"kitchen"},  # initials of 공유
        "ㅇㄹㅅ": {"elders"},
        "ㄱㅁㄱ": {"alley"},
        "노인": {"elders"},  # synonym of 어르신
        "시니어 안부": {"elders"},
        "노인 부엌": set(),  # every word must match
        "ㅇㄹㅅ 재생": set(),
        "골목길재생": {"alley"},
    }
    for q, keys in expectations.items():
        assert await _found(client, q) == {ids[k] for k in keys}, q


async def test_migration_rekeys_the_search_text_of_existing_projects(
    reg: Any, database_factory: Any, db_backend: str
) -> None:
    url = await database_factory(db_backend)
    await upgrade_async(service_dir("registry"), url)
    async with reg.api(url) as client:  # today's code writes the rows (it needs today's columns)
        ids = await _create_all(reg, client)
        engine = client.app.state.engine  # type: ignore[attr-defined]
        async with engine.begin() as conn:  # what rows written before this change hold
            await conn.execute(text("UPDATE projects SET search_text = lower(title_ko)"))
        assert await _found(client, "주민공유부엌") == set()
    # Back to the revision before the re-keying and up again: 0007 re-keys the rows it finds.
    config = alembic_config(service_dir("registry"), url)
    await asyncio.to_thread(command.downgrade, config, "0006")
    await upgrade_async(service_dir("registry"), url)
    async with reg.api(url) as client:
        assert await _found(client, "주민공유부엌") == {ids["kitchen"]}
        assert await _found(client, "ㅇㄹㅅ") == {ids["elders"]}
