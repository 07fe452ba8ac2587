"""Loading one row and ending an update — the two steps every service's use cases share.

- :func:`get_or_404` loads a row by primary key (optionally ``SELECT … FOR UPDATE``) or answers 404
  with the caller's message (each entity keeps its own wording, so problem documents do not change).
- :func:`snapshot` is a row's columns as a plain dict (what the audit trail keeps before and after).
- :func:`bump_version` is the end of every change to a versioned row: its version, which the ETag
  and ``If-Match`` are built on, goes up by one and ``updated_at`` moves to now (or to ``at``). The
  audit record that follows is :func:`cg_shared.audit.record_audit`.
- :func:`loader` is an entity's ``load(session, key, for_update=…)``: :func:`get_or_404` with its message.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from cg_shared.db import utcnow
from cg_shared.http import NotFound
from cg_shared.i18n import Msg

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


async def get_or_404(
    session: AsyncSession, model: type[T], key: Any, missing: Msg | str, *, for_update: bool = False
) -> T:
    """The row of ``model`` with primary key ``key``; ``NotFound(missing)`` when there is none."""
    row = await session.get(model, key, with_for_update=for_update)
    if row is None:
        raise NotFound(missing)
    return row


class Loader(Protocol[T_co]):
    async def __call__(self, session: AsyncSession, key: Any, *, for_update: bool = False) -> T_co: ...


def loader(model: type[T], missing: Callable[[Any], Msg | str]) -> Loader[T]:
    """``load(session, key, *, for_update=False)``: :func:`get_or_404` of ``model``, 404 with ``missing(key)``."""

    async def load(session: AsyncSession, key: Any, *, for_update: bool = False) -> T:
        return await get_or_404(session, model, key, missing(key), for_update=for_update)

    return load


def bump_version(row: Any, *, at: datetime | None = None) -> None:
    """A versioned row changed: ``version += 1`` (new ETag) and ``updated_at`` = ``at`` or now."""
    row.version += 1
    row.updated_at = at if at is not None else utcnow()


def snapshot(row: Any) -> dict[str, Any]:
    """The mapped row's columns as a plain dict: the audit trail's ``before``/``after``."""
    return {c.key: getattr(row, c.key) for c in row.__table__.columns}
