"""HTTP routes of the borough budget-system integration: imports, reconciliation, exports."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import JSONResponse

from cg_budget.common import SggCode
from cg_budget.integration import parsing, reconciliation, service
from cg_budget.integration.schemas import ImportJson, ImportKind, ImportMode, ImportReport, Reconciliation
from cg_budget.uploads import body_doc, read_text
from cg_shared.auth import CurrentPrincipal
from cg_shared.deps import SessionDep
from cg_shared.http import (
    PROBLEM_RESPONSES,
    IdempotencyKeyHeader,
    Page,
    PageParams,
    page_params,
    require_idempotency_key,
)
from cg_shared.offload import run_parser

router = APIRouter(tags=["integration"], responses=PROBLEM_RESPONSES)

IMPORT_BODY = body_doc(
    ("application/json", ImportJson.model_json_schema(ref_template="#/components/schemas/{model}")),
    (
        "text/csv",
        {
            "type": "string",
            "description": "Header: account,field,sector,policy_program,unit_program,detail_program,"
            "object_code,name,amount_krw",
            "example": "account,field,sector,policy_program,unit_program,detail_program,object_code,name,amount_krw\n"
            "일반회계,080,084,민관협치 활성화,지역사회혁신계획 추진,마을공동체 협치사업,307-02,,45000000\n",
        },
    ),
)
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "CSV (UTF-8 with BOM)"}
}
FiscalYearQuery = Annotated[int, Query(ge=2000, le=2100)]


@router.post(
    "/v1/imports",
    response_model=ImportReport,
    status_code=status.HTTP_201_CREATED,
    summary="Import appropriation or execution figures by program code (CSV or JSON; Idempotency-Key required)",
    description="All or nothing by default: one bad row rejects the file with a 422 naming every bad row. "
    "dry_run=true validates and reports without writing (200). Re-sending a key that was applied returns the "
    "stored report (200, replayed=true) and changes nothing.",
    openapi_extra=IMPORT_BODY,
    responses={200: {"model": ImportReport, "description": "Dry run or replay"}},
)
async def import_figures(
    request: Request,
    principal: CurrentPrincipal,
    session: SessionDep,
    response: Response,
    kind: Annotated[ImportKind, Query()],
    sgg_code: Annotated[SggCode, Query()],
    fiscal_year: FiscalYearQuery,
    idempotency_key: IdempotencyKeyHeader = None,
    mode: Annotated[ImportMode, Query()] = ImportMode.REPLACE,
    dry_run: Annotated[bool, Query()] = False,
    all_or_nothing: Annotated[bool, Query()] = True,
) -> ImportReport:
    key = require_idempotency_key(idempotency_key)
    text, media_type = await read_text(request)
    fmt = "csv" if media_type == "text/csv" else "json"
    if fmt == "csv":
        rows, parse_errors = await run_parser(parsing.parse_csv, text)
    else:
        rows, parse_errors = await run_parser(parsing.parse_json, text), []
    async with session.begin():
        report = await service.import_figures(
            session=session,
            principal=principal,
            sgg_code=sgg_code,
            fiscal_year=fiscal_year,
            kind=kind,
            mode=mode,
            fmt=fmt,
            rows=rows,
            parse_errors=parse_errors,
            idempotency_key=key,
            dry_run=dry_run,
            all_or_nothing=all_or_nothing,
        )
    if report.status == "dry_run" or report.replayed:
        response.status_code = status.HTTP_200_OK
    else:
        response.headers["Location"] = f"/v1/imports/{report.import_id}"
    return report


@router.get("/v1/imports", response_model=Page[ImportReport], summary="Applied imports of a borough")
async def list_imports(
    principal: CurrentPrincipal,
    session: SessionDep,
    sgg_code: Annotated[SggCode, Query()],
    page: Annotated[PageParams, Depends(page_params)],
    fiscal_year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> Page[ImportReport]:
    return await service.list_imports(
        session=session, principal=principal, sgg_code=sgg_code, fiscal_year=fiscal_year, page=page
    )


@router.get("/v1/imports/{import_id}", response_model=ImportReport, summary="One applied import")
async def get_import(import_id: str, principal: CurrentPrincipal, session: SessionDep) -> ImportReport:
    return await service.get_import(session=session, principal=principal, import_id=import_id)


@router.get(
    "/v1/reconciliation",
    response_model=Reconciliation,
    summary="Allocated vs appropriated vs executed, per request and per program code",
)
async def get_reconciliation(
    session: SessionDep, sgg_code: Annotated[SggCode, Query()], fiscal_year: FiscalYearQuery
) -> Reconciliation:
    return await reconciliation.reconcile(session=session, sgg_code=sgg_code, fiscal_year=fiscal_year)


@router.get(
    "/v1/reconciliation/export",
    response_model=Reconciliation,
    responses=CSV_RESPONSE,
    summary="Reconciliation as CSV (formula cells neutralised) or JSON",
)
async def reconciliation_export(
    session: SessionDep,
    sgg_code: Annotated[SggCode, Query()],
    fiscal_year: FiscalYearQuery,
    format: Annotated[Literal["csv", "json"], Query()] = "csv",
) -> Response:
    report = await reconciliation.reconcile(session=session, sgg_code=sgg_code, fiscal_year=fiscal_year)
    if format == "json":
        return JSONResponse(report.model_dump(mode="json"))
    return Response(
        reconciliation.reconciliation_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="reconciliation_{sgg_code}_{fiscal_year}.csv"'
        },
    )


@router.get(
    "/v1/cycles/{cycle_id}/export",
    responses=CSV_RESPONSE,
    response_model=list[dict[str, object]],
    summary="Requests of a cycle with program codes and finalised amounts, for the borough budget system",
)
async def cycle_export(
    cycle_id: str,
    session: SessionDep,
    format: Annotated[Literal["csv", "json"], Query()] = "csv",
) -> Response:
    rows = await reconciliation.cycle_export_rows(session=session, cycle_id=cycle_id)
    if format == "json":
        return JSONResponse(rows)
    return Response(
        reconciliation.cycle_export_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="cycle_{cycle_id}.csv"'},
    )
