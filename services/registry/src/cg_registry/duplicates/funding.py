"""Overlaps across funding streams (issue 17, problem 2 of the seed): per borough and city-wide.

Reads the suspected pairs the registration checks and the full scan recorded (``duplicate_pairs``,
score ≥ the suspect threshold), so these figures agree with ``GET /v1/boroughs``. Money sits "in an
overlap cluster" when its project is in at least one such pair; a pair looks *double-funded* when both
projects take public money and share no public stream (an SMG-run city-wide programme and a
borough project paying for the same purpose, or SMG grant, borough and national money on copies).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from cg_registry.districts import ensure_known_borough
from cg_registry.duplicates import scan as scanning
from cg_registry.duplicates.models import DuplicatePair
from cg_registry.duplicates.schemas import (
    BoroughFundingOverlaps,
    BoroughOverlapRow,
    CityFundingOverlaps,
    FundingMix,
    OverlapMoney,
    OverlapPair,
    OverlapProject,
)
from cg_registry.duplicates.scoring import streams_differ, streams_of
from cg_registry.projects.models import Project
from cg_shared.districts import DISTRICTS

_A = aliased(Project, name="pa")
_B = aliased(Project, name="pb")


def _columns(p: Any) -> list[Any]:
    return [
        p.id,
        p.code,
        p.title_ko,
        p.sgg_code,
        p.policy_field,
        p.total_krw,
        p.smg_grant_krw,
        p.borough_krw,
        p.national_krw,
        p.private_krw,
    ]


_WIDTH = 10


# Plain records while counting (a city view reads every recorded pair: tens of thousands at 100,000
# projects); pydantic models only for the pairs a response lists.
@dataclass(frozen=True, slots=True)
class _Project:
    project_id: str
    code: str
    title_ko: str
    sgg_code: str | None
    policy_field: str
    total_krw: int
    funding: tuple[int, int, int, int]
    streams: frozenset[str]


@dataclass(frozen=True, slots=True)
class _Pair:
    score: float
    level: str
    double_funded: bool
    a: _Project
    b: _Project


def _project(values: Any) -> _Project:
    pid, code, title, sgg, field, total, smg, borough, national, private = values
    funding = (int(smg), int(borough), int(national), int(private))
    return _Project(pid, code, title, sgg, field, int(total), funding, streams_of(sgg, funding))


def _pair(score: float, a: _Project, b: _Project) -> _Pair:
    if a.sgg_code is None and b.sgg_code is None:
        level = "within_city"
    elif a.sgg_code is None or b.sgg_code is None:
        level = "city_and_borough"
        if b.sgg_code is None:  # the city-wide project first
            a, b = b, a
    else:
        level = "within_borough"
    return _Pair(score, level, streams_differ(a.streams, b.streams), a, b)


def _mix(funding: tuple[int, int, int, int]) -> FundingMix:
    return FundingMix(
        smg_grant_krw=funding[0], borough_krw=funding[1], national_krw=funding[2], private_krw=funding[3]
    )


def _project_read(p: _Project) -> OverlapProject:
    return OverlapProject(
        project_id=p.project_id,
        code=p.code,
        title_ko=p.title_ko,
        sgg_code=p.sgg_code,
        policy_field=p.policy_field,
        total_krw=p.total_krw,
        funding=_mix(p.funding),
        funding_streams=sorted(p.streams),
    )


def _pair_read(p: _Pair) -> OverlapPair:
    return OverlapPair(
        score=p.score,
        level=p.level,
        double_funded=p.double_funded,
        streams=sorted(p.a.streams | p.b.streams),
        pair_krw=p.a.total_krw + p.b.total_krw,
        a=_project_read(p.a),
        b=_project_read(p.b),
    )


async def _pairs(session: AsyncSession, *, min_score: float, sgg_code: str | None) -> list[_Pair]:
    stmt = (
        select(DuplicatePair.score, *_columns(_A), *_columns(_B))
        .join(_A, _A.id == DuplicatePair.project_a)
        .join(_B, _B.id == DuplicatePair.project_b)
        .where(DuplicatePair.score >= min_score)
    )
    if sgg_code is not None:
        stmt = stmt.where(or_(_A.sgg_code == sgg_code, _B.sgg_code == sgg_code))
    pairs = []
    for row in await session.execute(stmt):
        a, b = _project(row[1 : 1 + _WIDTH]), _project(row[1 + _WIDTH :])
        pairs.append(_pair(round(float(row[0]), 4), a, b))
    return pairs


def _money(projects: Iterable[_Project]) -> OverlapMoney:
    listed = list(projects)
    smg, borough, national, private = (sum(p.funding[i] for p in listed) for i in range(4))
    return OverlapMoney(
        project_count=len(listed),
        total_krw=sum(p.total_krw for p in listed),
        funding=_mix((smg, borough, national, private)),
    )


def _share(part: int, whole: int) -> float:
    return round(part / whole, 3) if whole else 0.0


@dataclass
class _Tally:
    pairs: int = 0
    city_level: int = 0
    double_funded: int = 0


def _cluster_count(pairs: list[_Pair]) -> int:
    return len(scanning.clusters_of_pairs((p.a.project_id, p.b.project_id) for p in pairs))


def _rows(
    pairs: list[_Pair], figures: dict[str | None, tuple[int, int]], codes: Iterable[str]
) -> list[BoroughOverlapRow]:
    """One row per borough from the pairs that touch it."""
    members: dict[str, dict[str, _Project]] = defaultdict(dict)
    double: dict[str, dict[str, _Project]] = defaultdict(dict)
    tally: dict[str, _Tally] = defaultdict(_Tally)
    for pair in pairs:
        touched = {p.sgg_code for p in (pair.a, pair.b) if p.sgg_code is not None}
        for code in touched:
            tally[code].pairs += 1
            tally[code].city_level += pair.level == "city_and_borough"
            tally[code].double_funded += pair.double_funded
            for project in (pair.a, pair.b):
                if project.sgg_code == code:
                    members[code][project.project_id] = project
                    if pair.double_funded:
                        double[code][project.project_id] = project
    rows = []
    for code in codes:
        district = DISTRICTS[code]
        count, total = figures.get(code, (0, 0))
        overlap = _money(members[code].values())
        rows.append(
            BoroughOverlapRow(
                sgg_code=code,
                name_ko=district.name_ko,
                name_en=district.name_en,
                project_count=count,
                total_krw=total,
                overlap=overlap,
                overlap_krw_share=_share(overlap.total_krw, total),
                pair_count=tally[code].pairs,
                city_level_pair_count=tally[code].city_level,
                double_funded_pair_count=tally[code].double_funded,
                double_funded_krw=sum(p.total_krw for p in double[code].values()),
            )
        )
    return rows


async def _figures(session: AsyncSession, sgg_code: str | None = None) -> dict[str | None, tuple[int, int]]:
    stmt = select(Project.sgg_code, func.count(), func.coalesce(func.sum(Project.total_krw), 0)).group_by(
        Project.sgg_code
    )
    if sgg_code is not None:
        stmt = stmt.where(Project.sgg_code == sgg_code)
    return {row[0]: (int(row[1]), int(row[2])) for row in await session.execute(stmt)}


def _ordered(pairs: Iterable[_Pair], limit: int) -> list[OverlapPair]:
    ranked = sorted(
        pairs,
        key=lambda p: (not p.double_funded, -(p.a.total_krw + p.b.total_krw), -p.score, p.a.code, p.b.code),
    )
    return [_pair_read(p) for p in ranked[:limit]]


async def borough(
    *, session: AsyncSession, sgg_code: str, min_score: float, limit: int
) -> BoroughFundingOverlaps:
    ensure_known_borough(sgg_code, field="path.sgg_code")
    pairs = await _pairs(session, min_score=min_score, sgg_code=sgg_code)
    (row,) = _rows(pairs, await _figures(session, sgg_code), [sgg_code])
    city_wide = {p.project_id: p for pair in pairs for p in (pair.a, pair.b) if p.sgg_code is None}
    return BoroughFundingOverlaps(
        **row.model_dump(),
        min_score=min_score,
        city_wide_overlap=_money(city_wide.values()),
        cluster_count=_cluster_count(pairs),
        pairs=_ordered(pairs, limit),
    )


async def city(*, session: AsyncSession, min_score: float, limit: int) -> CityFundingOverlaps:
    pairs = await _pairs(session, min_score=min_score, sgg_code=None)
    figures = await _figures(session)
    members = {p.project_id: p for pair in pairs for p in (pair.a, pair.b)}
    double = {p.project_id: p for pair in pairs if pair.double_funded for p in (pair.a, pair.b)}
    overlap = _money(members.values())
    total = sum(t for _, t in figures.values())
    return CityFundingOverlaps(
        min_score=min_score,
        project_count=sum(c for c, _ in figures.values()),
        total_krw=total,
        overlap=overlap,
        overlap_krw_share=_share(overlap.total_krw, total),
        city_wide_overlap=_money(p for p in members.values() if p.sgg_code is None),
        cluster_count=_cluster_count(pairs),
        pair_count=len(pairs),
        city_level_pair_count=sum(p.level == "city_and_borough" for p in pairs),
        double_funded_pair_count=sum(p.double_funded for p in pairs),
        double_funded_krw=sum(p.total_krw for p in double.values()),
        boroughs=_rows(pairs, figures, sorted(DISTRICTS)),
        pairs=_ordered((p for p in pairs if p.double_funded), limit),
    )
