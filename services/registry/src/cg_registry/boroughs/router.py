"""``GET /v1/boroughs``: the registry's figures for all 25 boroughs in one public call."""

from __future__ import annotations

from fastapi import APIRouter

from cg_registry.boroughs import service
from cg_registry.boroughs.schemas import BoroughTable
from cg_shared.deps import SessionDep
from cg_shared.http import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1/boroughs", tags=["boroughs"], responses=PROBLEM_RESPONSES)


@router.get(
    "",
    response_model=BoroughTable,
    summary="25 rows, one per borough: projects, money, SMG share, public-led, tokenism, overlaps",
    description="Public open data (no token). City-wide projects (no borough) are not in any row; "
    "see docs/boroughs.md for each figure's definition.",
)
async def list_boroughs(session: SessionDep) -> BoroughTable:
    return await service.table(session)
