"""``GET /v1/boroughs``: the planning service's figures for all 25 boroughs in one public call."""

from __future__ import annotations

from fastapi import APIRouter

from cg_planning.boroughs import service
from cg_planning.boroughs.schemas import PlanningBoroughTable
from cg_shared.deps import SessionDep
from cg_shared.http import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1/boroughs", tags=["boroughs"], responses=PROBLEM_RESPONSES)


@router.get(
    "",
    response_model=PlanningBoroughTable,
    summary="25 rows, one per borough: plans by state, items by origin, proposals, deliberation participants",
    description="Public open data (no token); see docs/boroughs.md for each figure's definition.",
)
async def list_boroughs(session: SessionDep) -> PlanningBoroughTable:
    return await service.table(session)
