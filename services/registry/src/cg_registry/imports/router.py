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

IMPORT_DESCRIPTION = """
Upload one file as `multipart/form-data` in the field `file`:

- **CSV**: UTF-8 (with or without BOM) or CP949/EUC-KR (Korean Excel's CSV), comma-separated, header row first.
- **XLSX**: the first worksheet, header row first (legacy `.xls` is refused with a message).

**Columns** (English names as in `GET /v1/exports/projects.csv`, so an export can be edited and re-imported,
or the Korean headings in brackets): `code` (사업코드; empty = a new code is assigned), `title_ko` (사업명,
required), `title_en`, `summary_ko`, `summary_en`, `sgg_code` (자치구코드 or a borough name such as 강남구;
empty = city-wide, smg_admin only), `lead_department` (주관부서), `origin` (resident/civic_group/department
or 주민/시민단체/부서), `policy_field` (정책분야), `target_groups` (`;`-separated), `start_date`, `end_date`,
`status` (planned/active/completed/cancelled or 계획/진행/완료/취소), `partners` (`name|kind|role`,
`;`-separated), `plan_item_id`, `fiscal_year` (회계연도), amounts in whole KRW `smg_grant_krw` (시비),
`borough_krw` (구비), `national_krw` (국비), `private_krw` (민간), `total_krw` (총사업비), `version` (버전).
Unknown columns are ignored and listed in the report. At most 20,000 rows.

**Re-import (upsert by code)**: a row whose `code` is already registered updates that project when its
`version` is the project's current version (the export carries it); a stale version, or an existing
code without a version, is a row error (`row N: version` / `row N: code`). Only what differs changes,
through the same path as `PATCH` (history, audit, `project.updated`); empty cells of title_ko, origin,
policy_field, status and total_krw keep the value, other empty cells clear it. Changed amounts replace
the project's manual funding lines of that source by one line in `fiscal_year` (or the start year);
money from budget allocations stays and is counted in the amount. The report says per row `created`,
`updated` or `unchanged`.

Example CSV:

```
title_ko,title_en,sgg_code,policy_field,fiscal_year,smg_grant_krw,borough_krw
망원동 마을공동체 공간 운영,Mangwon village community space,11440,community,2026,30000000,10000000
```

**Idempotency-Key** header is required (428 without it): a retry with the same key returns the first
answer instead of importing twice.

**Errors**: row numbers are spreadsheet rows (header = row 1). Any invalid row rejects the whole file
(422 problem+json, `errors[].field = "row N: column"`, the full report under `report`) unless
`valid_rows_only=true`, which imports the valid rows and reports the others. `dry_run=true` validates and
answers 200 with the report; nothing is written.
"""


@router.post(
    "/projects",
    status_code=status.HTTP_201_CREATED,
    response_model=ImportReport,
    responses={200: {"model": ImportReport, "description": "Dry run: the report, nothing imported"}},
    summary="Import projects from CSV (UTF-8 or CP949) or XLSX; all-or-nothing unless valid_rows_only",
    description=IMPORT_DESCRIPTION,
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
