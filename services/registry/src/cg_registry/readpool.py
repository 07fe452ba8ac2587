"""A second connection pool for the registry's public read path (PostgreSQL): single statements in
autocommit, no pre-ping.

Through the service's main engine a list page cost six round trips for one query: the pool's pre-ping
(BEGIN, a probe, ROLLBACK) on checkout, then BEGIN, the statement and ROLLBACK (bench/rest profile,
issue 19: ~20 % of an uncached list request's CPU in those). A read of one statement needs no
transaction, so this engine runs in AUTOCOMMIT (the asyncpg adapter then sends no BEGIN/ROLLBACK) and
without pre-ping; instead :func:`run_read` retries once on a fresh connection when the pooled one turns
out to be dead (a restarted PostgreSQL), which is what the pre-ping protected against.

The read engine lives as long as the main engine: disposing the main engine (the app's shutdown)
disposes it too.
"""

from __future__ import annotations

import weakref
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from cg_shared.db import json_dumps

T = TypeVar("T")
_engines: weakref.WeakKeyDictionary[Any, AsyncEngine] = weakref.WeakKeyDictionary()


def read_engine(engine: AsyncEngine) -> AsyncEngine:
    """The read pool beside ``engine`` (PostgreSQL); ``engine`` itself on other databases."""
    if engine.dialect.name != "postgresql":
        return engine
    found = _engines.get(engine.sync_engine)
    if found is None:
        pool: Any = engine.sync_engine.pool
        found = create_async_engine(
            engine.url,
            pool_size=pool.size(),
            max_overflow=2,
            pool_pre_ping=False,
            pool_recycle=1800,
            isolation_level="AUTOCOMMIT",
            json_serializer=json_dumps,
        )
        _engines[engine.sync_engine] = found
        reader = found

        def _dispose_with_main(_engine: Any) -> None:
            # Runs inside the main engine's (greenlet-wrapped) dispose, so closing connections works.
            reader.sync_engine.dispose()

        event.listen(engine.sync_engine, "engine_disposed", _dispose_with_main)
    return found


async def run_read(engine: AsyncEngine, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """``work`` in a session of the read pool; once more on a new connection if the pooled one was dead."""
    reads = read_engine(engine)
    for attempt in range(2):
        try:
            async with AsyncSession(reads, expire_on_commit=False, autoflush=False) as session:
                return await work(session)
        except DBAPIError as exc:
            if not exc.connection_invalidated or attempt == 1:
                raise
    raise AssertionError("unreachable")
