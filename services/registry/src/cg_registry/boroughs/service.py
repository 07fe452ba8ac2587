"""The registry's per-borough figures in one grouped query (city-wide projects, sgg_code NULL, excluded)."""

from __future__ import annotations

from sqlalchemy import func, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from cg_registry.boroughs.schemas import BoroughRow, BoroughTable
from cg_registry.duplicates import funding
from cg_registry.duplicates.models import DuplicatePair
from cg_registry.duplicates.scoring import SUSPECT_THRESHOLD
from cg_registry.projects.models import Project
from cg_shared.districts import DISTRICTS


def _share(part: int, whole: int) -> float:
    return round(part / whole, 3) if whole else 0.0


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
    overlaps = {r.sgg_code: r for r in await funding.borough_rows(session, min_score=SUSPECT_THRESHOLD)}
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
                city_level_pair_count=overlaps[code].city_level_pair_count,
                double_funded_pair_count=overlaps[code].double_funded_pair_count,
                double_funded_krw=overlaps[code].double_funded_krw,
            )
        )
    return BoroughTable(rows=rows)
