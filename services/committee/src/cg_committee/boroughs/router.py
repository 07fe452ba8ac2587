"""``GET /v1/boroughs``: the committee service's figures for all 25 boroughs in one public call."""

from __future__ import annotations

from fastapi import APIRouter

from cg_committee.boroughs import service
from cg_committee.boroughs.schemas import CommitteeBoroughTable
from cg_shared.deps import SessionDep
from cg_shared.http import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1/boroughs", tags=["boroughs"], responses=PROBLEM_RESPONSES)


@router.get(
    "",
    response_model=CommitteeBoroughTable,
    summary="25 rows, one per borough: seats, civilian seat vs vote share, attendance, meetings, valid decisions",
    description="Public open data (no token). Seats are counted on today's Seoul date; "
    "see docs/boroughs.md for each figure's definition.",
)
async def list_boroughs(session: SessionDep) -> CommitteeBoroughTable:
    return await service.table(session)
