"""Duplicate and overlap use cases: candidates of one project, the full scan, borough fragmentation."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, select, text, true, tuple_
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from cg_registry.districts import ensure_known_borough
from cg_registry.duplicates import scan as scanning
from cg_registry.duplicates.models import DuplicatePair
from cg_registry.duplicates.schemas import (
    ClusterProject,
    DuplicateCandidate,
    DuplicateCandidates,
    FragmentationCluster,
    FragmentationRead,
    ReasonRead,
    ScanSummary,
)
from cg_registry.duplicates.scoring import (
    CLUSTER_THRESHOLD,
    SUSPECT_THRESHOLD,
    DupProject,
    Match,
    double_funded,
    funding_streams,
    rank_candidates,
)
from cg_registry.projects.models import Project
from cg_shared.db import utcnow
from cg_shared.districts import DISTRICTS
from cg_shared.events.registry import ProjectDuplicateSuspected
from cg_shared.http import NotFound
from cg_shared.i18n import msg
from cg_shared.messaging.writer import add_all_to_outbox

_COLUMNS = (
    Project.id,
    Project.code,
    Project.title_ko,
    Project.sgg_code,
    Project.policy_field,
    Project.start_date,
    Project.end_date,
    Project.partners,
    Project.target_groups,
    Project.total_krw,
    Project.smg_grant_krw,
    Project.borough_krw,
    Project.national_krw,
    Project.private_krw,
)

_UNSET: Any = object()


_PG_DUP_SELECT = (
    # The server unpacks the JSON lists into text arrays (no json.loads here).
    "SELECT id, code, title_ko, sgg_code, policy_field, start_date, end_date, "
    "ARRAY(SELECT e->>'name' FROM jsonb_array_elements(partners::jsonb) e), "
    "ARRAY(SELECT jsonb_array_elements_text(target_groups::jsonb)), total_krw, "
    "smg_grant_krw, borough_krw, national_krw, private_krw FROM projects"
)


async def _driver(session: AsyncSession) -> Any:
    """The asyncpg connection of the session's transaction."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    return raw.driver_connection


def _area_sql(sgg_code: str | None, *, with_city: bool, first_arg: int) -> tuple[str, list[Any]]:
    """The WHERE clause of one area: a borough (and, ``with_city``, the city-wide projects covering it),
    or the city-wide projects (and, ``with_city``, every project: a city-wide programme covers all)."""
    if sgg_code is None:
        return ("", []) if with_city else (" WHERE sgg_code IS NULL", [])
    if with_city:
        return f" WHERE (sgg_code = ${first_arg} OR sgg_code IS NULL)", [sgg_code]
    return f" WHERE sgg_code = ${first_arg}", [sgg_code]


def _area_filter(sgg_code: str | None, *, with_city: bool) -> Any:
    if sgg_code is None:
        return true() if with_city else Project.sgg_code.is_(None)
    if with_city:
        return (Project.sgg_code == sgg_code) | Project.sgg_code.is_(None)
    return Project.sgg_code == sgg_code


async def _rows(session: AsyncSession, sgg_code: str | None, *, one_area: bool, with_city: bool) -> list[Any]:
    if session.get_bind().dialect.name == "postgresql":
        # The full scan reads 100,000 rows: asyncpg directly is ten times cheaper than ORM row
        # processing.
        sql = _PG_DUP_SELECT
        args: list[Any] = []
        if one_area:
            where, args = _area_sql(sgg_code, with_city=with_city, first_arg=1)
            sql += where
        driver = await _driver(session)
        records = await driver.fetch(sql + " ORDER BY code", *args)
        return list(records)
    stmt = select(*_COLUMNS)
    if one_area:
        stmt = stmt.where(_area_filter(sgg_code, with_city=with_city))
    return list(await session.execute(stmt.order_by(Project.code)))


def _dup_projects(rows: Iterable[Any]) -> list[DupProject]:
    return [
        DupProject.build(
            id=r[0],
            code=r[1],
            title_ko=r[2],
            sgg_code=r[3],
            policy_field=r[4],
            start_date=r[5],
            end_date=r[6],
            partners=r[7] or [],
            target_groups=r[8] or [],
            total_krw=r[9],
            funding=(r[10], r[11], r[12], r[13]),
        )
        for r in rows
    ]


async def load_dup_projects(
    session: AsyncSession, *, sgg_code: str | None = _UNSET, with_city: bool = False
) -> list[DupProject]:
    """Projects as scoring needs them: all of them, or one area (a borough, or ``None`` = city-wide);
    ``with_city`` widens a borough by the city-wide projects and the city-wide area to every project."""
    rows = await _rows(
        session,
        None if sgg_code is _UNSET else sgg_code,
        one_area=sgg_code is not _UNSET,
        with_city=with_city,
    )
    return _dup_projects(rows)


def _reasons(match: Match) -> list[ReasonRead]:
    return [ReasonRead(kind=r.kind, detail=r.detail, weight=round(r.weight, 4)) for r in match.reasons]


async def candidates(
    *, session: AsyncSession, project_id: str, min_score: float, limit: int
) -> DuplicateCandidates:
    """Ranked candidates for one project among the projects of its area (read-only: emits nothing)."""
    project = await session.get(Project, project_id)
    if project is None:
        raise NotFound(msg("no project with id {project_id}", project_id=project_id))
    # A borough project is compared with its borough and the city-wide (SMG-run) projects; a city-wide
    # one with the city-wide projects and, across all boroughs, the trigram-similar titles (the same
    # SQL blocking as the registration check: reading 100,000 rows per request is not an option).
    area = await load_dup_projects(session, sgg_code=project.sgg_code, with_city=project.sgg_code is not None)
    if project.sgg_code is None and (
        session.get_bind().dialect.name != "postgresql" or await _pg_trgm(session)
    ):
        known = {p.id for p in area}
        area += [p for p in await _similar_projects(session, None, project_id) if p.id not in known]
    subject = next(p for p in area if p.id == project_id)
    ranked = rank_candidates(subject, area, min_score=min_score)[:limit]
    return DuplicateCandidates(
        project_id=project.id,
        code=project.code,
        title_ko=project.title_ko,
        funding_streams=sorted(funding_streams(subject)),
        threshold=SUSPECT_THRESHOLD,
        candidates=[
            DuplicateCandidate(
                project_id=m.b.id,
                code=m.b.code,
                title_ko=m.b.title_ko,
                sgg_code=m.b.sgg_code,
                policy_field=m.b.policy_field,
                score=m.score,
                suspected=m.score >= SUSPECT_THRESHOLD,
                funding_streams=sorted(funding_streams(m.b)),
                double_funded=m.score >= SUSPECT_THRESHOLD and double_funded(subject, m.b),
                reasons=_reasons(m),
            )
            for m in ranked
        ],
    )


async def record_matches(session: AsyncSession, matches: Sequence[Match], *, emit: bool = True) -> int:
    """Remember pairs above the threshold; each pair raises ``duplicate_suspected`` once, ever."""
    if not matches:
        return 0
    known: set[tuple[str, str]] = set()
    pairs = [m.pair for m in matches]
    for start in range(0, len(pairs), 500):
        chunk = pairs[start : start + 500]
        rows = await session.execute(
            select(DuplicatePair.project_a, DuplicatePair.project_b).where(
                tuple_(DuplicatePair.project_a, DuplicatePair.project_b).in_(chunk)
            )
        )
        known.update((r.project_a, r.project_b) for r in rows)
    now = utcnow()
    fresh: list[Match] = []
    for match in matches:
        if match.pair not in known:
            known.add(match.pair)
            fresh.append(match)
    if not fresh:
        return 0
    # ON CONFLICT DO NOTHING: two transactions that find the same pair concurrently both pass the
    # check above; only the one whose row lands raises the event (RETURNING says which).
    dialect = session.get_bind().dialect.name
    upsert: Any = postgresql_insert if dialect == "postgresql" else sqlite_insert
    inserted: set[tuple[str, str]] = set()
    for start in range(0, len(fresh), 1000):
        rows = await session.execute(
            upsert(DuplicatePair)
            .on_conflict_do_nothing()
            .returning(DuplicatePair.project_a, DuplicatePair.project_b),
            [
                {
                    "project_a": m.pair[0],
                    "project_b": m.pair[1],
                    "score": m.score,
                    "reasons": [r.text() for r in m.reasons],
                    "detected_at": now,
                }
                for m in fresh[start : start + 1000]
            ],
        )
        inserted.update((r[0], r[1]) for r in rows)
    fresh = [m for m in fresh if m.pair in inserted]
    if emit:
        events = []
        for m in fresh:
            first, second = (m.a, m.b) if m.a.id == m.pair[0] else (m.b, m.a)
            suspected = ProjectDuplicateSuspected(
                project_id=first.id,
                candidate_id=second.id,
                sgg_code=first.sgg_code,
                score=m.score,
                reasons=[r.text() for r in m.reasons],
            )
            events.append((suspected, first.id))
        # The bulk writer: a full scan may find thousands of new pairs in one transaction.
        await add_all_to_outbox(session, events)
    return len(fresh)


# A registration's check retrieves only the projects of its area whose title key is trigram-similar
# (pg_trgm's similarity, GIN-indexed; SQLite: the same function) instead of scoring the whole borough,
# so its cost does not grow with the borough. Blocking at 0.3 (pg_trgm's default threshold) keeps
# every pair the exhaustive check finds on the 100,000-project seed: a pair can only reach the suspect
# threshold with a title similarity ≥ 0.796, and the lowest trigram similarity among such pairs there
# is 0.35 (bench/rest/post.py measures the POST rate at two registry sizes).
CANDIDATE_TRIGRAM_SIMILARITY = 0.3
# From this many new projects in one area (an import) one read of the whole area is cheaper.
AREA_READ_FROM = 25
_trgm_installed: dict[str, bool] = {}

_PG_SIMILAR = " AND (id = $1 OR dup_key % (SELECT dup_key FROM projects WHERE id = $1)) ORDER BY code"


async def _pg_trgm(session: AsyncSession) -> bool:
    url = str(session.get_bind().engine.url)
    if url not in _trgm_installed:
        found = await session.scalar(text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'"))
        _trgm_installed[url] = bool(found)
    return _trgm_installed[url]


async def _similar_projects(session: AsyncSession, sgg_code: str | None, project_id: str) -> list[DupProject]:
    """The project and the projects of its area whose title key is trigram-similar to its own; the area
    of a borough project includes the city-wide projects, that of a city-wide project every project."""
    if session.get_bind().dialect.name == "postgresql":
        driver = await _driver(session)
        await driver.execute(
            f"SELECT set_config('pg_trgm.similarity_threshold', '{CANDIDATE_TRIGRAM_SIMILARITY}', true)"
        )
        where, args = _area_sql(sgg_code, with_city=True, first_arg=2)
        similar = (_PG_SIMILAR if where else _PG_SIMILAR.replace(" AND ", " WHERE ", 1)).lstrip()
        rows: list[Any] = list(await driver.fetch(f"{_PG_DUP_SELECT}{where} {similar}", project_id, *args))
    else:
        own_key = select(Project.dup_key).where(Project.id == project_id).scalar_subquery()
        stmt = select(*_COLUMNS).where(
            _area_filter(sgg_code, with_city=True),
            (Project.id == project_id)
            | (func.cg_trgm_similarity(Project.dup_key, own_key) >= CANDIDATE_TRIGRAM_SIMILARITY),
        )
        rows = list(await session.execute(stmt.order_by(Project.code)))
    return _dup_projects(rows)


async def check_projects(
    session: AsyncSession,
    project_ids: Iterable[str],
    *,
    emit: bool = True,
    area_read_from: int = AREA_READ_FROM,
) -> int:
    """Score freshly written projects against their areas and record suspected pairs (in-transaction).

    From ``area_read_from`` projects of one area the whole area is read once instead of the similar
    titles of each (imports); the registration checker keeps to the per-project lookups, whose cost does
    not grow with the borough."""
    ids = set(project_ids)
    if not ids:
        return 0
    await session.flush()
    by_area: dict[str | None, list[str]] = defaultdict(list)
    for row in await session.execute(select(Project.id, Project.sgg_code).where(Project.id.in_(list(ids)))):
        by_area[row.sgg_code].append(row.id)
    postgresql = session.get_bind().dialect.name == "postgresql"
    matches: list[Match] = []
    for area, subjects in by_area.items():
        if len(subjects) >= area_read_from or (postgresql and not await _pg_trgm(session)):
            peers = await load_dup_projects(session, sgg_code=area, with_city=True)
            for subject in (p for p in peers if p.id in ids):
                matches.extend(rank_candidates(subject, peers, min_score=SUSPECT_THRESHOLD))
            continue
        for subject_id in sorted(subjects):
            peers = await _similar_projects(session, area, subject_id)
            subject = next(p for p in peers if p.id == subject_id)
            matches.extend(rank_candidates(subject, peers, min_score=SUSPECT_THRESHOLD))
    return await record_matches(session, matches, emit=emit)


async def scan_all(session: AsyncSession, *, emit: bool = True, record: bool = True) -> ScanSummary:
    """The full blocked scan over every project (CLI ``duplicates-scan`` and the benchmark)."""
    import time

    started = time.perf_counter()
    projects = await load_dup_projects(session)
    loaded = time.perf_counter() - started
    matches, stats = scanning.scan(projects, min_score=SUSPECT_THRESHOLD)
    new_pairs = await record_matches(session, matches, emit=emit) if record else 0
    return ScanSummary(
        projects=stats.projects,
        blocks=stats.blocks,
        comparisons=stats.comparisons,
        candidates=stats.candidates,
        suspected_pairs=stats.matches,
        new_pairs=new_pairs,
        load_seconds=round(loaded, 3),
        scan_seconds=stats.seconds,
        total_seconds=round(time.perf_counter() - started, 3),
    )


async def fragmentation(*, session: AsyncSession, sgg_code: str, min_score: float) -> FragmentationRead:
    ensure_known_borough(sgg_code, field="path.sgg_code")
    projects = await load_dup_projects(session, sgg_code=sgg_code)
    by_id = {p.id: p for p in projects}
    matches, _ = scanning.scan(projects, min_score=min(min_score, CLUSTER_THRESHOLD), workers=1)
    matches = [m for m in matches if m.score >= min_score]
    clusters: list[FragmentationCluster] = []
    for members in scanning.clusters(matches):
        group = sorted((by_id[i] for i in members), key=lambda p: p.code)
        inside = [m for m in matches if m.a.id in members and m.b.id in members]
        partners = set.intersection(*(set(p.partners) for p in group)) if group else set()
        fields = sorted({p.policy_field for p in group})
        clusters.append(
            FragmentationCluster(
                size=len(group),
                total_krw=sum(p.total_krw for p in group),
                policy_fields=fields,
                partners_in_common=sorted(partners),
                max_score=max(m.score for m in inside),
                projects=[
                    ClusterProject(
                        project_id=p.id,
                        code=p.code,
                        title_ko=p.title_ko,
                        policy_field=p.policy_field,
                        start_date=p.start_date,
                        end_date=p.end_date,
                        total_krw=p.total_krw,
                    )
                    for p in group
                ],
            )
        )
    clusters.sort(key=lambda c: (-c.total_krw, c.projects[0].code))
    total = sum(p.total_krw for p in projects)
    clustered_krw = sum(c.total_krw for c in clusters)
    district = DISTRICTS[sgg_code]
    return FragmentationRead(
        sgg_code=sgg_code,
        name_ko=district.name_ko,
        name_en=district.name_en,
        min_score=min_score,
        project_count=len(projects),
        total_krw=total,
        cluster_count=len(clusters),
        clustered_project_count=sum(c.size for c in clusters),
        clustered_krw=clustered_krw,
        clustered_krw_share=round(clustered_krw / total, 3) if total else 0.0,
        clusters=clusters,
    )


async def scan_database(database_url: str, *, emit: bool = True, record: bool = True) -> ScanSummary:
    """Open the database, run the full scan in one transaction, close it (CLI and benchmarks)."""
    from cg_shared.db import create_engine, make_sessionmaker

    engine = create_engine(database_url, pool_size=1)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            return await scan_all(session, emit=emit, record=record)
    finally:
        await engine.dispose()
