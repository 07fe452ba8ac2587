"""Load the seed into a database in bulk (Core ``INSERT`` executemany, one transaction).

Events: each seeded project gets a ``project.registered`` outbox row (1,126 at the default scale), so
planning's and budget's read models fill exactly as if the projects had been registered through the
API. Benchmark-sized runs can skip them with ``emit_events=False`` (``--no-events``): 100,000 events
would only measure the relay. Seeded assessments do not emit ``project.assessed`` (no consumer needs
them; the registry's own statistics read the maintained columns). One audit row records the run.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, Table, bindparam, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from cg_registry.assessments.models import Assessment
from cg_registry.projects.models import CodeCounter, FundingLine, Project, ProjectHistory
from cg_registry.seed.generator import SEED_ACTOR, SeedData, generate
from cg_registry.state import mark_changed
from cg_shared.audit import record_audit
from cg_shared.db import create_engine, json_dumps, make_sessionmaker, utcnow
from cg_shared.events.envelope import make_event
from cg_shared.events.registry import FundingLineData, ProjectRegistered
from cg_shared.messaging.tables import OutboxMessage

CHUNK = 5_000
# GIN indexes of migrations 0002 and 0004 (the trigram ones only when pg_trgm was available): dropped for a bulk
# load and rebuilt once at the end, which is far cheaper than 100,000 incremental GIN updates.
SEARCH_INDEXES = {
    "ix_projects_search_text_trgm": "CREATE INDEX ix_projects_search_text_trgm ON projects "
    "USING gin (search_text gin_trgm_ops)",
    "ix_projects_search_bigrams": "CREATE INDEX ix_projects_search_bigrams ON projects USING gin (search_bigrams)",
    "ix_projects_dup_key_trgm": "CREATE INDEX ix_projects_dup_key_trgm ON projects "
    "USING gin (dup_key gin_trgm_ops)",
}


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


async def _copy(session: AsyncSession, table: Table, rows: list[dict[str, Any]]) -> None:
    columns = [c for c in table.columns if c.key in rows[0]]
    json_columns = {c.key for c in columns if isinstance(c.type, JSON)}
    records = [
        tuple(json_dumps(row[c.key]) if c.key in json_columns else row[c.key] for c in columns)
        for row in rows
    ]
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection
    await driver.copy_records_to_table(table.name, records=records, columns=[c.name for c in columns])


async def _drop_search_indexes(session: AsyncSession) -> list[str]:
    """Drop the GIN search indexes for the load; returns the DDL to rebuild the ones that existed."""
    if session.get_bind().dialect.name != "postgresql":
        return []
    found = set(
        (
            await session.execute(
                text(
                    "SELECT indexname FROM pg_indexes WHERE tablename = 'projects' AND indexname = ANY(:names)"
                ),
                {"names": list(SEARCH_INDEXES)},
            )
        ).scalars()
    )
    for name in sorted(found):
        await session.execute(text(f"DROP INDEX {name}"))
    return [SEARCH_INDEXES[name] for name in sorted(found)]


def _registered_events(data: SeedData) -> list[dict[str, Any]]:
    lines: dict[str, list[FundingLineData]] = {}
    for line in data.funding_lines:
        lines.setdefault(line["project_id"], []).append(
            FundingLineData(
                source=line["source"], fiscal_year=line["fiscal_year"], amount_krw=line["amount_krw"]
            )
        )
    now = utcnow()
    rows = []
    for p in data.projects:
        event = make_event(
            ProjectRegistered(
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
            ),
            subject=p["id"],
        )
        rows.append(
            {
                "event_id": event.id,
                "event_type": event.type,
                "topic": ProjectRegistered.topic,
                "key": p["id"],
                "payload": event.to_json().decode(),
                "created_at": now,
                "attempts": 0,
            }
        )
    return rows


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
    rebuild = await _drop_search_indexes(session)
    mark_changed(session)  # COPY bypasses the session's write tracking: cached statistics must go
    await _bulk(session, _table(Project), data.projects)
    await _bulk(session, _table(FundingLine), data.funding_lines)
    await _bulk(session, _table(Assessment), data.assessments)
    await _bulk(
        session,
        _table(ProjectHistory),
        [
            {
                "project_id": p["id"],
                "version": 1,
                "at": p["created_at"],
                "actor": SEED_ACTOR,
                "action": "registered",
                "changes": {"seed": {"before": None, "after": p["code"]}},
            }
            for p in data.projects
        ],
    )
    counters = _table(CodeCounter)
    await session.execute(
        update(counters).where(counters.c.prefix == bindparam("p")).values(last_value=bindparam("v")),
        [{"p": prefix, "v": value} for prefix, value in sorted(data.counters.items())],
    )
    events = _registered_events(data) if emit_events else []
    await _bulk(session, _table(OutboxMessage), events)
    if rebuild:
        # One sort-based GIN build each; more memory than the default 64 MB halves the time at 100k rows.
        await session.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
        for ddl in rebuild:
            await session.execute(text(ddl))
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
