"""Open-data routes: the public registry as CSV and JSON (no token needed)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from cg_registry.exports import service
from cg_registry.projects.router import Filters
from cg_shared.http import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1/exports", tags=["open data"], responses=PROBLEM_RESPONSES)


@router.get(
    "/projects.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "UTF-8 CSV with BOM (Excel-ready)"}},
    summary="All public project data as CSV (formula cells neutralised)",
)
async def export_projects_csv(request: Request, filters: Filters) -> StreamingResponse:
    return StreamingResponse(
        service.csv_stream(request.app.state.sessions, filters),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="seoul-cg-projects.csv"'},
    )


@router.get(
    "/projects.json",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/json": {}}, "description": "Header fields and items"}},
    summary="All public project data as JSON",
)
async def export_projects_json(request: Request, filters: Filters) -> StreamingResponse:
    return StreamingResponse(
        service.json_stream(request.app.state.sessions, filters),
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="seoul-cg-projects.json"'},
    )
