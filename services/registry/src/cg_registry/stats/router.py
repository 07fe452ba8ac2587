"""HTTP route of registry statistics (public open data)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response

from cg_registry.fastquery import FastQueryRoute, ValidatedQueries, query_model, shortcut
from cg_registry.stats import service
from cg_registry.stats.schemas import StatsSummary
from cg_shared.http import PROBLEM_RESPONSES, etag_for

router = APIRouter(
    prefix="/v1/stats", tags=["statistics"], responses=PROBLEM_RESPONSES, route_class=FastQueryRoute
)

SggCodeQuery = Annotated[str | None, Query(pattern=r"^\d{5}$", description="Only this borough")]
FiscalYearQuery = Annotated[int | None, Query(ge=2000, le=2100, description="Only funding of this year")]


def _summary_query(sgg_code: SggCodeQuery = None, fiscal_year: FiscalYearQuery = None) -> None:
    """The summary's query parameters (declared once for the route and its shortcut)."""


_summary_queries = ValidatedQueries(query_model("StatsSummaryQuery", _summary_query))


async def _stats_summary_shortcut(request: Request) -> Response | None:
    """:func:`stats_summary` for a query string that validates (else FastAPI handles the request)."""
    values = _summary_queries.get(request)
    if values is None:
        return None
    matches = request.headers.getlist("if-none-match")
    if len(matches) > 1:
        return None  # FastAPI's rule for a repeated header applies
    return await stats_summary(request, if_none_match=matches[0] if matches else None, **values)


@router.get(
    "/summary",
    response_model=StatsSummary,
    responses={304: {"description": "Not modified since the ETag sent in If-None-Match"}},
    summary="Counts, money, breakdowns and tokenism metrics",
    description="Cached until the next write to the registry; the `ETag` changes with every write, so "
    "`If-None-Match` answers 304 while the figures are unchanged.",
)
@shortcut(_stats_summary_shortcut)
async def stats_summary(
    request: Request,
    sgg_code: SggCodeQuery = None,
    fiscal_year: FiscalYearQuery = None,
    if_none_match: Annotated[
        str | None, Header(alias="If-None-Match", description="ETag of a summary you hold")
    ] = None,
) -> Response:
    state = request.app.state  # no session dependency: a cached summary needs none
    result = await service.summary_response(
        engine=state.engine, sessions=state.sessions, sgg_code=sgg_code, fiscal_year=fiscal_year
    )
    if result.version is None:
        return Response(content=result.body, media_type="application/json")
    etag = etag_for(f"stats-{result.version}")
    if if_none_match is not None and etag in {tag.strip() for tag in if_none_match.split(",")}:
        return Response(status_code=304, headers={"ETag": etag})
    return Response(content=result.body, media_type="application/json", headers={"ETag": etag})
