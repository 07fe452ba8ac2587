"""Registry list pages as JSON bytes: on PostgreSQL built by the database in one statement, elsewhere
serialised from :func:`cg_registry.projects.listing.list_projects`; cached per registry version."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any, get_args

from sqlalchemy import (
    Select,
    String,
    bindparam,
    func,
    literal_column,
    select,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from cg_registry.projects.listing import (
    ProjectFilters,
    apply_filters,
    check_period,
    list_projects,
    page_rows_statement,
)
from cg_registry.projects.models import (
    Project,
)
from cg_registry.projects.reading import LIST_COLUMNS
from cg_registry.projects.schemas import ProjectRead
from cg_registry.readpool import run_read
from cg_registry.state import VersionedCache, current_version
from cg_shared.http import (
    PageParams,
    encode_cursor,
)

# Public list pages as JSON, valid while the registry version is unchanged (every write bumps it):
# repeated pages cost one one-row read instead of two queries and the response build.
_page_cache = VersionedCache(max_entries=512)


def _utc_text(column: str) -> str:
    """SQL for a timestamptz as pydantic writes a UTC datetime: seconds, ``.ffffff`` only when non-zero, ``Z``."""
    return (
        f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN "
        f"extract(microseconds FROM {column})::bigint % 1000000 = 0 THEN '' ELSE "
        f"to_char({column} AT TIME ZONE 'UTC', '.US') END || 'Z'"
    )


# Read-model fields that are not a column of the same name, as SQL over a row of the page (``page``).
_SPECIAL_SQL = {
    "city_wide": "page.sgg_code IS NULL",
    "partners": "coalesce(page.partners, '[]'::json)",
    "target_groups": "coalesce(page.target_groups, '[]'::json)",
    "budget_line_ids": """to_json(ARRAY(SELECT DISTINCT fb.budget_line_id COLLATE "C" FROM funding_lines fb
                WHERE fb.project_id = page.id AND fb.budget_line_id IS NOT NULL ORDER BY 1))""",
    "funding_lines": """(SELECT coalesce('[' || string_agg(row_to_json(l)::text, ',' ORDER BY l.fiscal_year,
                   l.source COLLATE "C", l.id) || ']', '[]')::json
     FROM (SELECT fl.id, fl.source, fl.fiscal_year, fl.amount_krw, fl.budget_line_id, fl.allocation_id,
                  fl.request_id FROM funding_lines fl WHERE fl.project_id = page.id) l)""",
    "assessment": f"""(SELECT row_to_json(a) FROM (SELECT page.iap2_level AS iap2_level,
     page.tokenism_risk AS tokenism_risk, {_utc_text("page.assessed_at")} AS assessed_at) a)""",  # noqa: S608 (constant SQL)
}


def _field_sql(name: str, annotation: Any) -> str:
    if name in _SPECIAL_SQL:
        return f"{_SPECIAL_SQL[name]} AS {name}"
    if annotation is datetime or datetime in get_args(annotation):
        return f"{_utc_text(f'page.{name}')} AS {name}"
    return f"page.{name}"


# One list item as JSON, built by PostgreSQL from a row of the page (alias ``page``): the ProjectRead
# fields in their order (a column of the same name unless named above), funding lines and budget line
# ids from correlated subqueries (index on funding_lines.project_id), compact (row_to_json), strings
# sorted by code point (COLLATE "C") as Python sorts them. The rows were validated when they were
# written; nothing is re-validated here.
_ITEM_JSON = (
    "(SELECT row_to_json(r)::text FROM (SELECT\n  "  # noqa: S608 (field names of ProjectRead)
    + ",\n  ".join(_field_sql(name, f.annotation) for name, f in ProjectRead.model_fields.items())
    + "\n) r)"
)


def _page_json_statement(rows_stmt: Select[Any], limit: int) -> Select[Any]:
    """Wrap a page's rows statement (limit + 1 rows) into the one statement returning
    (rows found, code of the page's last row when the page is full, the items as JSON text)."""
    rows = rows_stmt.subquery("page")
    items = (
        select(
            rows.c.code,
            func.row_number().over(order_by=rows.c.code).label("rn"),
            literal_column(_ITEM_JSON).label("item"),
        )
        .select_from(rows)
        .subquery("t")
    )
    return select(
        func.count(),
        func.max(items.c.code).filter(items.c.rn == limit),
        func.string_agg(items.c.item, aggregate_order_by(literal_column("','"), items.c.rn)).filter(
            items.c.rn <= limit
        ),
    )


# Filters compared as values (bound parameters) and how each is "set" (the rules of apply_filters).
def _not_none(value: Any) -> bool:
    return value is not None


_BOUND_FILTERS: dict[str, Callable[[Any], bool]] = {
    "sgg_code": _not_none,
    "status": bool,
    "origin": bool,
    "policy_field": bool,
    "plan_item_id": bool,
    "active_from": _not_none,
    "active_to": _not_none,
}
# Statements of list pages without text search, by shape (which filters, cursor or not, page size), with
# the filter values as bound parameters: building the SQLAlchemy statement per request cost ~16 % of an
# uncached list request's CPU (bench/rest profile). The shapes are few; the dict is bounded anyway.
_SHAPES: dict[tuple[Any, ...], Select[Any]] = {}
_MAX_SHAPES = 1024


def _list_shape(filters: ProjectFilters, page: PageParams) -> tuple[Select[Any], dict[str, Any]]:
    bound = tuple(name for name, is_set in _BOUND_FILTERS.items() if is_set(getattr(filters, name)))
    key: tuple[Any, ...] = (bound, filters.city_wide, filters.has_smg_grant, filters.tokenism_risk)
    key += (filters.source, bool(page.cursor), page.limit)
    params: dict[str, Any] = {f"f_{name}": getattr(filters, name) for name in bound}
    if page.cursor:
        params["f_cursor"] = str(page.cursor[0])
    stmt = _SHAPES.get(key)
    if stmt is None:
        # The value filters as apply_filters writes them, with parameters; the rest by apply_filters.
        rows = apply_filters(
            select(*LIST_COLUMNS), dataclasses.replace(filters, **dict.fromkeys(_BOUND_FILTERS))
        )
        for name in bound:
            value: Any = bindparam(f"f_{name}")
            if name == "active_from":
                rows = rows.where((Project.end_date.is_(None)) | (Project.end_date >= value))
            elif name == "active_to":
                rows = rows.where((Project.start_date.is_(None)) | (Project.start_date <= value))
            else:
                rows = rows.where(getattr(Project, name) == value)
        if page.cursor:
            rows = rows.where(Project.code > bindparam("f_cursor", type_=String()))
        stmt = _page_json_statement(rows.order_by(Project.code).limit(page.limit + 1), page.limit)
        if len(_SHAPES) < _MAX_SHAPES:
            _SHAPES[key] = stmt
    return stmt, params


async def _page_json_postgresql(session: AsyncSession, *, filters: ProjectFilters, page: PageParams) -> bytes:
    """One list page as the bytes of ``Page[ProjectRead]``, built by PostgreSQL in one statement (plus the
    index lookup of a Hangul search): the same items, values and order as :func:`list_projects`."""
    if filters.q:
        rows_stmt = await page_rows_statement(session, filters=filters, page=page)
        if rows_stmt is None:
            return b'{"items":[],"next_cursor":null}'
        stmt, params = _page_json_statement(rows_stmt, page.limit), dict[str, Any]()
    else:
        check_period(filters)
        stmt, params = _list_shape(filters, page)
    count, last_code, body = (await session.execute(stmt, params)).one()
    cursor = json.dumps(encode_cursor([last_code])) if count > page.limit else "null"
    return f'{{"items":[{body or ""}],"next_cursor":{cursor}}}'.encode()


async def list_projects_json(
    *,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    filters: ProjectFilters,
    page: PageParams,
) -> bytes:
    """:func:`list_projects` serialised, from the per-version cache when the same page was asked before
    (then without a session: only the shared marker read)."""
    # The marker is read before the page: a write committing in between makes the cached page newer
    # than its version, never older.
    version = await current_version(engine)
    key = (filters, page.limit, json.dumps(page.cursor, default=str))
    cached: bytes | None = _page_cache.get(engine, version, key)
    if cached is not None:
        return cached
    if engine.dialect.name == "postgresql":
        body = await run_read(
            engine, lambda session: _page_json_postgresql(session, filters=filters, page=page)
        )
    else:
        async with sessions() as session:
            body = (
                (await list_projects(session=session, filters=filters, page=page)).model_dump_json().encode()
            )
    _page_cache.put(engine, version, key, body)
    return body
