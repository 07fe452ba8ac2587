"""A change marker for the registry's figures: ``registry_state.version``, bumped by every transaction
that writes projects, funding lines or assessments.

Readers that cache derived data (the statistics summary, public list pages) read the marker with one tiny query and reuse
their result while it is unchanged; concurrent readers share that query (:class:`_MarkerReader`). The bump is automatic, so no write path can forget it: SQLAlchemy
session events note writes of the tracked tables (ORM flushes and ``insert/update/delete`` statements on
their entities), and ``before_commit`` issues ``UPDATE registry_state SET version = version + 1`` as the
transaction's last statement — inside the same transaction, so a reader that sees version ``v`` sees
every write up to ``v``, and the row lock is held only for the commit itself. Bulk paths that bypass the
session (the seed's COPY) call :func:`mark_changed` themselves.
"""

from __future__ import annotations

import asyncio
import weakref
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

import asyncpg
from sqlalchemy import BigInteger, Integer, event, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from cg_registry.assessments.models import Assessment
from cg_registry.db import Base
from cg_registry.projects.models import FundingLine, Project
from cg_shared.http import ServiceUnavailable

STATE_ID = 1
_FLAG = "cg_registry.figures_changed"
_TRACKED: tuple[type[Any], ...] = (Project, FundingLine, Assessment)
_TRACKED_TABLES = frozenset(cls.__table__.name for cls in _TRACKED)


class RegistryState(Base):
    """One row (id 1, created by migration 0003)."""

    __tablename__ = "registry_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


def mark_changed(session: AsyncSession | Session) -> None:
    """Make the current transaction bump the marker when it commits."""
    sync = session.sync_session if isinstance(session, AsyncSession) else session
    sync.info[_FLAG] = True


_VERSION_QUERY = select(RegistryState.version).where(RegistryState.id == STATE_ID)
_VERSION_SQL = "SELECT version FROM registry_state WHERE id = $1"
# What a lost connection looks like on the raw asyncpg path (SQLAlchemy is not there to wrap it).
CONNECTION_LOST: tuple[type[BaseException], ...] = (
    OSError,
    asyncpg.InterfaceError,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CannotConnectNowError,
)


def unavailable(exc: BaseException) -> ServiceUnavailable:
    problem = ServiceUnavailable("the database is briefly unavailable; retry", headers={"Retry-After": "1"})
    problem.__cause__ = exc
    return problem


class _MarkerReader:
    """Reads of the marker by concurrent requests share round trips, and none gets a value read before it
    asked: a caller joins the next read to *start*, never one already in flight (so a write committed
    before the request arrived is always seen).

    Under load one pooled connection is held while callers keep coming (its checkout ping is paid once per
    busy spell, not per request) and each read answers every caller that queued during the previous one.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._waiting: list[asyncio.Future[int | None]] = []
        self._task: asyncio.Task[None] | None = None

    async def read(self) -> int | None:
        loop = asyncio.get_running_loop()
        if self._task is not None and (self._task.done() or self._task.get_loop() is not loop):
            self._task, self._waiting = None, []  # a previous event loop's state (tests run several)
        future: asyncio.Future[int | None] = loop.create_future()
        self._waiting.append(future)
        if self._task is None:
            self._task = loop.create_task(self._run(), name="registry-marker-read")
        return await future

    def _answer(self, batch: list[asyncio.Future[int | None]], value: int | None) -> None:
        for future in batch:
            if not future.done():
                future.set_result(value)

    def _fail(self, batch: list[asyncio.Future[int | None]], exc: BaseException) -> None:
        for future in batch:
            if not future.done():
                future.set_exception(exc)

    async def _run(self) -> None:
        try:
            if self.engine.dialect.name == "postgresql":
                await self._run_postgresql()
            else:
                while self._waiting:
                    batch, self._waiting = self._waiting, []
                    try:
                        async with self.engine.connect() as connection:
                            value = await connection.scalar(_VERSION_QUERY)
                    except Exception as exc:
                        self._fail(batch, exc)
                        continue
                    self._answer(batch, None if value is None else int(value))
        except BaseException as exc:  # cancelled with the loop: nobody may wait forever
            self._fail(self._waiting, exc)
            self._waiting = []
            raise
        finally:
            self._task = None

    async def _run_postgresql(self) -> None:
        retry: list[asyncio.Future[int | None]] = []
        while self._waiting or retry:
            fresh = True  # just checked out, i.e. pinged by the pool
            try:
                connection = await self.engine.connect()
            except Exception as exc:
                self._fail(retry + self._waiting, exc)
                retry, self._waiting = [], []
                continue
            try:
                raw = await connection.get_raw_connection()
                driver: Any = raw.driver_connection
                while self._waiting or retry:
                    batch, retry, self._waiting = retry + self._waiting, [], []
                    try:
                        # A single statement outside any transaction (no BEGIN/ROLLBACK round trips),
                        # its prepared statement cached by asyncpg.
                        value = await driver.fetchval(_VERSION_SQL, STATE_ID)
                    except CONNECTION_LOST as exc:
                        await connection.invalidate()
                        if fresh:
                            self._fail(batch, unavailable(exc))
                        else:
                            retry = batch  # the held connection died meanwhile: once more on a new one
                        break
                    except Exception as exc:
                        self._fail(batch, exc)
                        continue
                    fresh = False
                    self._answer(batch, None if value is None else int(value))
            finally:
                await connection.close()


_readers: weakref.WeakKeyDictionary[Any, _MarkerReader] = weakref.WeakKeyDictionary()


async def current_version(engine: AsyncEngine) -> int | None:
    """The marker, or None when the row is missing (a schema not made by the migrations: no caching).

    Read outside any request session (a cached answer needs no session), one shared read for all the
    requests waiting at the same time."""
    reader = _readers.get(engine.sync_engine)
    if reader is None:
        reader = _readers[engine.sync_engine] = _MarkerReader(engine)
    return await reader.read()


class VersionedCache:
    """Results valid for one registry version, per database (engine), bounded (least recently used out).

    Entries of an older version are dropped as soon as a newer version is seen. Apps on different
    databases in one process (tests) never share entries."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._by_engine: weakref.WeakKeyDictionary[Any, tuple[int, OrderedDict[Hashable, Any]]] = (
            weakref.WeakKeyDictionary()
        )

    def get(self, engine: AsyncEngine, version: int | None, key: Hashable) -> Any | None:
        if version is None:
            return None
        held = self._by_engine.get(engine.sync_engine)
        if held is None or held[0] != version or key not in held[1]:
            return None
        held[1].move_to_end(key)
        return held[1][key]

    def holds(self, engine: AsyncEngine, key: Hashable) -> bool:
        """Whether ``key`` has an entry of any version (else no marker read can make :meth:`get` find it)."""
        held = self._by_engine.get(engine.sync_engine)
        return held is not None and key in held[1]

    def put(self, engine: AsyncEngine, version: int | None, key: Hashable, value: Any) -> None:
        if version is None:
            return
        held = self._by_engine.get(engine.sync_engine)
        if held is None or held[0] < version:
            held = (version, OrderedDict())
            self._by_engine[engine.sync_engine] = held
        elif held[0] > version:
            return  # computed from an older marker than what is already cached: keep the newer entries
        held[1][key] = value
        held[1].move_to_end(key)
        while len(held[1]) > self.max_entries:
            held[1].popitem(last=False)


def _touches_tracked(objects: Any) -> bool:
    return any(isinstance(obj, _TRACKED) for obj in objects)


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, _context: Any) -> None:
    if _touches_tracked(session.new) or _touches_tracked(session.dirty) or _touches_tracked(session.deleted):
        session.info[_FLAG] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in _TRACKED_TABLES:
        state.session.info[_FLAG] = True


@event.listens_for(Session, "before_commit")
def _bump_on_commit(session: Session) -> None:
    if not session.info.get(_FLAG) and not (
        _touches_tracked(session.new) or _touches_tracked(session.dirty) or _touches_tracked(session.deleted)
    ):
        return
    # Flush first, so the marker is the transaction's last write (its row lock spans only the commit).
    session.flush()
    session.info.pop(_FLAG, None)
    session.execute(
        update(RegistryState).where(RegistryState.id == STATE_ID).values(version=RegistryState.version + 1)
    )


@event.listens_for(Session, "after_rollback")
def _forget_on_rollback(session: Session) -> None:
    session.info.pop(_FLAG, None)
