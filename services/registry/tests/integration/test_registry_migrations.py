"""Migration 0002 builds exactly the tables the models describe (plus the search index that lives
outside the models), and steps back down, on both databases."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from cg_registry.models import Base
from cg_shared.db import create_engine
from cg_shared.migrations import alembic_config
from cg_shared.testing.helpers import migrate, service_dir

SEARCH_OBJECTS = (
    "projects_fts",
    "ix_projects_search_text_trgm",
    "ix_projects_search_bigrams",
    "ix_projects_dup_key_trgm",
    "item_json",  # PostgreSQL's stored list items (migration 0010_registry_item_json), kept by triggers
)


async def _model_diff(url: str) -> list[Any]:
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as conn:

            def diff(sync_conn: Any) -> list[Any]:
                context = MigrationContext.configure(sync_conn, opts={"compare_type": True})
                return list(compare_metadata(context, Base.metadata))

            changes = await conn.run_sync(diff)
    finally:
        await engine.dispose()
    own = {t.name for t in Base.metadata.sorted_tables}

    def concerns_us(change: Any) -> bool:
        item = change[0] if isinstance(change, list) else change
        names = {getattr(p, "name", None) for p in item[1:]} | {p for p in item[1:] if isinstance(p, str)}
        names |= {getattr(getattr(p, "table", None), "name", None) for p in item[1:]}
        if any(str(n).startswith(SEARCH_OBJECTS) for n in names if n):
            return False  # the search index is managed by the migration alone, on purpose
        return bool(names & own)

    return [c for c in changes if concerns_us(c)]


async def _search_objects(url: str) -> set[str]:
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                rows = await conn.execute(
                    text("SELECT name FROM sqlite_master WHERE name LIKE 'projects_fts%'")
                )
            else:
                rows = await conn.execute(
                    text("SELECT indexname FROM pg_indexes WHERE tablename = 'projects'")
                )
            return {r[0] for r in rows}
    finally:
        await engine.dispose()


async def test_migrations_match_models_and_downgrade(database_factory: Any, db_backend: str) -> None:
    url = await database_factory(db_backend)
    await migrate("registry", url)
    assert await _model_diff(url) == []
    expected = "projects_fts" if db_backend == "sqlite" else "ix_projects_search_text_trgm"
    assert expected in await _search_objects(url)
    config = alembic_config(service_dir("registry"), url)
    await asyncio.to_thread(command.downgrade, config, "0001")
    assert expected not in await _search_objects(url)
    await asyncio.to_thread(command.upgrade, config, "head")
    assert await _model_diff(url) == []
