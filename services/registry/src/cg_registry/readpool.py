"""Connection pools of plain asyncpg for the registry's public read path (PostgreSQL): one statement per
page, outside any transaction, without SQLAlchemy's session and result layers.

Through the service's main engine a list page cost six round trips for one query (pre-ping BEGIN/probe/
ROLLBACK, then BEGIN, the statement, ROLLBACK); through an AUTOCOMMIT SQLAlchemy session it was one round
trip but still a session, a pooled-connection proxy, the execution context and result rows per request
(bench/rest profile, issue 19). Here a read is ``pool.fetch(sql, *args)``: asyncpg prepares each SQL text
once per connection (its statement cache) and returns records. The statements are compiled once per
shape by the caller (:mod:`cg_registry.projects.json_pages`).

- Two pools per database: ``custom_plans=True`` connections run with ``plan_cache_mode =
  force_custom_plan`` (text search: each pattern is planned with its value, as when it was written into
  the SQL, while the statement itself stays prepared); the other keeps PostgreSQL's plan cache.
- ``text`` columns are returned as bytes (UTF-8, as sent); ``varchar`` ones (codes) as str.
- No reset query on release: autocommit statements leave no session state behind (asyncpg would
  otherwise send ``RESET ALL`` etc. after every page — one more round trip).
- No pre-ping: a connection PostgreSQL dropped fails its statement; then every pooled connection is
  expired and the read is retried once on a fresh one (what the pre-ping protected against).
- The pools live as long as the main engine: disposing it (the app's shutdown) terminates them.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Sequence
from typing import Any

import asyncpg
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from cg_registry.state import CONNECTION_LOST, unavailable

_MAX_OVERFLOW = 2
# A connection PostgreSQL closed while it sat in the pool: the statement fails with one of these (asyncpg
# may also find its protocol in an unexpected state when the server's termination notice arrived idle).
_RETRY = (*CONNECTION_LOST, asyncpg.exceptions.InternalClientError)


class _NoResetConnection(asyncpg.Connection):  # type: ignore[misc]
    def get_reset_query(self) -> str:
        return ""  # single autocommit statements: nothing to reset between acquirers


async def _text_as_bytes(connection: asyncpg.Connection) -> None:
    """``text`` values arrive as the server's UTF-8 bytes (a page's stored items are sent as they are:
    decoding 90 KB into str and encoding it back cost more than the rest of the page's Python work)."""
    await connection.set_type_codec(
        "text", schema="pg_catalog", encoder=str.encode, decoder=bytes, format="binary"
    )


class _Pools:
    """The read pools of one main engine, for the event loop they were made in."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        pool: Any = engine.sync_engine.pool
        self.size = int(pool.size()) + _MAX_OVERFLOW
        self.loop: asyncio.AbstractEventLoop | None = None
        self.pools: dict[bool, asyncpg.Pool] = {}
        self.lock = asyncio.Lock()

    async def get(self, custom_plans: bool) -> asyncpg.Pool:
        loop = asyncio.get_running_loop()
        if self.loop is not loop:  # a previous event loop's pools (tests run several): start over
            self.terminate()
            self.loop, self.lock = loop, asyncio.Lock()
        found = self.pools.get(custom_plans)
        if found is not None:
            return found
        async with self.lock:
            found = self.pools.get(custom_plans)
            if found is None:
                settings = {"plan_cache_mode": "force_custom_plan"} if custom_plans else {}
                found = await asyncpg.create_pool(
                    self.dsn,
                    min_size=0,
                    max_size=self.size,
                    max_inactive_connection_lifetime=1800,
                    connection_class=_NoResetConnection,
                    server_settings=settings,
                    init=_text_as_bytes,
                )
                self.pools[custom_plans] = found
        return found

    def terminate(self) -> None:
        pools, self.pools = self.pools, {}
        for pool in pools.values():
            pool.terminate()


_by_engine: weakref.WeakKeyDictionary[Any, _Pools] = weakref.WeakKeyDictionary()


def _pools(engine: AsyncEngine) -> _Pools:
    found = _by_engine.get(engine.sync_engine)
    if found is None:
        found = _by_engine[engine.sync_engine] = _Pools(engine)
        pools = found

        def _terminate_with_main(_engine: Any) -> None:
            pools.terminate()

        event.listen(engine.sync_engine, "engine_disposed", _terminate_with_main)
    return found


async def fetch(
    engine: AsyncEngine, sql: str, args: Sequence[Any], *, custom_plans: bool = False
) -> list[asyncpg.Record]:
    """Rows of one statement on the read pool of ``engine`` (PostgreSQL); once more on a fresh
    connection if the pooled one was dead, else 503."""
    holder = _pools(engine)
    for attempt in range(2):
        pool = await holder.get(custom_plans)
        try:
            rows: list[asyncpg.Record] = await pool.fetch(sql, *args)
            return rows
        except _RETRY as exc:
            await pool.expire_connections()
            if attempt == 1:
                raise unavailable(exc) from exc
    raise AssertionError("unreachable")
