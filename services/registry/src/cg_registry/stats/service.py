"""Registry statistics, aggregated in SQL over maintained per-project columns.

Every figure comes from one scan of ``projects``: totals, per-source amounts, the SMG flag and the
assessment summary are columns kept current on every write, so no join with ``funding_lines`` is needed.
PostgreSQL computes all breakdowns in that single pass with ``GROUPING SETS`` (one small hash table per
dimension); SQLite, which lacks them, groups by all five dimensions and the breakdowns are rolled up in
Python. With ``fiscal_year`` a project counts when it has funding lines in that year, and its worth is
the sum of those lines (a grouped subquery over the ``(fiscal_year, project_id)`` index).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from typing import Any

from sqlalchemy import ColumnElement, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from cg_registry.assessments.rubric import Iap2Level
from cg_registry.districts import ensure_known_borough
from cg_registry.domain import POLICY_FIELDS, FundingSource
from cg_registry.projects.models import FundingLine, Project
from cg_registry.state import VersionedCache, current_version
from cg_registry.stats.schemas import Bucket, SourceBucket, StatsSummary, TokenismMetrics
from cg_shared.districts import DISTRICTS

_DIMENSIONS = ("sgg_code", "policy_field", "origin", "iap2_level", "status")
_SOURCES = tuple(FundingSource)


@dataclass
class _Acc:
    project_count: int = 0
    total_krw: int = 0
    smg_count: int = 0
    smg_total_krw: int = 0
    assessed: int = 0
    tokenism: int = 0
    public_led: int = 0
    # per funding source: projects with money from it, and the amount
    source_projects: list[int] = field(default_factory=lambda: [0] * len(_SOURCES))
    source_krw: list[int] = field(default_factory=lambda: [0] * len(_SOURCES))

    @classmethod
    def from_row(cls, values: Iterable[Any]) -> _Acc:
        numbers = [int(v or 0) for v in values]
        n = len(_SOURCES)
        return cls(
            project_count=numbers[0],
            total_krw=numbers[1],
            smg_count=numbers[2],
            smg_total_krw=numbers[3],
            assessed=numbers[4],
            tokenism=numbers[5],
            public_led=numbers[6],
            source_projects=numbers[7 : 7 + n],
            source_krw=numbers[7 + n : 7 + 2 * n],
        )

    @classmethod
    def bucket(cls, values: Iterable[Any]) -> _Acc:
        """Only the four figures a breakdown bucket shows."""
        count, total, smg_count, smg_total = (int(v or 0) for v in values)
        return cls(project_count=count, total_krw=total, smg_count=smg_count, smg_total_krw=smg_total)

    def add(self, other: _Acc) -> None:
        for f in fields(self):
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            if isinstance(mine, list):
                setattr(self, f.name, [a + b for a, b in zip(mine, theirs, strict=True)])
            else:
                setattr(self, f.name, mine + theirs)


def _share(part: int, whole: int) -> float:
    return round(part / whole, 3) if whole else 0.0


def _measures(*, sgg_code: str | None, fiscal_year: int | None) -> tuple[list[ColumnElement[Any]], Any]:
    """The aggregate columns (in :class:`_Acc` order; the first four are the bucket figures) and FROM."""
    source_amounts: list[Any]
    if fiscal_year is None:
        total: Any = Project.total_krw
        source_amounts = [
            Project.smg_grant_krw,
            Project.borough_krw,
            Project.national_krw,
            Project.private_krw,
        ]
        from_clause: Any = Project
    else:
        per_year = (
            select(
                FundingLine.project_id.label("project_id"),
                func.sum(FundingLine.amount_krw).label("total"),
                *(
                    func.sum(FundingLine.amount_krw).filter(FundingLine.source == s.value).label(s.value)
                    for s in _SOURCES
                ),
            )
            .where(FundingLine.fiscal_year == fiscal_year)
            .group_by(FundingLine.project_id)
        )
        if sgg_code is not None:
            per_year = per_year.where(
                FundingLine.project_id.in_(select(Project.id).where(Project.sgg_code == sgg_code))
            )
        sub = per_year.subquery()
        total = sub.c.total
        source_amounts = [func.coalesce(sub.c[s.value], 0) for s in _SOURCES]
        from_clause = Project.__table__.join(sub, sub.c.project_id == Project.id)
    has_smg = source_amounts[0] > 0
    # FILTER (PostgreSQL, SQLite ≥ 3.30) aggregates a subset without a CASE per row.
    measures = [
        func.count(),
        func.sum(total),
        func.count().filter(has_smg),
        func.sum(total).filter(has_smg),
        func.count().filter(Project.iap2_level.is_not(None)),
        func.count().filter(Project.tokenism_risk.is_(True)),
        func.count().filter(Project.public_led.is_(True)),
        *(func.count().filter(amount > 0) for amount in source_amounts),
        *(func.sum(amount) for amount in source_amounts),
    ]
    return measures, from_clause


async def _aggregate(
    session: AsyncSession, *, sgg_code: str | None, fiscal_year: int | None
) -> tuple[_Acc, dict[str, dict[Any, _Acc]]]:
    measures, from_clause = _measures(sgg_code=sgg_code, fiscal_year=fiscal_year)
    dims = [getattr(Project, d) for d in _DIMENSIONS]
    overall = _Acc()
    per: dict[str, dict[Any, _Acc]] = {d: defaultdict(_Acc) for d in _DIMENSIONS}
    width = len(_DIMENSIONS)

    def scoped(stmt: Any) -> Any:
        return stmt.where(Project.sgg_code == sgg_code) if sgg_code is not None else stmt

    if fiscal_year is None and session.get_bind().dialect.name == "postgresql":
        # Two index-only scans of ix_projects_stats (it covers the dimensions and every measured
        # column): the grand total with all measures, and one hash table per breakdown (GROUPING
        # SETS) with only the four bucket figures.
        overall = _Acc.from_row(next(iter(await session.execute(scoped(select(*measures))))))
        breakdowns = select(*dims, func.grouping(*dims).label("set_mask"), *measures[:4]).group_by(
            func.grouping_sets(*(tuple_(d) for d in dims))
        )
        for row in await session.execute(scoped(breakdowns)):
            mask = row[width]
            # The one dimension grouped in this row has its bit cleared (leftmost column = highest bit).
            index = next(i for i in range(width) if not mask & (1 << (width - 1 - i)))
            per[_DIMENSIONS[index]][row[index]] = _Acc.bucket(row[width + 1 :])
        return overall, per
    # SQLite (no GROUPING SETS) and fiscal-year figures: all dimensions at once, rolled up here.
    stmt = scoped(select(*dims, *measures).select_from(from_clause).group_by(*dims))
    for row in await session.execute(stmt):
        acc = _Acc.from_row(row[width:])
        overall.add(acc)
        for dimension, key in zip(_DIMENSIONS, row[:width], strict=True):
            per[dimension][key].add(acc)
    return overall, per


def _label(dimension: str, key: Any) -> tuple[str | None, str | None]:
    if dimension == "sgg_code":
        if key is None:
            return "서울특별시 (시 전역)", "Seoul (city-wide)"
        district = DISTRICTS.get(key)
        return (district.name_ko, district.name_en) if district else (None, None)
    if dimension == "policy_field":
        pf = POLICY_FIELDS.get(key)
        return (pf.name_ko, pf.name_en) if pf else (None, None)
    if dimension == "iap2_level":
        return (None, "unassessed") if key is None else (None, Iap2Level(key).name.lower())
    return None, None


def _buckets(dimension: str, accs: dict[Any, _Acc]) -> list[Bucket]:
    def order(item: tuple[Any, _Acc]) -> tuple[int, str]:
        key = item[0]
        return (1, "") if key is None else (0, f"{key:>5}" if isinstance(key, int) else str(key))

    buckets = []
    for key, acc in sorted(accs.items(), key=order):
        label_ko, label_en = _label(dimension, key)
        buckets.append(
            Bucket(
                key=key,
                label_ko=label_ko,
                label_en=label_en,
                project_count=acc.project_count,
                total_krw=acc.total_krw,
                smg_grant_project_count=acc.smg_count,
                smg_grant_project_krw=acc.smg_total_krw,
            )
        )
    return buckets


async def summary(*, session: AsyncSession, sgg_code: str | None, fiscal_year: int | None) -> StatsSummary:
    ensure_known_borough(sgg_code, field="query.sgg_code")
    overall, per = await _aggregate(session, sgg_code=sgg_code, fiscal_year=fiscal_year)
    smg_index = _SOURCES.index(FundingSource.SMG_GRANT)
    return StatsSummary(
        sgg_code=sgg_code,
        fiscal_year=fiscal_year,
        project_count=overall.project_count,
        total_krw=overall.total_krw,
        smg_grant_project_count=overall.smg_count,
        smg_grant_project_krw=overall.smg_total_krw,
        smg_grant_project_share=_share(overall.smg_count, overall.project_count),
        smg_grant_project_krw_share=_share(overall.smg_total_krw, overall.total_krw),
        smg_grant_amount_krw=overall.source_krw[smg_index],
        smg_grant_amount_share=_share(overall.source_krw[smg_index], overall.total_krw),
        by_borough=_buckets("sgg_code", per["sgg_code"]),
        by_funding_source=[
            SourceBucket(
                source=s.value, project_count=overall.source_projects[i], amount_krw=overall.source_krw[i]
            )
            for i, s in enumerate(_SOURCES)
        ],
        by_policy_field=_buckets("policy_field", per["policy_field"]),
        by_origin=_buckets("origin", per["origin"]),
        by_iap2_level=_buckets("iap2_level", per["iap2_level"]),
        by_status=_buckets("status", per["status"]),
        tokenism=TokenismMetrics(
            assessed_count=overall.assessed,
            tokenism_risk_count=overall.tokenism,
            tokenism_risk_share=_share(overall.tokenism, overall.assessed),
            public_led_count=overall.public_led,
            public_led_share=_share(overall.public_led, overall.project_count),
        ),
    )


@dataclass(frozen=True)
class SummaryResponse:
    """A summary as the JSON body to send, and the registry version it is valid for (None: uncached)."""

    body: bytes
    version: int | None


# The figures are public open data that change only with writes; every write transaction bumps the
# registry version, so an entry is reused exactly while nothing it depends on has changed — in every
# process, since the marker lives in the database. At most 26 × 101 filter keys.
_cache = VersionedCache(max_entries=26 * 101)


async def summary_response(
    *,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    sgg_code: str | None,
    fiscal_year: int | None,
) -> SummaryResponse:
    ensure_known_borough(sgg_code, field="query.sgg_code")
    # The marker is read before the figures: if a write commits in between, the figures are newer than
    # the version they are stored under, never older (the next reader sees the new version and recomputes).
    version = await current_version(engine)
    key = (sgg_code, fiscal_year)
    cached = _cache.get(engine, version, key)
    if cached is not None:
        return SummaryResponse(body=cached, version=version)
    async with sessions() as session:
        figures = await summary(session=session, sgg_code=sgg_code, fiscal_year=fiscal_year)
    body = figures.model_dump_json().encode()
    _cache.put(engine, version, key, body)
    return SummaryResponse(body=body, version=version)
