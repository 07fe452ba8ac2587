"""The hand-written migrations build exactly the tables the models describe, and step back down, on both
databases."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from cg_planning.models import Base
from cg_shared.db import create_engine
from cg_shared.migrations import alembic_config
from cg_shared.testing.helpers import migrate, service_dir


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
        # Platform tables (outbox, inbox, audit …) belong to cg_shared's metadata, not ours.
        item = change[0] if isinstance(change, list) else change
        for part in item[1:]:
            if isinstance(part, str) and part in own:
                return True
            if (
                getattr(part, "name", None) in own
                or getattr(getattr(part, "table", None), "name", None) in own
            ):
                return True
        return False

    return [c for c in changes if concerns_us(c)]


async def test_migrations_match_models_and_downgrade(database_factory: Any, db_backend: str) -> None:
    url = await database_factory(db_backend)
    await migrate("planning", url)
    assert await _model_diff(url) == []
    config = alembic_config(service_dir("planning"), url)
    await asyncio.to_thread(command.downgrade, config, "0002")
    await asyncio.to_thread(command.upgrade, config, "head")
    assert await _model_diff(url) == []
