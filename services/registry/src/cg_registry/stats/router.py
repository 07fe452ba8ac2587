"""HTTP route of registry statistics (public open data)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from cg_registry.stats import service
from cg_registry.stats.schemas import StatsSummary
from cg_shared.deps import SessionDep
from cg_shared.http import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1/stats", tags=["statistics"], responses=PROBLEM_RESPONSES)


@router.get("/summary", response_model=StatsSummary, summary="Counts, money, breakdowns and tokenism metrics")
async def stats_summary(
    session: SessionDep,
    sgg_code: Annotated[str | None, Query(pattern=r"^\d{5}$", description="Only this borough")] = None,
    fiscal_year: Annotated[
        int | None, Query(ge=2000, le=2100, description="Only funding of this year")
    ] = None,
) -> StatsSummary:
    return await service.summary(session=session, sgg_code=sgg_code, fiscal_year=fiscal_year)
