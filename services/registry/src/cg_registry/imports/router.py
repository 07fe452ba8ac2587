"""HTTP route of bulk project imports (multipart upload of CSV or XLSX)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, Response, UploadFile, status

from cg_registry.imports import service
from cg_registry.imports.schemas import ImportReport
from cg_shared.auth import CurrentPrincipal
from cg_shared.deps import SessionDep
from cg_shared.http import PROBLEM_RESPONSES, IdempotencyKeyHeader, require_idempotency_key

router = APIRouter(prefix="/v1/imports", tags=["imports"], responses=PROBLEM_RESPONSES)


@router.post(
    "/projects",
    status_code=status.HTTP_201_CREATED,
    response_model=ImportReport,
    responses={200: {"model": ImportReport, "description": "Dry run: the report, nothing imported"}},
    summary="Import projects from CSV (UTF-8 or CP949) or XLSX; all-or-nothing unless valid_rows_only",
)
async def import_projects(
    principal: CurrentPrincipal,
    session: SessionDep,
    response: Response,
    file: Annotated[UploadFile, File(description="CSV or XLSX; header row first")],
    idempotency_key: IdempotencyKeyHeader = None,
    dry_run: Annotated[bool, Query(description="Validate and report only")] = False,
    valid_rows_only: Annotated[bool, Query(description="Import the valid rows even if others fail")] = False,
) -> ImportReport:
    key = require_idempotency_key(idempotency_key)
    data = await file.read()
    async with session.begin():
        report = await service.import_projects(
            session=session,
            principal=principal,
            idempotency_key=key,
            filename=file.filename,
            data=data,
            dry_run=dry_run,
            valid_rows_only=valid_rows_only,
        )
    if dry_run:
        response.status_code = status.HTTP_200_OK
    return report
