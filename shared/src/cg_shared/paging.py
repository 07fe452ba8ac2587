"""Keyset pagination on a SQL statement: one way for every list endpoint.

:func:`keyset` orders by ``(sort, tiebreak)`` and continues after the cursor's values (a tampered
cursor is a 422 naming ``query.cursor``); :func:`make_page` cuts the ``limit + 1`` rows it fetched
into a :class:`~cg_shared.http.Page` whose ``next_cursor`` is there only when more rows follow.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute

from cg_shared.http import FieldError, Page, PageParams, Unprocessable, encode_cursor

M = TypeVar("M")
R = TypeVar("R")


def _bad_cursor() -> Unprocessable:
    return Unprocessable(
        "cursor is not valid", errors=[FieldError(field="query.cursor", message="malformed cursor")]
    )


def parse_date(value: Any) -> date:
    return date.fromisoformat(str(value))


def parse_datetime(value: Any) -> datetime:
    """An aware timestamp from a cursor (a naive one was not written by us: 422)."""
    moment = datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        raise ValueError("naive timestamp in cursor")
    return moment


def keyset(
    stmt: Select[Any],
    *,
    sort: InstrumentedAttribute[Any],
    tiebreak: InstrumentedAttribute[Any],
    page: PageParams,
    parse: Callable[[Any], Any] = lambda v: v,
    descending: bool = False,
) -> Select[Any]:
    """Order by (sort, tiebreak), continue after the cursor's (sort, tiebreak), fetch ``limit + 1``."""
    if page.cursor:
        if len(page.cursor) != 2:
            raise _bad_cursor()
        try:
            last_sort, last_id = parse(page.cursor[0]), str(page.cursor[1])
        except (TypeError, ValueError) as exc:
            raise _bad_cursor() from exc
        if descending:
            stmt = stmt.where(or_(sort < last_sort, and_(sort == last_sort, tiebreak < last_id)))
        else:
            stmt = stmt.where(or_(sort > last_sort, and_(sort == last_sort, tiebreak > last_id)))
    if descending:
        return stmt.order_by(sort.desc(), tiebreak.desc()).limit(page.limit + 1)
    return stmt.order_by(sort, tiebreak).limit(page.limit + 1)


def make_page(
    rows: Sequence[M],
    *,
    page: PageParams,
    key: Callable[[M], list[Any]],
    read: Callable[[M], R],
) -> Page[R]:
    """The first ``limit`` of the ``limit + 1`` rows, read; the cursor is ``key`` of the last one."""
    more = len(rows) > page.limit
    rows = list(rows[: page.limit])
    return Page(
        items=[read(r) for r in rows],
        next_cursor=encode_cursor(key(rows[-1])) if more and rows else None,
    )
