"""Reading one project: its row, its funding lines, its read model and its history."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    String,
    any_,
    bindparam,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from cg_registry.projects import mapping
from cg_registry.projects.models import (
    FundingLine,
    Project,
    ProjectHistory,
)
from cg_registry.projects.schemas import (
    HistoryEntry,
    ProjectRead,
)
from cg_shared.http import (
    NotFound,
    Page,
    PageParams,
    encode_cursor,
)
from cg_shared.i18n import msg


async def lines_by_project(session: AsyncSession, project_ids: Sequence[str]) -> dict[str, list[FundingLine]]:
    result: dict[str, list[FundingLine]] = defaultdict(list)
    if not project_ids:
        return result
    rows = await session.execute(
        select(FundingLine)
        .where(FundingLine.project_id.in_(list(project_ids)))
        .order_by(FundingLine.project_id, FundingLine.fiscal_year, FundingLine.source, FundingLine.id)
    )
    for line in rows.scalars():
        result[line.project_id].append(line)
    return result


def to_read(project: Project, lines: Sequence[FundingLine]) -> ProjectRead:
    return mapping.read_model(mapping.row_of(project), lines)


async def load(session: AsyncSession, project_id: str, *, for_update: bool = False) -> Project:
    project = await session.get(Project, project_id, with_for_update=for_update)
    if project is None:
        raise NotFound(msg("no project with id {project_id}", project_id=project_id))
    return project


async def read(session: AsyncSession, project: Project) -> ProjectRead:
    lines = await lines_by_project(session, [project.id])
    return to_read(project, lines.get(project.id, []))


async def get(*, session: AsyncSession, project_id: str) -> ProjectRead:
    return await read(session, await load(session, project_id))


# The columns a list item shows (not the search columns): selected as plain rows, because building ORM
# entities for a page (~33 projects + ~110 lines) cost more than the queries (bench/rest profile).
LIST_COLUMNS = tuple(
    c for c in Project.__table__.columns if c.key not in {"search_text", "search_bigrams", "dup_key"}
)
_LINE_COLUMNS = (
    FundingLine.project_id,
    FundingLine.id,
    FundingLine.source,
    FundingLine.fiscal_year,
    FundingLine.amount_krw,
    FundingLine.budget_line_id,
    FundingLine.allocation_id,
    FundingLine.request_id,
)


async def line_dicts_by_project(
    session: AsyncSession, project_ids: Sequence[str]
) -> dict[str, list[dict[str, Any]]]:
    """Funding lines of many projects with one query, as dicts in :func:`to_read` order."""
    result: dict[str, list[dict[str, Any]]] = defaultdict(list)
    if not project_ids:
        return result
    if session.get_bind().dialect.name == "postgresql":
        # One array parameter: the same prepared statement for every page size (an expanded IN list is
        # a new statement text, planned again, for each number of ids — 2 ms of a 6 ms list request).
        where = FundingLine.project_id == any_(bindparam("ids", list(project_ids), type_=ARRAY(String())))
    else:
        where = FundingLine.project_id.in_(list(project_ids))
    rows = await session.execute(
        select(*_LINE_COLUMNS)
        .where(where)
        .order_by(FundingLine.project_id, FundingLine.fiscal_year, FundingLine.source, FundingLine.id)
    )
    for row in rows.mappings():
        line = dict(row)
        result[line.pop("project_id")].append(line)
    return result


async def history(*, session: AsyncSession, project_id: str, page: PageParams) -> Page[HistoryEntry]:
    stmt = select(ProjectHistory).where(ProjectHistory.project_id == project_id)
    if page.cursor:
        stmt = stmt.where(ProjectHistory.id > int(page.cursor[0]))
    rows = list((await session.execute(stmt.order_by(ProjectHistory.id).limit(page.limit + 1))).scalars())
    if not rows and not page.cursor and await session.get(Project, project_id) is None:
        raise NotFound(msg("no project with id {project_id}", project_id=project_id))
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    return Page(
        items=[HistoryEntry.model_validate(r) for r in rows],
        next_cursor=encode_cursor([rows[-1].id]) if more and rows else None,
    )
