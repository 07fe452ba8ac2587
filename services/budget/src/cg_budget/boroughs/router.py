"""``GET /v1/boroughs``: the budget service's figures for all 25 boroughs in one public call."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from cg_budget.boroughs import service
from cg_budget.boroughs.schemas import BudgetBoroughTable
from cg_shared.deps import SessionDep
from cg_shared.http import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1/boroughs", tags=["boroughs"], responses=PROBLEM_RESPONSES)


@router.get(
    "",
    response_model=BudgetBoroughTable,
    summary="25 rows, one per borough: envelopes, requests, PB turnout, allocated money",
    description="Public open data (no token); `fiscal_year` limits every figure to that year's cycles. "
    "See docs/boroughs.md for each figure's definition.",
)
async def list_boroughs(
    session: SessionDep,
    fiscal_year: Annotated[int | None, Query(ge=2000, le=2100, description="Only this fiscal year")] = None,
) -> BudgetBoroughTable:
    return await service.table(session, fiscal_year=fiscal_year)
