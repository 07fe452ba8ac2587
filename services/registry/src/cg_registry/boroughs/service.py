"""The registry's per-borough figures in one grouped query (city-wide projects, sgg_code NULL, excluded)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, func, literal, select, union, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from cg_registry.boroughs.schemas import BoroughRow, BoroughTable
from cg_registry.duplicates.models import DuplicatePair
from cg_registry.projects.models import Project
from cg_shared.districts import DISTRICTS


def _share(part: int, whole: int) -> float:
    return round(part / whole, 3) if whole else 0.0


def _streams(p: Any) -> Any:
    """Bit mask of a project's public streams (duplicates.scoring.streams_of in SQL): 1 SMG-run
    (city-wide SMG money), 2 SMG grant (a borough project's), 4 borough, 8 national."""
    return (
        case((and_(p.smg_grant_krw > 0, p.sgg_code.is_(None)), 1), else_=0)
        + case((and_(p.smg_grant_krw > 0, p.sgg_code.is_not(None)), 2), else_=0)
        + case((p.borough_krw > 0, 4), else_=0)
        + case((p.national_krw > 0, 8), else_=0)
    )


async def _pair_figures(session: AsyncSession) -> dict[str, tuple[int, int, int, int]]:
    """Per borough, over the recorded suspected pairs touching it (grouped in SQL, no pair in Python):
    pairs, pairs with a city-wide project, double-funded pairs (both publicly funded, no stream shared),
    and the value of the borough's projects in double-funded pairs."""
    a, b = aliased(Project, name="pa"), aliased(Project, name="pb")
    mask_a, mask_b = _streams(a), _streams(b)
    double = and_(mask_a > 0, mask_b > 0, mask_a.op("&")(mask_b) == 0)
    cross = a.sgg_code.is_(None) != b.sgg_code.is_(None)
    joined = (
        select(
            a.id.label("a_id"),
            a.sgg_code.label("a_sgg"),
            b.id.label("b_id"),
            b.sgg_code.label("b_sgg"),
            case((cross, 1), else_=0).label("cross"),
            case((double, 1), else_=0).label("double"),
        )
        .select_from(DuplicatePair)
        .join(a, a.id == DuplicatePair.project_a)
        .join(b, b.id == DuplicatePair.project_b)
        .subquery("pairs")
    )
    # Each pair once per borough it touches; each borough project once per double-funded pair.
    touches = union_all(
        select(joined.c.a_sgg.label("sgg"), joined.c.cross, joined.c.double).where(
            joined.c.a_sgg.is_not(None)
        ),
        select(joined.c.b_sgg, joined.c.cross, joined.c.double).where(
            joined.c.b_sgg.is_not(None), (joined.c.a_sgg.is_(None)) | (joined.c.a_sgg != joined.c.b_sgg)
        ),
    ).subquery("touches")
    counts = select(
        touches.c.sgg, func.count(), func.sum(touches.c.cross), func.sum(touches.c.double)
    ).group_by(touches.c.sgg)
    doubled = union(
        select(joined.c.a_id.label("id")).where(joined.c.double == 1, joined.c.a_sgg.is_not(None)),
        select(joined.c.b_id).where(joined.c.double == 1, joined.c.b_sgg.is_not(None)),
    ).subquery("doubled")
    money = (
        select(Project.sgg_code, func.coalesce(func.sum(Project.total_krw), literal(0)))
        .where(Project.id.in_(select(doubled.c.id)))
        .group_by(Project.sgg_code)
    )
    krw = {row[0]: int(row[1] or 0) for row in await session.execute(money)}
    return {
        row[0]: (int(row[1]), int(row[2] or 0), int(row[3] or 0), krw.get(row[0], 0))
        for row in await session.execute(counts)
    }


async def table(session: AsyncSession) -> BoroughTable:
    in_pairs = union(select(DuplicatePair.project_a.label("id")), select(DuplicatePair.project_b)).subquery()
    overlapping = Project.id.in_(select(in_pairs.c.id))
    stmt = (
        select(
            Project.sgg_code,
            func.count(),
            func.coalesce(func.sum(Project.total_krw), 0),
            func.coalesce(func.sum(Project.smg_grant_krw), 0),
            func.count().filter(Project.public_led.is_(True)),
            func.count().filter(Project.iap2_level.is_not(None)),
            func.count().filter(Project.tokenism_risk.is_(True)),
            func.count().filter(overlapping),
            func.coalesce(func.sum(Project.total_krw).filter(overlapping), 0),
        )
        .where(Project.sgg_code.in_(list(DISTRICTS)))
        .group_by(Project.sgg_code)
    )
    figures = {row[0]: [int(v or 0) for v in row[1:]] for row in await session.execute(stmt)}
    pairs = await _pair_figures(session)
    rows = []
    for code, district in sorted(DISTRICTS.items()):
        count, total, smg, public_led, assessed, tokenism, overlap_n, overlap_krw = figures.get(code, [0] * 8)
        rows.append(
            BoroughRow(
                sgg_code=code,
                name_ko=district.name_ko,
                name_en=district.name_en,
                project_count=count,
                total_krw=total,
                smg_grant_krw=smg,
                smg_grant_krw_share=_share(smg, total),
                public_led_count=public_led,
                public_led_share=_share(public_led, count),
                assessed_count=assessed,
                tokenism_risk_count=tokenism,
                tokenism_risk_share=_share(tokenism, assessed),
                overlap_project_count=overlap_n,
                overlap_krw=overlap_krw,
                overlap_krw_share=_share(overlap_krw, total),
                city_level_pair_count=pairs.get(code, (0, 0, 0, 0))[1],
                double_funded_pair_count=pairs.get(code, (0, 0, 0, 0))[2],
                double_funded_krw=pairs.get(code, (0, 0, 0, 0))[3],
            )
        )
    return BoroughTable(rows=rows)
