"""Async SQLAlchemy 2.0 helpers shared by every service: naming convention, engines, sessions.

Each service owns its database and declares its own ``DeclarativeBase`` whose metadata comes from
:func:`make_metadata` (the platform naming convention), so a
process that imports two services' models never mixes their tables. The platform tables (outbox,
inbox, dead letters, idempotency keys, audit log) live in :data:`cg_shared.messaging.tables.platform_metadata`
and every service's migrations create them too.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, MetaData, TypeDecorator, event
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from cg_shared.clock import now_utc

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def make_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on both PostgreSQL and SQLite (which drops the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def is_schema_missing(exc: BaseException) -> bool:
    """The database answers but has not been migrated: a table of ours does not exist.

    SQLite says ``no such table``; PostgreSQL raises ``undefined_table`` (SQLSTATE 42P01). Told apart from
    an outage because the remedy differs: run the service's ``migrate`` command, not retry.
    """
    seen: BaseException | None = exc
    while seen is not None:
        if getattr(seen, "sqlstate", None) == "42P01" or getattr(seen, "pgcode", None) == "42P01":
            return True
        if "no such table" in str(seen) or "UndefinedTableError" in type(seen).__name__:
            return True
        seen = getattr(seen, "orig", None) or seen.__cause__
    return False


def utcnow() -> datetime:
    """The one clock's instant (``cg_shared.clock.now_utc``), under the name the models' defaults use."""
    return now_utc()


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


# One encoder for every call (json.dumps builds a new one per call when given options): bulk loads
# serialise hundreds of thousands of values.
_encode = json.JSONEncoder(ensure_ascii=False, default=_json_default).encode


def json_dumps(value: Any) -> str:
    # Hangul stays readable in the database and in logs.
    return _encode(value)


_TRGM_WORD = re.compile(r"[^\W_]+")


def _trigrams(value: str) -> set[str]:
    grams: set[str] = set()
    for word in _TRGM_WORD.findall(value.lower()):
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


def trigram_similarity(a: str | None, b: str | None) -> float:
    """pg_trgm's ``similarity(a, b)``: shared / all distinct trigrams of the words (each padded with two
    spaces before and one after, lower-cased). Registered in SQLite as ``cg_trgm_similarity`` so a query
    can block by title similarity on both databases."""
    if a is None or b is None:
        return 0.0
    first, second = _trigrams(a), _trigrams(b)
    union = len(first | second)
    return len(first & second) / union if union else 0.0


def create_engine(
    database_url: str, *, pool_size: int = 10, max_overflow: int | None = None, echo: bool = False
) -> AsyncEngine:
    """Engine for ``postgresql+asyncpg://`` or ``sqlite+aiosqlite://`` URLs."""
    if database_url.startswith("sqlite"):
        path = database_url.split(":///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(
            database_url,
            echo=echo,
            json_serializer=json_dumps,
            connect_args={"timeout": 30},
        )

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: ConnectionPoolEntry) -> None:
            # WAL lets the relay read while the API writes; foreign keys are off by default in SQLite.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
            dbapi_conn.create_function("cg_trgm_similarity", 2, trigram_similarity, deterministic=True)

        return engine
    engine = create_async_engine(
        database_url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=pool_size if max_overflow is None else max_overflow,
        # A restarted PostgreSQL must not surface as request errors: pooled connections are probed on
        # checkout (_probe_on_checkout), in one round trip instead of pre-ping's three.
        pool_pre_ping=False,
        pool_recycle=1800,
        json_serializer=json_dumps,
    )
    event.listen(engine.sync_engine, "connect", _mark_fresh)
    event.listen(engine.sync_engine, "checkout", _probe_on_checkout)
    return engine


def _mark_fresh(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    record.info["cg_fresh"] = True


def _probe_on_checkout(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
    """Pessimistic disconnect handling with one round trip: ``SELECT 1`` outside any transaction on a
    pooled connection (a new one was just authenticated). SQLAlchemy's asyncpg pre-ping sends BEGIN, the
    probe and ROLLBACK: three round trips per checkout, ~20 % of a cheap request (bench/rest, issue 19).
    A dead connection raises DisconnectionError, and the pool replaces it and checks out again."""
    if record.info.pop("cg_fresh", False):
        return
    from sqlalchemy.exc import DisconnectionError
    from sqlalchemy.util.concurrency import await_

    try:
        await_(dbapi_connection.driver_connection.fetchval("SELECT 1"))
    except Exception as exc:
        raise DisconnectionError(f"pooled connection is gone: {exc!r}") from exc


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


@asynccontextmanager
async def unit_of_work(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One transaction: commit when the block ends normally, roll back on any exception."""
    async with sessions() as session, session.begin():
        yield session


def is_unique_violation(exc: BaseException) -> bool:
    """True for a unique/primary-key violation on PostgreSQL or SQLite."""
    text = str(getattr(exc, "orig", exc)).lower()
    return "unique" in text or "duplicate key" in text
