"""Registry list pages as JSON bytes: on PostgreSQL built by the database in one statement, elsewhere
serialised from :func:`cg_registry.projects.service.list_projects`; cached per registry version."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import Select, String, Text, bindparam, func, literal_column, select
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from cg_registry import readpool
from cg_registry.projects import search
from cg_registry.projects.models import Project
from cg_registry.projects.service import (
    SEARCH_MATCH_CAP,
    ProjectFilters,
    _check_period,
    apply_filters,
    list_projects,
)
from cg_registry.state import STATE_ID, RegistryState, VersionedCache, current_version
from cg_shared.http import PageParams, encode_cursor

# Public list pages as JSON, valid while the registry version is unchanged (every write bumps it):
# repeated pages cost one one-row read instead of two queries and the response build.
_page_cache = VersionedCache(max_entries=512)

# Each project's list item as JSON text, kept by PostgreSQL triggers (migration 0x_regread_item_json): a
# page is the concatenation of its rows' texts — no per-row JSON building, no funding-line lookups.
_ITEM = literal_column("projects.item_json", Text).label("item_json")
# The change marker (cg_registry.state) read by the page's own statement: the version its rows are of.
_VERSION = (
    select(RegistryState.version)
    .where(RegistryState.id == STATE_ID)
    .scalar_subquery()
    .label("registry_version")
)
_DIALECT = PGDialect_asyncpg()  # type: ignore[no-untyped-call]
_EMPTY_PAGE = b'{"items":[],"next_cursor":null}'


@dataclasses.dataclass(frozen=True)
class _Compiled:
    """A statement as asyncpg SQL ($n parameters) and where each parameter's value comes from."""

    sql: str
    names: tuple[str, ...]
    constants: dict[str, Any]

    def args(self, values: dict[str, Any]) -> list[Any]:
        return [values[name] if name in values else self.constants[name] for name in self.names]


def _compile(stmt: Select[Any]) -> _Compiled:
    compiled = stmt.compile(dialect=_DIALECT)
    return _Compiled(compiled.string, tuple(compiled.positiontup or ()), dict(compiled.params))


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
# Statements by shape (which filters, cursor or not, page size — and for a search, the shape of its
# words), with the values as bound parameters, compiled once: building and compiling the SQLAlchemy
# statement per request cost ~16 % of an uncached list request's CPU (bench/rest profile), and a new
# statement text per search word was built and prepared per request. Bounded anyway.
_SHAPES: dict[tuple[Any, ...], _Compiled] = {}
_MAX_SHAPES = 1024


def _filtered(columns: Any, filters: ProjectFilters, bound: tuple[str, ...], cursor: bool) -> Select[Any]:
    """``apply_filters`` with the value filters (and the cursor) as named parameters."""
    rows = apply_filters(select(*columns), dataclasses.replace(filters, **dict.fromkeys(_BOUND_FILTERS)))
    for name in bound:
        value: Any = bindparam(f"f_{name}")
        if name == "active_from":
            rows = rows.where((Project.end_date.is_(None)) | (Project.end_date >= value))
        elif name == "active_to":
            rows = rows.where((Project.start_date.is_(None)) | (Project.start_date <= value))
        else:
            rows = rows.where(getattr(Project, name) == value)
    if cursor:
        rows = rows.where(Project.code > bindparam("f_cursor", type_=String()))
    return rows


def _search_statement(rows: Select[Any], q: str, page: PageParams, *, walk: bool) -> Select[Any]:
    """A page of a text search. The walk: the code index in order, filtered by the words (``rows``). For
    Hangul (``walk`` False) the matches are collected through the search indexes first, with their count
    (see ``service._search_ids_by_index``): above SEARCH_MATCH_CAP the walk is the faster plan."""
    text_rows = search.postgresql_text_filter(rows, q)
    if walk:
        return text_rows.order_by(Project.code).limit(page.limit + 1)
    matches = (
        text_rows.with_only_columns(Project.id, Project.code)
        .limit(SEARCH_MATCH_CAP + 1)
        .cte("matches")
        .prefix_with("MATERIALIZED")
    )
    ranked = select(matches.c.id, matches.c.code).order_by(matches.c.code).limit(page.limit + 1).subquery()
    matched = select(func.count()).select_from(matches).scalar_subquery().label("matched")
    return (
        select(Project.code, _ITEM, _VERSION, matched)
        .select_from(ranked)
        .join(Project, Project.id == ranked.c.id)
        .order_by(ranked.c.code)
    )


def _statement(filters: ProjectFilters, page: PageParams, *, walk: bool) -> tuple[_Compiled, dict[str, Any]]:
    bound = tuple(name for name, is_set in _BOUND_FILTERS.items() if is_set(getattr(filters, name)))
    key: tuple[Any, ...] = (bound, filters.city_wide, filters.has_smg_grant, filters.tokenism_risk)
    key += (filters.source, bool(page.cursor), page.limit)
    values: dict[str, Any] = {f"f_{name}": getattr(filters, name) for name in bound}
    if page.cursor:
        values["f_cursor"] = str(page.cursor[0])
    q = filters.q or ""
    if q:
        key += (walk, search.postgresql_text_shape(q))
        values.update(search.postgresql_text_values(q))
    compiled = _SHAPES.get(key)
    if compiled is None:
        stmt = _filtered((Project.code, _ITEM, _VERSION), filters, bound, bool(page.cursor))
        if q:
            stmt = _search_statement(stmt, q, page, walk=walk)
        else:
            stmt = stmt.order_by(Project.code).limit(page.limit + 1)
        compiled = _compile(stmt)
        if len(_SHAPES) < _MAX_SHAPES:
            _SHAPES[key] = compiled
    return compiled, values


async def page_json_postgresql(
    engine: AsyncEngine, *, filters: ProjectFilters, page: PageParams
) -> tuple[bytes, int | None]:
    """One list page as the bytes of ``Page[ProjectRead]`` and the registry version it is of (None when not
    known): the stored items of the page's rows, read in one statement on the read pool (a Hangul search
    whose words match more than SEARCH_MATCH_CAP projects takes a second, the walk; the page may then be
    newer than the version, never older). The same items, values and order as :func:`list_projects`."""
    _check_period(filters)
    q = filters.q or ""
    walk = not (q and search.has_hangul(q))
    compiled, values = _statement(filters, page, walk=walk)
    rows = await readpool.fetch(engine, compiled.sql, compiled.args(values), custom_plans=bool(q))
    if not walk and rows and rows[0]["matched"] > SEARCH_MATCH_CAP:
        compiled, values = _statement(filters, page, walk=True)
        rows = await readpool.fetch(engine, compiled.sql, compiled.args(values), custom_plans=True)
    if not rows:
        return _EMPTY_PAGE, None  # no row to carry the marker: not cached
    more = len(rows) > page.limit
    items = rows[: page.limit]
    cursor = json.dumps(encode_cursor([items[-1]["code"]])).encode() if more else b"null"
    body = b'{"items":[' + b",".join(row["item_json"] for row in items) + b'],"next_cursor":' + cursor + b"}"
    version = rows[0]["registry_version"]
    return body, None if version is None else int(version)


async def list_projects_json(
    *,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    filters: ProjectFilters,
    page: PageParams,
) -> bytes:
    """:func:`list_projects` serialised, from the per-version cache when the same page was asked before
    (then without a session: only the shared marker read)."""
    key = (filters, page.limit, json.dumps(page.cursor, default=str))
    if engine.dialect.name == "postgresql" and not _page_cache.holds(engine, key):
        # A page never asked before cannot be in the cache whatever the marker says: no marker read. The
        # page's statement reads the marker itself, in the same snapshot as its rows (one round trip).
        body, version = await page_json_postgresql(engine, filters=filters, page=page)
        _page_cache.put(engine, version, key, body)
        return body
    # The marker is read before the page: a write committing in between makes the cached page newer
    # than its version, never older.
    version = await current_version(engine)
    cached: bytes | None = _page_cache.get(engine, version, key)
    if cached is not None:
        return cached
    if engine.dialect.name == "postgresql":
        body, _ = await page_json_postgresql(engine, filters=filters, page=page)
    else:
        async with sessions() as session:
            body = (
                (await list_projects(session=session, filters=filters, page=page)).model_dump_json().encode()
            )
    _page_cache.put(engine, version, key, body)
    return body
