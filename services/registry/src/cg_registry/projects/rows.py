"""Inserting a write's prepared rows in as few round trips as the database allows.

PostgreSQL: every row of every table in **one** statement (data-modifying CTEs), sent as driver SQL on
the session's connection — no SQLAlchemy statement to build, compile and cache-key per request (that
cost more CPU than the database's own work for a registration). The statement text depends only on
which tables, which columns and how many rows, so asyncpg prepares it once per shape. SQLite: one Core
insert per table. Either way the write is the session's transaction's, and the registry's change marker
is bumped at commit (:func:`cg_registry.state.mark_changed`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import JSON, Table, insert
from sqlalchemy.ext.asyncio import AsyncSession

from cg_registry.state import mark_changed
from cg_shared.db import json_dumps

Rows = Sequence[tuple[Table, Sequence[dict[str, Any]]]]
_STATEMENTS: dict[tuple[Any, ...], str] = {}
_MAX_STATEMENTS = 256


def _shape(rows: Rows) -> tuple[Any, ...]:
    return tuple((table.name, tuple(values[0]), len(values)) for table, values in rows if values)


def _statement(rows: Rows) -> str:
    parts: list[str] = []
    arg = 0
    for i, (table, values) in enumerate((t, v) for t, v in rows if v):
        names = list(values[0])
        tuples = []
        for _ in values:
            tuples.append("(" + ", ".join(f"${arg + k + 1}" for k in range(len(names))) + ")")
            arg += len(names)
        columns = ", ".join(f'"{name}"' for name in names)
        parts.append(f'w{i} AS (INSERT INTO "{table.name}" ({columns}) VALUES {", ".join(tuples)})')  # noqa: S608 (our table and column names; values are parameters)
    return "WITH " + ",\n".join(parts) + "\nSELECT 1"


def _arguments(rows: Rows) -> list[Any]:
    args: list[Any] = []
    for table, values in rows:
        if not values:
            continue
        json_columns = {c.key for c in table.columns if isinstance(c.type, JSON)}
        for row in values:
            args.extend(
                json_dumps(value) if name in json_columns and value is not None else value
                for name, value in row.items()
            )
    return args


async def insert_rows(session: AsyncSession, rows: Rows) -> None:
    """Insert ``rows`` (per table, dicts with the same keys) in the session's transaction.

    Tables that reference others (funding lines → projects) may come in any order: PostgreSQL checks
    foreign keys at the end of the statement."""
    if session.get_bind().dialect.name != "postgresql":
        for table, values in rows:
            if values:
                await session.execute(insert(table), list(values))
        return
    shape = _shape(rows)
    sql = _STATEMENTS.get(shape)
    if sql is None:
        sql = _statement(rows)
        if len(_STATEMENTS) < _MAX_STATEMENTS:
            _STATEMENTS[shape] = sql
    # As driver SQL: no statement to compile, yet in the session's transaction (begun if need be) and
    # seen by the engine's events (its CLIENT span in the request's trace).
    connection = await session.connection()
    await connection.exec_driver_sql(sql, tuple(_arguments(rows)))
    mark_changed(session)
