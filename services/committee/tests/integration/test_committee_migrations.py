"""The hand-written migrations create exactly the tables the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from cg_committee.models import Base
from cg_shared.db import create_engine
from cg_shared.testing.helpers import migrate


async def test_migrations_match_models(database_factory, db_backend) -> None:
    url = await database_factory(db_backend)
    await migrate("committee", url)
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as conn:

            def diff(sync_conn):  # type: ignore[no-untyped-def]
                context = MigrationContext.configure(sync_conn, opts={"compare_type": True})
                return compare_metadata(context, Base.metadata)

            changes = await conn.run_sync(diff)
    finally:
        await engine.dispose()
    own = {t.name for t in Base.metadata.sorted_tables}

    def concerns_us(change) -> bool:  # type: ignore[no-untyped-def]
        # Platform tables (outbox, inbox, audit …) are compared by their own metadata elsewhere.
        item = change[0] if isinstance(change, list) else change
        for part in item[1:]:
            if isinstance(part, str) and part in own:  # ("add_column", schema, "members", column)
                return True
            name = getattr(part, "name", None)
            table = getattr(part, "table", None)
            if name in own or getattr(table, "name", None) in own:
                return True
        return False

    assert [c for c in changes if concerns_us(c)] == []
