"""Alembic glue shared by every service: the async env runner and the platform-table migration.

Each service's ``migrations/env.py`` is two lines calling :func:`run_env`; its first revision calls
:func:`create_platform_tables`. The database URL comes from the service settings (``CG_DATABASE_URL``)
unless the Alembic config carries an explicit ``sqlalchemy.url`` (tests set it).
SQLite gets ``render_as_batch`` so ALTERs work there too.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from alembic import command, context, op
from alembic.config import Config
from sqlalchemy import MetaData, insert
from sqlalchemy.engine import Connection

from cg_shared.db import create_engine
from cg_shared.messaging.tables import OutboxAck, OutboxRelayLease, platform_metadata
from cg_shared.settings import ServiceSettings


def _do_run(connection: Connection, target_metadata: list[MetaData]) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_env(service_metadata: MetaData, settings_factory: Any) -> None:
    """Body of a service's ``env.py`` (online mode only: we always migrate a live database)."""
    config = context.config
    url = config.get_main_option("sqlalchemy.url") or settings_factory().database_url
    target = [service_metadata, platform_metadata]

    async def run() -> None:
        engine = create_engine(url, pool_size=1)
        try:
            async with engine.connect() as connection:
                await connection.run_sync(_do_run, target)
                await connection.commit()
        finally:
            await engine.dispose()

    conn = config.attributes.get("connection")
    if conn is not None:
        _do_run(conn, target)
    else:
        asyncio.run(run())


def create_platform_tables() -> None:
    bind = op.get_bind()
    platform_metadata.create_all(bind=bind)
    op.execute(insert(OutboxRelayLease).values(name="default"))


def drop_platform_tables() -> None:
    platform_metadata.drop_all(bind=op.get_bind())


# The audit trail is append-only in the database itself, not only by the service layer's habit: an UPDATE,
# DELETE (or TRUNCATE on PostgreSQL) of audit_log fails whoever sends it — a bug, a console session or a
# compromised service account. Archiving old rows is a deliberate operator act (drop the trigger first).
_PG_APPEND_ONLY = """
CREATE OR REPLACE FUNCTION cg_audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$
"""
_AUDIT_TRIGGERS = ("audit_log_no_update", "audit_log_no_delete", "audit_log_no_truncate")


def protect_audit_log() -> None:
    """Make ``audit_log`` append-only with triggers (PostgreSQL and SQLite)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_APPEND_ONLY)
        for name, when in zip(_AUDIT_TRIGGERS, ("UPDATE", "DELETE", "TRUNCATE"), strict=True):
            level = "STATEMENT" if when == "TRUNCATE" else "ROW"
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {when} ON audit_log "
                f"FOR EACH {level} EXECUTE FUNCTION cg_audit_log_append_only()"
            )
    else:
        for name, when in zip(_AUDIT_TRIGGERS[:2], ("UPDATE", "DELETE"), strict=True):
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {when} ON audit_log "
                f"BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: {when} refused'); END"
            )


def unprotect_audit_log() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name in _AUDIT_TRIGGERS if postgres else _AUDIT_TRIGGERS[:2]:
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (" ON audit_log" if postgres else ""))
    if postgres:
        op.execute("DROP FUNCTION IF EXISTS cg_audit_log_append_only()")


def alembic_config(service_dir: Path, database_url: str | None = None) -> Config:
    config = Config(str(service_dir / "alembic.ini"))
    config.set_main_option("script_location", str(service_dir / "migrations"))
    if database_url:
        config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(service_dir: Path, settings: ServiceSettings, revision: str = "head") -> None:
    """``alembic upgrade head`` for the settings' database (blocking; run it outside an event loop)."""
    command.upgrade(alembic_config(service_dir, settings.database_url), revision)


async def upgrade_async(service_dir: Path, database_url: str, revision: str = "head") -> None:
    await asyncio.to_thread(command.upgrade, alembic_config(service_dir, database_url), revision)


def create_outbox_acks() -> None:
    """The relay's per-partition acknowledgement checkpoints (issue 15). A database created from
    revision 0001 on already has the table (0001 creates every platform table): hence checkfirst."""
    OutboxAck.__table__.create(bind=op.get_bind(), checkfirst=True)  # type: ignore[attr-defined]


def drop_outbox_acks() -> None:
    OutboxAck.__table__.drop(bind=op.get_bind(), checkfirst=True)  # type: ignore[attr-defined]
