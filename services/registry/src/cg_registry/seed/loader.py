"""Load the seed into a database in bulk (Core ``INSERT`` executemany, one transaction).

Events: each seeded project gets a ``project.registered`` outbox row (1,126 at the default scale), so
planning's and budget's read models fill exactly as if the projects had been registered through the
API. Benchmark-sized runs can skip them with ``emit_events=False`` (``--no-events``): 100,000 events
would only measure the relay. Seeded assessments do not emit ``project.assessed`` (no consumer needs
them; the registry's own statistics read the maintained columns). One audit row records the run.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Table, bindparam, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from cg_registry.assessments.models import Assessment
from cg_registry.projects.models import CodeCounter, FundingLine, Project, ProjectHistory
from cg_registry.seed.generator import SEED_ACTOR, SeedData, generate
from cg_registry.state import mark_changed
from cg_shared.audit import record_audit
from cg_shared.db import create_engine, json_dumps, make_sessionmaker
from cg_shared.events.registry import FundingLineData, ProjectRegistered
from cg_shared.messaging.writer import add_all_to_outbox

CHUNK = 5_000
# The tables the seed fills in bulk (PostgreSQL: COPY); their indexes and keys, and the foreign keys
# touching them, are set aside for the load and rebuilt once at the end.
BULK_TABLES = ("projects", "funding_lines", "assessments", "project_history")


class SeedRefused(Exception):
    """The database already holds projects: seeding would break the published aggregates."""


@dataclass(frozen=True)
class SeedResult:
    skipped: bool
    projects: int = 0
    funding_lines: int = 0
    assessments: int = 0
    events: int = 0
    total_krw: int = 0
    generate_seconds: float = 0.0
    insert_seconds: float = 0.0

    @property
    def rows_per_second(self) -> float:
        return self.projects / self.insert_seconds if self.insert_seconds else 0.0


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


async def _bulk(session: AsyncSession, table: Table, rows: list[dict[str, Any]]) -> None:
    """Core INSERT executemany in chunks; on PostgreSQL the binary COPY protocol instead (same
    transaction, ~5x faster: the benchmark loads 100,000 projects with their lines)."""
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        await _copy(session, table, rows)
        return
    for start in range(0, len(rows), CHUNK):
        await session.execute(insert(table), rows[start : start + CHUNK])


def _records(table: Table, rows: list[dict[str, Any]]) -> tuple[list[str], list[tuple[Any, ...]]]:
    """COPY records of ``rows``: built column by column with C-level map/zip (a Python expression per
    value cost more than the COPY itself)."""
    columns = [c for c in table.columns if c.key in rows[0]]
    values: list[list[Any]] = []
    for column in columns:
        cells = list(map(itemgetter(column.key), rows))
        values.append(list(map(json_dumps, cells)) if isinstance(column.type, JSON) else cells)
    return [c.name for c in columns], list(zip(*values, strict=True))


async def _copy_records(
    session: AsyncSession, table: Table, prepared: tuple[list[str], list[tuple[Any, ...]]]
) -> None:
    columns, records = prepared
    if not records:
        return
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection
    await driver.copy_records_to_table(table.name, records=records, columns=columns)


async def _copy(session: AsyncSession, table: Table, rows: list[dict[str, Any]]) -> None:
    await _copy_records(session, table, _records(table, rows))


_CONSTRAINTS_SQL = (
    "SELECT conname, conrelid::regclass::text AS tab, pg_get_constraintdef(oid) AS ddl FROM pg_constraint "
    "WHERE connamespace = current_schema()::regnamespace AND contype::text = ANY(:kinds) "
    "AND (conrelid::regclass::text = ANY(:tables) OR (contype = 'f' AND confrelid::regclass::text = ANY(:tables))) "
    "ORDER BY conname"
)
_INDEXES_SQL = (
    "SELECT i.indexrelid::regclass::text AS name, t.relname AS tab, pg_get_indexdef(i.indexrelid) AS ddl "
    "FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid "
    "WHERE t.relnamespace = current_schema()::regnamespace AND t.relname = ANY(:tables) "
    "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1"
)


@dataclass(frozen=True)
class _SetAside:
    """DDL restoring what :func:`_set_aside_indexes` dropped: the projects' keys and indexes, then the
    other tables' keys and indexes and every foreign key."""

    projects: list[str]
    rest: list[str]


async def _set_aside_indexes(session: AsyncSession) -> _SetAside:
    """Drop the indexes and primary/unique keys of :data:`BULK_TABLES` and the foreign keys on or to them.

    Filling tables without indexes and then building each index once (a sort) is several times cheaper
    than updating every index for every row, and re-adding a foreign key checks all rows with one join
    instead of a lookup per row. All in the seed's transaction: a failure leaves the schema as it was."""
    tables = list(BULK_TABLES)
    foreign = list(await session.execute(text(_CONSTRAINTS_SQL), {"kinds": ["f"], "tables": tables}))
    keys = list(await session.execute(text(_CONSTRAINTS_SQL), {"kinds": ["p", "u"], "tables": tables}))
    indexes = list(await session.execute(text(_INDEXES_SQL), {"tables": tables}))
    for constraint in [*foreign, *keys]:
        await session.execute(text(f'ALTER TABLE {constraint.tab} DROP CONSTRAINT "{constraint.conname}"'))
    for index in indexes:
        await session.execute(text(f"DROP INDEX {index.name}"))
    restore = [
        *((key.tab, f'ALTER TABLE {key.tab} ADD CONSTRAINT "{key.conname}" {key.ddl}') for key in keys),
        *((index.tab, index.ddl) for index in indexes),
    ]
    return _SetAside(
        projects=[ddl for table, ddl in restore if table == "projects"],
        rest=[ddl for table, ddl in restore if table != "projects"]
        + [f'ALTER TABLE {fk.tab} ADD CONSTRAINT "{fk.conname}" {fk.ddl}' for fk in foreign],
    )


async def _execute_all(session: AsyncSession, statements: list[str]) -> None:
    for statement in statements:
        await session.execute(text(statement))


def _history_rows(data: SeedData) -> list[dict[str, Any]]:
    return [
        {
            "project_id": p["id"],
            "version": 1,
            "at": p["created_at"],
            "actor": SEED_ACTOR,
            "action": "registered",
            "changes": {"seed": {"before": None, "after": p["code"]}},
        }
        for p in data.projects
    ]


def _prepare_after_projects(data: SeedData) -> list[tuple[Table, tuple[list[str], list[tuple[Any, ...]]]]]:
    return [
        (_table(Assessment), _records(_table(Assessment), data.assessments)),
        (_table(ProjectHistory), _records(_table(ProjectHistory), _history_rows(data))),
    ]


# The list items as JSON (migration 0010_registry_item_json): its triggers rebuild an item per row and per
# funding-line statement, which for a COPY of 100,000 projects means a correlated lookup each. The load
# disables them and builds every item once from one aggregation of the lines (the triggers' own view and
# function, so the text is the same), before the projects' indexes exist (no index maintenance).
_ITEM_TRIGGERS = (
    ("projects", "registry_item_json_row"),
    ("funding_lines", "registry_item_json_lines_insert"),
    ("funding_lines", "registry_item_json_lines_update"),
    ("funding_lines", "registry_item_json_lines_delete"),
)
_FILL_ITEM_JSON = (
    "UPDATE projects p SET item_json = registry_item_json(p, v.lines, v.budget_line_ids) "
    "FROM registry_item_lines v WHERE v.project_id = p.id",
    "UPDATE projects p SET item_json = registry_item_json(p, NULL, NULL) WHERE p.item_json IS NULL",
)


async def _item_triggers(session: AsyncSession, action: str) -> bool:
    """ENABLE or DISABLE the item JSON triggers; False when the schema predates them."""
    found = await session.scalar(
        text("SELECT count(*) FROM pg_trigger WHERE tgname = 'registry_item_json_row'")
    )
    if not found:
        return False
    for table, trigger in _ITEM_TRIGGERS:
        await session.execute(text(f"ALTER TABLE {table} {action} TRIGGER {trigger}"))
    return True


async def _load_postgresql(session: AsyncSession, data: SeedData) -> None:
    """COPY into bare tables; PostgreSQL builds the projects' indexes while this process prepares the
    records of the other tables (a thread: the event loop only waits for the server meanwhile)."""
    await session.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))  # sort-based builds
    set_aside = await _set_aside_indexes(session)
    items = await _item_triggers(session, "DISABLE")
    await _copy(session, _table(Project), data.projects)
    await _bulk(session, _table(FundingLine), data.funding_lines)
    if items:
        await _execute_all(session, list(_FILL_ITEM_JSON))
    _, prepared = await asyncio.gather(
        _execute_all(session, set_aside.projects), asyncio.to_thread(_prepare_after_projects, data)
    )
    for table, records in prepared:
        await _copy_records(session, table, records)
    await _execute_all(session, set_aside.rest)
    if items:
        await _item_triggers(session, "ENABLE")


def _registered_events(data: SeedData) -> list[tuple[ProjectRegistered, str]]:
    lines: dict[str, list[FundingLineData]] = {}
    for line in data.funding_lines:
        lines.setdefault(line["project_id"], []).append(
            FundingLineData(
                source=line["source"], fiscal_year=line["fiscal_year"], amount_krw=line["amount_krw"]
            )
        )
    events = []
    for p in data.projects:
        registered = ProjectRegistered(
            project_id=p["id"],
            code=p["code"],
            title_ko=p["title_ko"],
            title_en=p["title_en"],
            sgg_code=p["sgg_code"],
            policy_field=p["policy_field"],
            origin=p["origin"],
            status=p["status"],
            lead_department=p["lead_department"],
            partner_organisations=[q["name"] for q in p["partners"]],
            target_groups=p["target_groups"],
            start_date=p["start_date"],
            end_date=p["end_date"],
            total_krw=p["total_krw"],
            funding_lines=lines.get(p["id"], []),
            version=1,
        )
        events.append((registered, p["id"]))
    return events


async def seed(
    session: AsyncSession, *, scale: int | None = None, emit_events: bool = True, if_empty: bool = False
) -> SeedResult:
    """Insert the seed in the caller's transaction."""
    existing = await session.scalar(select(func.count()).select_from(Project))
    if existing:
        if if_empty:
            return SeedResult(skipped=True)
        raise SeedRefused(f"the registry already holds {existing} projects; seed an empty database")
    started = time.perf_counter()
    data = generate(scale)
    generated = time.perf_counter()
    mark_changed(session)  # COPY bypasses the session's write tracking: cached statistics must go
    if session.get_bind().dialect.name == "postgresql":
        await _load_postgresql(session, data)
    else:
        await _bulk(session, _table(Project), data.projects)
        await _bulk(session, _table(FundingLine), data.funding_lines)
        await _bulk(session, _table(Assessment), data.assessments)
        await _bulk(session, _table(ProjectHistory), _history_rows(data))
    counters = _table(CodeCounter)
    await session.execute(
        update(counters).where(counters.c.prefix == bindparam("p")).values(last_value=bindparam("v")),
        [{"p": prefix, "v": value} for prefix, value in sorted(data.counters.items())],
    )
    events = await add_all_to_outbox(session, _registered_events(data)) if emit_events else []
    record_audit(
        session,
        actor=SEED_ACTOR,
        action="registry.seed",
        entity_type="registry",
        entity_id=None,
        after={
            "scale": scale,
            "projects": len(data.projects),
            "funding_lines": len(data.funding_lines),
            "assessments": len(data.assessments),
            "total_krw": data.total_krw,
            "events": len(events),
        },
    )
    await session.flush()
    return SeedResult(
        skipped=False,
        projects=len(data.projects),
        funding_lines=len(data.funding_lines),
        assessments=len(data.assessments),
        events=len(events),
        total_krw=data.total_krw,
        generate_seconds=round(generated - started, 3),
        insert_seconds=round(time.perf_counter() - generated, 3),
    )


async def seed_database(
    database_url: str, *, scale: int | None = None, emit_events: bool = True, if_empty: bool = False
) -> SeedResult:
    """Open the database, seed it in one transaction, close it (CLI and benchmarks)."""
    engine = create_engine(database_url, pool_size=1)
    try:
        sessions = make_sessionmaker(engine)
        async with sessions() as session, session.begin():
            result = await seed(session, scale=scale, emit_events=emit_events, if_empty=if_empty)
        if engine.dialect.name == "postgresql" and not result.skipped:
            # Planner statistics and the visibility map right away (autovacuum may lag a bulk load):
            # statistics are answered by index-only scans, which need all-visible pages.
            async with engine.connect() as conn:
                autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
                await autocommit.exec_driver_sql("VACUUM (ANALYZE) projects, funding_lines, assessments")
        return result
    finally:
        await engine.dispose()
