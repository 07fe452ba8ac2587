"""Bulk import use case: read the file, validate every row, then import all or (if asked) the valid ones."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cg_registry.imports.models import ImportBatch
from cg_registry.imports.parsing import FileProblem, read_file
from cg_registry.imports.rows import RowError, build_project, map_headers
from cg_registry.imports.schemas import ImportedProject, ImportReport, RowErrorRead
from cg_registry.projects import service as projects
from cg_registry.projects.models import Project
from cg_registry.projects.schemas import ProjectCreate
from cg_shared.auth import Principal, Role, ensure_role
from cg_shared.http import Conflict, FieldError, Unprocessable
from cg_shared.i18n import msg
from cg_shared.offload import run_parser

MAX_REPORTED_ERRORS = 1000


async def _database_conflicts(session: AsyncSession, rows: list[tuple[int, ProjectCreate]]) -> list[RowError]:
    """Codes and plan items already in the registry, or repeated inside the file."""
    errors: list[RowError] = []
    for column in ("code", "plan_item_id"):
        values = [getattr(item, column) for _, item in rows if getattr(item, column)]
        existing: set[str] = set()
        attribute = getattr(Project, column)
        for start in range(0, len(values), 1000):
            chunk = values[start : start + 1000]
            existing.update((await session.execute(select(attribute).where(attribute.in_(chunk)))).scalars())
        seen: dict[str, int] = {}
        for number, item in rows:
            value = getattr(item, column)
            if not value:
                continue
            if value in existing:
                errors.append(RowError(number, column, f"{value} is already in the registry"))
            elif value in seen:
                errors.append(RowError(number, column, f"{value} repeats row {seen[value]}"))
            else:
                seen[value] = number
    return errors


async def import_projects(
    *,
    session: AsyncSession,
    principal: Principal,
    idempotency_key: str,
    filename: str | None,
    data: bytes,
    dry_run: bool,
    valid_rows_only: bool,
) -> ImportReport:
    ensure_role(principal, Role.BOROUGH_OFFICER)
    try:
        # Off the event loop: a large file must not stall the API, the relay or the consumer meanwhile.
        sheet = await run_parser(read_file, filename, data)
    except FileProblem as exc:
        message = exc.args[0] if exc.args else str(exc)  # a msg(...) stays translatable
        raise Unprocessable(message, errors=[FieldError(field="body.file", message=message)]) from exc
    mapping, ignored = map_headers(sheet.headers)
    if "title_ko" not in mapping.values():
        raise Unprocessable(
            "the header has no title column (title_ko or 사업명)",
            errors=[FieldError(field="body.file", message="missing column title_ko")],
        )
    valid: list[tuple[int, ProjectCreate]] = []
    errors: list[RowError] = []
    for number, raw in sheet.rows:
        item, row_errors = build_project(number, raw, mapping, principal)
        errors.extend(row_errors)
        if item is not None:
            valid.append((number, item))
    conflicts = await _database_conflicts(session, valid)
    if conflicts:
        bad_rows = {e.row for e in conflicts}
        errors.extend(conflicts)
        valid = [(n, item) for n, item in valid if n not in bad_rows]
    errors.sort(key=lambda e: (e.row, e.field))
    invalid_rows = len({e.row for e in errors})
    report = ImportReport(
        import_id=None,
        dry_run=dry_run,
        file_format=sheet.file_format,
        encoding=sheet.encoding,
        total_rows=len(sheet.rows),
        valid_rows=len(valid),
        invalid_rows=invalid_rows,
        imported=0,
        ignored_columns=ignored,
        errors=[
            RowErrorRead(row=e.row, field=e.field, message=e.message) for e in errors[:MAX_REPORTED_ERRORS]
        ],
        projects=[ImportedProject(row=n, project_id=None, code=item.code) for n, item in valid],
    )
    if dry_run:
        return report
    if not sheet.rows:
        raise Unprocessable(
            "the file has no data rows", errors=[FieldError(field="body.file", message="no rows")]
        )
    if errors and not valid_rows_only:
        raise Unprocessable(
            msg(
                "{invalid_rows} of {count} rows are invalid; nothing was imported (fix them, or send valid_rows_only=true to import the others)",
                invalid_rows=invalid_rows,
                count=len(sheet.rows),
            ),
            errors=[
                FieldError(field=f"row {e.row}: {e.field}", message=e.message)
                for e in errors[:MAX_REPORTED_ERRORS]
            ],
            slug="import-rejected",
            extra={"report": report.model_dump(mode="json")},
        )
    if not valid:
        raise Unprocessable(
            "no row is valid; nothing was imported",
            errors=[
                FieldError(field=f"row {e.row}: {e.field}", message=e.message)
                for e in errors[:MAX_REPORTED_ERRORS]
            ],
            slug="import-rejected",
            extra={"report": report.model_dump(mode="json")},
        )
    digest = hashlib.sha256(data).hexdigest()
    previous = await session.scalar(
        select(ImportBatch).where(
            ImportBatch.principal == principal.sub, ImportBatch.idempotency_key == idempotency_key
        )
    )
    if previous is not None:
        # The middleware normally replays the first response; this guards a taken-over stale key.
        raise Conflict(
            msg(
                "Idempotency-Key {idempotency_key!r} already imported {imported_count} projects from {filename} (import {previous_id})",
                idempotency_key=idempotency_key,
                imported_count=previous.imported_count,
                filename=previous.filename,
                previous_id=previous.id,
            ),
            slug="import-already-applied",
        )
    created = await projects.bulk_create(session, actor=principal, items=[item for _, item in valid])
    batch = ImportBatch(
        idempotency_key=idempotency_key,
        principal=principal.sub,
        filename=(filename or "upload")[:300],
        file_format=sheet.file_format,
        sha256=digest,
        row_count=len(sheet.rows),
        imported_count=len(created),
    )
    session.add(batch)
    await session.flush()
    report.import_id = batch.id
    report.imported = len(created)
    report.projects = [
        ImportedProject(row=n, project_id=read.id, code=read.code)
        for (n, _), read in zip(valid, created, strict=True)
    ]
    return report
