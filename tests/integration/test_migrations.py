"""Every service's migrations run on PostgreSQL and SQLite, down and up again, and leave a schema
that matches the SQLAlchemy models (so hand-written migrations and models cannot drift apart)."""

from __future__ import annotations

import asyncio
import importlib

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.exc import DBAPIError

from cg_shared.db import create_engine
from cg_shared.messaging.tables import AuditEntry, platform_metadata
from cg_shared.migrations import alembic_config
from cg_shared.testing.helpers import service_dir

SERVICES = ["registry", "committee", "planning", "budget"]


def _ignorable(diff: object) -> bool:
    # Index/extension details that models cannot express identically on both backends
    # (trigram/FTS indexes, partial indexes) are created by migrations on purpose; so is the registry's
    # PostgreSQL-only item_json column, which triggers keep (migration 0010_registry_item_json).
    text = repr(diff)
    return any(word in text for word in ("trgm", "fts", "_search", "ix_outbox_unpublished", "'item_json'"))


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_has_one_migration_head(service: str) -> None:
    """Two branches that each add "the next" revision leave two heads, and `alembic upgrade head` then
    refuses to run: say so here, by name, rather than through every test that migrates a database."""
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(alembic_config(service_dir(service))).get_heads()
    assert len(heads) == 1, f"{service} has {len(heads)} migration heads {heads}: chain the newer revision"


@pytest.mark.parametrize("service", SERVICES)
async def test_migrations_roundtrip_and_match_models(service, db_backend, database_factory) -> None:
    url = await database_factory(db_backend)
    config = alembic_config(service_dir(service), url)
    await asyncio.to_thread(command.upgrade, config, "head")
    await asyncio.to_thread(command.downgrade, config, "base")
    await asyncio.to_thread(command.upgrade, config, "head")

    models = importlib.import_module(f"cg_{service}.models")
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:

            def diff(sync_conn):
                ctx = MigrationContext.configure(sync_conn, opts={"compare_type": False})
                return compare_metadata(ctx, [models.Base.metadata, platform_metadata])

            differences = [d for d in await conn.run_sync(diff) if not _ignorable(d)]
    finally:
        await engine.dispose()
    assert differences == [], f"{service}: migrations and models differ: {differences}"


@pytest.mark.parametrize("service", SERVICES)
async def test_audit_log_is_append_only_in_the_database(service, db_backend, database_factory) -> None:
    """Not only the service layer: any UPDATE, DELETE or TRUNCATE of audit_log fails and changes nothing."""
    url = await database_factory(db_backend)
    await asyncio.to_thread(command.upgrade, alembic_config(service_dir(service), url), "head")
    entry = {
        "actor": "dev-smg_admin",
        "action": "thing.create",
        "entity_type": "thing",
        "after": {"이름": "마을"},
    }
    attempts = [
        update(AuditEntry).values(actor="someone-else"),
        update(AuditEntry).values(after=None).where(AuditEntry.action == "thing.create"),
        delete(AuditEntry),
    ]
    if db_backend == "postgresql":
        attempts.append(text("TRUNCATE audit_log"))
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(insert(AuditEntry).values(**entry))
        for statement in attempts:
            with pytest.raises(DBAPIError, match="append-only"):
                async with engine.begin() as conn:
                    await conn.execute(statement)
        async with engine.connect() as conn:
            rows = (await conn.execute(select(AuditEntry.actor, AuditEntry.after))).all()
    finally:
        await engine.dispose()
    assert [(r.actor, r.after) for r in rows] == [("dev-smg_admin", {"이름": "마을"})]
