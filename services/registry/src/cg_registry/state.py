"""A change marker for the registry's figures: ``registry_state.version``, bumped by every transaction
that writes projects, funding lines or assessments.

Readers that cache derived data (the statistics summary, public list pages) read the marker with one tiny query and reuse
their result while it is unchanged. The bump is automatic, so no write path can forget it: SQLAlchemy
session events note writes of the tracked tables (ORM flushes and ``insert/update/delete`` statements on
their entities), and ``before_commit`` issues ``UPDATE registry_state SET version = version + 1`` as the
transaction's last statement — inside the same transaction, so a reader that sees version ``v`` sees
every write up to ``v``, and the row lock is held only for the commit itself. Bulk paths that bypass the
session (the seed's COPY) call :func:`mark_changed` themselves.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from sqlalchemy import BigInteger, Integer, event, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from cg_registry.assessments.models import Assessment
from cg_registry.db import Base
from cg_registry.projects.models import FundingLine, Project

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


async def current_version(session: AsyncSession) -> int | None:
    """The marker, or None when the row is missing (a schema not made by the migrations: no caching).

    Read on its own pooled connection, so the request's session holds no connection when the answer
    comes from a cache."""
    engine = session.bind
    if isinstance(engine, AsyncEngine) and engine.dialect.name == "postgresql":
        # asyncpg directly: a single statement outside any transaction (no BEGIN/ROLLBACK round trips,
        # no isolation-level switching), its prepared statement cached by asyncpg.
        async with engine.connect() as connection:
            raw = await connection.get_raw_connection()
            driver: Any = raw.driver_connection
            value = await driver.fetchval(_VERSION_SQL, STATE_ID)
    else:
        value = await session.scalar(_VERSION_QUERY)
    return None if value is None else int(value)


class VersionedCache:
    """Results valid for one registry version, per database (engine), bounded (least recently used out).

    Entries of an older version are dropped as soon as a newer version is seen. Apps on different
    databases in one process (tests) never share entries."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._by_engine: weakref.WeakKeyDictionary[Any, tuple[int, OrderedDict[Hashable, Any]]] = (
            weakref.WeakKeyDictionary()
        )

    def get(self, session: AsyncSession, version: int | None, key: Hashable) -> Any | None:
        if version is None:
            return None
        held = self._by_engine.get(session.get_bind())
        if held is None or held[0] != version or key not in held[1]:
            return None
        held[1].move_to_end(key)
        return held[1][key]

    def put(self, session: AsyncSession, version: int | None, key: Hashable, value: Any) -> None:
        if version is None:
            return
        engine = session.get_bind()
        held = self._by_engine.get(engine)
        if held is None or held[0] < version:
            held = (version, OrderedDict())
            self._by_engine[engine] = held
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
