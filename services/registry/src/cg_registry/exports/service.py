"""Open-data exports of the public registry: CSV (Excel-ready) and JSON, streamed in keyset chunks.

Only public facts about projects leave: no person identifiers (created_by/updated_by, assessors) and no
internal history. The CSV uses the import's column names, so an export can be edited and re-imported.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cg_registry.domain import FundingSource
from cg_registry.projects import search
from cg_registry.projects.models import FundingLine, Project
from cg_registry.projects.service import ProjectFilters, apply_filters
from cg_registry.seed.generator import SEED_ACTOR
from cg_shared.clock import now_utc
from cg_shared.csvsafe import neutralise
from cg_shared.districts import DISTRICTS

CHUNK = 2_000
LICENSE = "KOGL-Type1"  # 공공누리 제1유형: free reuse with attribution
# The export is made by this deployment of the platform; it is no publication of the Seoul Metropolitan
# Government, and rows the seed generated (``created_by = system:seed``) are synthetic data.
PUBLISHER = "서울 민관협치 플랫폼 레지스트리 (this deployment; not an official SMG publication)"
SYNTHETIC_NOTICE = (
    "synthetic=true 행은 시연용으로 생성된 가상 자료이며 서울특별시의 공식 통계가 아닙니다. "
    "Rows with synthetic=true were generated for demonstration (per-borough seed data), not published "
    "by the Seoul Metropolitan Government."
)
CSV_COLUMNS = (
    "code",
    "title_ko",
    "title_en",
    "summary_ko",
    "summary_en",
    "sgg_code",
    "borough_ko",
    "borough_en",
    "lead_department",
    "origin",
    "policy_field",
    "target_groups",
    "start_date",
    "end_date",
    "status",
    "partners",
    "plan_item_id",
    "total_krw",
    "smg_grant_krw",
    "borough_krw",
    "national_krw",
    "private_krw",
    "has_smg_grant",
    "iap2_level",
    "tokenism_risk",
    "public_led",
    "version",  # re-importing the edited row updates the project if it is still at this version
    "synthetic",  # generated seed data (not imported back: the importer ignores the column)
)


async def _chunks(
    sessions: async_sessionmaker[AsyncSession], filters: ProjectFilters
) -> AsyncIterator[tuple[list[Project], dict[str, list[FundingLine]]]]:
    after: str | None = None
    while True:
        async with sessions() as session:
            stmt = apply_filters(select(Project), filters)
            if filters.q:
                stmt = await search.apply_text_filter(session, stmt, filters.q)
            if after is not None:
                stmt = stmt.where(Project.code > after)
            projects = list((await session.execute(stmt.order_by(Project.code).limit(CHUNK))).scalars())
            if not projects:
                return
            lines: dict[str, list[FundingLine]] = defaultdict(list)
            rows = await session.execute(
                select(FundingLine)
                .where(FundingLine.project_id.in_([p.id for p in projects]))
                .order_by(FundingLine.fiscal_year, FundingLine.source, FundingLine.id)
            )
            for line in rows.scalars():
                lines[line.project_id].append(line)
        yield projects, lines
        if len(projects) < CHUNK:
            return
        after = projects[-1].code


def _borough(sgg_code: str | None) -> tuple[str, str]:
    if sgg_code is None:
        return "서울특별시", "Seoul (city-wide)"
    district = DISTRICTS.get(sgg_code)
    return (district.name_ko, district.name_en) if district else ("", "")


def _synthetic(project: Project) -> bool:
    return project.created_by == SEED_ACTOR


def _csv_row(project: Project, lines: list[FundingLine]) -> list[Any]:
    by_source: dict[str, int] = defaultdict(int)
    for line in lines:
        by_source[line.source] += line.amount_krw
    borough_ko, borough_en = _borough(project.sgg_code)
    values: dict[str, Any] = {
        "code": project.code,
        "title_ko": project.title_ko,
        "title_en": project.title_en,
        "summary_ko": project.summary_ko,
        "summary_en": project.summary_en,
        "sgg_code": project.sgg_code or "",
        "borough_ko": borough_ko,
        "borough_en": borough_en,
        "lead_department": project.lead_department or "",
        "origin": project.origin,
        "policy_field": project.policy_field,
        "target_groups": "; ".join(project.target_groups or []),
        "start_date": project.start_date.isoformat() if project.start_date else "",
        "end_date": project.end_date.isoformat() if project.end_date else "",
        "status": project.status,
        "partners": "; ".join(
            "|".join(str(p.get(k, "")) for k in ("name", "kind", "role")) for p in project.partners or []
        ),
        "plan_item_id": project.plan_item_id or "",
        "total_krw": project.total_krw,
        "smg_grant_krw": by_source[FundingSource.SMG_GRANT],
        "borough_krw": by_source[FundingSource.BOROUGH],
        "national_krw": by_source[FundingSource.NATIONAL],
        "private_krw": by_source[FundingSource.PRIVATE],
        "has_smg_grant": "true" if project.has_smg_grant else "false",
        "iap2_level": "" if project.iap2_level is None else project.iap2_level,
        "tokenism_risk": "" if project.tokenism_risk is None else str(project.tokenism_risk).lower(),
        "public_led": "true" if project.public_led else "false",
        "version": project.version,
        "synthetic": "true" if _synthetic(project) else "false",
    }
    return [neutralise(values[c]) for c in CSV_COLUMNS]


async def csv_stream(
    sessions: async_sessionmaker[AsyncSession], filters: ProjectFilters
) -> AsyncIterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    # UTF-8 with a byte-order mark: Excel opens it with Hangul intact (without it, it guesses CP949).
    yield b"\xef\xbb\xbf" + buffer.getvalue().encode()
    async for projects, lines in _chunks(sessions, filters):
        buffer.seek(0)
        buffer.truncate()
        for project in projects:
            writer.writerow(_csv_row(project, lines.get(project.id, [])))
        yield buffer.getvalue().encode()


def _json_item(project: Project, lines: list[FundingLine]) -> dict[str, Any]:
    borough_ko, borough_en = _borough(project.sgg_code)
    return {
        "id": project.id,
        "code": project.code,
        "title_ko": project.title_ko,
        "title_en": project.title_en,
        "summary_ko": project.summary_ko,
        "summary_en": project.summary_en,
        "sgg_code": project.sgg_code,
        "borough_ko": borough_ko,
        "borough_en": borough_en,
        "lead_department": project.lead_department,
        "partners": project.partners or [],
        "origin": project.origin,
        "policy_field": project.policy_field,
        "target_groups": project.target_groups or [],
        "start_date": project.start_date.isoformat() if project.start_date else None,
        "end_date": project.end_date.isoformat() if project.end_date else None,
        "status": project.status,
        "plan_item_id": project.plan_item_id,
        "funding_lines": [
            {"source": line.source, "fiscal_year": line.fiscal_year, "amount_krw": line.amount_krw}
            for line in lines
        ],
        "total_krw": project.total_krw,
        "smg_grant_krw": project.smg_grant_krw,
        "has_smg_grant": project.has_smg_grant,
        "iap2_level": project.iap2_level,
        "tokenism_risk": project.tokenism_risk,
        "public_led": project.public_led,
        "version": project.version,
        "synthetic": _synthetic(project),
    }


async def json_stream(
    sessions: async_sessionmaker[AsyncSession], filters: ProjectFilters
) -> AsyncIterator[bytes]:
    async with sessions() as session:
        counts: Any = select(func.count(), func.count().filter(Project.created_by == SEED_ACTOR)).select_from(
            Project
        )
        counted = apply_filters(counts, filters)
        count, synthetic = (await session.execute(counted)).one()
    head = {
        "generated_at": now_utc().isoformat(),
        "license": LICENSE,
        "publisher": PUBLISHER,
        # With q the counts are of the other filters: the text filter is applied while streaming.
        "count": None if filters.q else count,
        "synthetic_count": None if filters.q else synthetic,
        "synthetic_notice": SYNTHETIC_NOTICE,
    }
    yield (json.dumps(head, ensure_ascii=False)[:-1] + ', "items": [').encode()
    first = True
    async for projects, lines in _chunks(sessions, filters):
        parts = []
        for project in projects:
            parts.append(json.dumps(_json_item(project, lines.get(project.id, [])), ensure_ascii=False))
        chunk = ",".join(parts)
        yield (chunk if first else "," + chunk).encode()
        first = False
    yield b"]}"
