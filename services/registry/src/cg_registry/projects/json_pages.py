"""Registry list pages as JSON bytes: on PostgreSQL built by the database in one statement, elsewhere
serialised from :func:`cg_registry.projects.service.list_projects`; cached per registry version."""

from __future__ import annotations

import bisect
import dataclasses
import json
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Select, String, Text, any_, bindparam, literal_column, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.sql import ClauseElement

from cg_registry import readpool
from cg_registry.projects import search
from cg_registry.projects.listing import (
    SEARCH_MATCH_CAP,
    ProjectFilters,
    apply_filters,
    check_period,
    list_projects,
)
from cg_registry.projects.models import Project
from cg_registry.state import STATE_ID, RegistryState, VersionedCache, current_version
from cg_shared.http import PageParams, encode_cursor

# Public list pages as JSON, valid while the registry version is unchanged (every write bumps it):
# repeated pages cost one one-row read instead of two queries and the response build.
_page_cache = VersionedCache(max_entries=512)

# Each project's list item as JSON text, kept by PostgreSQL triggers (migration 0010_registry_item_json): a
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


def _compile(stmt: ClauseElement) -> _Compiled:
    compiled: Any = stmt.compile(dialect=_DIALECT)  # an SQLCompiler (positiontup: the $n order)
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


def _matches_statement(rows: Select[Any], q: str) -> Select[Any]:
    """Every match of a text search (``rows`` filtered by the words), by code, and the marker: collected
    through the search indexes (trigram/bigram GIN) in a MATERIALIZED CTE, then sorted — never the walk of
    the code index, which for clustered words (place names) read most of the table. At most
    SEARCH_MATCH_CAP + 1 rows: above the cap the walk finds a page faster."""
    matches = (
        search.postgresql_text_filter(rows, q)
        .with_only_columns(Project.id, Project.code)
        .limit(SEARCH_MATCH_CAP + 1)
        .cte("matches")
        .prefix_with("MATERIALIZED")
    )
    return select(matches.c.id, matches.c.code, _VERSION).order_by(matches.c.code)


def _statement(
    filters: ProjectFilters, page: PageParams, *, matches: bool = False
) -> tuple[_Compiled, dict[str, Any]]:
    """A page's statement (a search: the walk), or with ``matches`` every match of a search (no cursor)."""
    cursor = bool(page.cursor) and not matches
    bound = tuple(name for name, is_set in _BOUND_FILTERS.items() if is_set(getattr(filters, name)))
    key: tuple[Any, ...] = (bound, filters.city_wide, filters.has_smg_grant, filters.tokenism_risk)
    key += (filters.source, cursor, page.limit, matches)
    values: dict[str, Any] = {f"f_{name}": getattr(filters, name) for name in bound}
    if cursor and page.cursor:
        values["f_cursor"] = str(page.cursor[0])
    q = filters.q or ""
    if q:
        key += (search.postgresql_text_shape(q),)
        values.update(search.postgresql_text_values(q))
    compiled = _SHAPES.get(key)
    if compiled is None:
        stmt = _filtered((Project.code, _ITEM, _VERSION), filters, bound, cursor)
        if matches:
            stmt = _matches_statement(stmt, q)
        else:
            stmt = search.postgresql_text_filter(stmt, q) if q else stmt
            stmt = stmt.order_by(Project.code).limit(page.limit + 1)
        compiled = _compile(stmt)
        if len(_SHAPES) < _MAX_SHAPES:
            _SHAPES[key] = compiled
    return compiled, values


# The sorted matches of recent searches (filters incl. q → codes and ids), per registry version: the pages
# of one search are keyset slices of its match list, each read as its items by id. Collecting the matches
# costs in proportion to their number (up to SEARCH_MATCH_CAP); paid once per search and version instead
# of once per page (bench/rest: 19 ms of PostgreSQL CPU per page at 100k before).
_match_cache = VersionedCache(max_entries=32)
_ITEMS_BY_ID_STATEMENT = (
    select(Project.code, _ITEM)
    .where(Project.id == any_(bindparam("ids", type_=ARRAY(String()))))
    .order_by(Project.code)
)
_ITEMS_BY_ID = _compile(_ITEMS_BY_ID_STATEMENT)


# Searches seen to match more than SEARCH_MATCH_CAP projects: their pages walk the code index at once
# (collecting 8,001 matches only to learn that cost ~16 ms of PostgreSQL per page at 100k). A hint, not a
# result: whatever it says, the walk returns the same page; kept across versions (a common word stays
# common), bounded.
_OVER_CAP: OrderedDict[ProjectFilters, None] = OrderedDict()
_MAX_OVER_CAP = 1024


@dataclasses.dataclass(frozen=True)
class _Matches:
    codes: list[str]
    ids: list[str]


async def _search_matches(engine: AsyncEngine, filters: ProjectFilters) -> tuple[_Matches | None, int | None]:
    """The search's matches (None above SEARCH_MATCH_CAP) and the registry version they are of."""
    if _match_cache.holds(engine, filters):
        version = await current_version(engine)
        found: _Matches | None = _match_cache.get(engine, version, filters)
        if found is not None:
            return found, version
    compiled, values = _statement(filters, PageParams(limit=0), matches=True)
    rows = await readpool.fetch(engine, compiled.sql, compiled.args(values), custom_plans=True)
    version = int(rows[0]["registry_version"]) if rows and rows[0]["registry_version"] is not None else None
    if len(rows) > SEARCH_MATCH_CAP:
        return None, version
    found = _Matches([row["code"] for row in rows], [row["id"] for row in rows])
    _match_cache.put(engine, version, filters, found)
    return found, version


def _page_body(items: Sequence[Any], next_code: str | None) -> bytes:
    cursor = json.dumps(encode_cursor([next_code])).encode() if next_code is not None else b"null"
    return b'{"items":[' + b",".join(row["item_json"] for row in items) + b'],"next_cursor":' + cursor + b"}"


async def page_json_postgresql(
    engine: AsyncEngine, *, filters: ProjectFilters, page: PageParams
) -> tuple[bytes, int | None]:
    """One list page as the bytes of ``Page[ProjectRead]`` and the registry version it is of (None when not
    known; the page may be newer, never older): the stored items of the page's rows, read in one statement
    on the read pool. A search takes its page from the search's match list (:func:`_search_matches`), or
    walks the code index when the words match more than SEARCH_MATCH_CAP projects. The same items, values
    and order as :func:`list_projects`."""
    check_period(filters)
    if filters.q and filters not in _OVER_CAP:
        matches, version = await _search_matches(engine, filters)
        if matches is None:
            _OVER_CAP[filters] = None
            if len(_OVER_CAP) > _MAX_OVER_CAP:
                _OVER_CAP.popitem(last=False)
        else:
            start = bisect.bisect_right(matches.codes, str(page.cursor[0])) if page.cursor else 0
            ids = matches.ids[start : start + page.limit]
            if not ids:
                return _EMPTY_PAGE, version
            rows = await readpool.fetch(engine, _ITEMS_BY_ID.sql, [ids], custom_plans=True)
            more = start + page.limit < len(matches.ids)
            return _page_body(rows, rows[-1]["code"] if more and rows else None), version
    compiled, values = _statement(filters, page)
    rows = await readpool.fetch(engine, compiled.sql, compiled.args(values), custom_plans=bool(filters.q))
    if not rows:
        return _EMPTY_PAGE, None  # no row to carry the marker: not cached
    more = len(rows) > page.limit
    items = rows[: page.limit]
    version = rows[0]["registry_version"]
    return _page_body(items, items[-1]["code"] if more else None), None if version is None else int(version)


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
