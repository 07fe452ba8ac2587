"""Bulk import use case: read the file, validate every row, then import all or (if asked) the valid ones."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cg_registry.domain import FundingSource
from cg_registry.imports.models import ImportBatch
from cg_registry.imports.parsing import FileProblem, Sheet, read_file
from cg_registry.imports.rows import AMOUNT_COLUMNS, RowError, build_project, map_headers, row_version
from cg_registry.imports.schemas import ImportedProject, ImportReport, RowErrorRead
from cg_registry.projects import service as projects
from cg_registry.projects.models import Project
from cg_registry.projects.schemas import ProjectCreate, ProjectUpdate
from cg_shared.auth import Principal, Role, ensure_role
from cg_shared.http import Conflict, FieldError, Unprocessable
from cg_shared.i18n import msg
from cg_shared.offload import run_parser

MAX_REPORTED_ERRORS = 1000


# Columns whose empty cell clears the value on an update; for the others an empty cell keeps it.
_CLEARABLE = {
    "title_en",
    "summary_ko",
    "summary_en",
    "lead_department",
    "target_groups",
    "partners",
    "start_date",
    "end_date",
    "plan_item_id",
}
_SIMPLE = (
    "title_ko",
    "title_en",
    "summary_ko",
    "summary_en",
    "lead_department",
    "origin",
    "policy_field",
    "target_groups",
    "start_date",
    "end_date",
    "status",
    "plan_item_id",
)
_PROJECT_MONEY = {
    FundingSource.SMG_GRANT.value: "smg_grant_krw",
    FundingSource.BOROUGH.value: "borough_krw",
    FundingSource.NATIONAL.value: "national_krw",
    FundingSource.PRIVATE.value: "private_krw",
}


@dataclass
class _Row:
    number: int
    item: ProjectCreate
    version: int | None
    filled: set[str]  # canonical columns present in the file with a non-empty cell in this row
    present: set[str]  # canonical columns present in the file
    project: Project | None = None  # the existing project of the row's code (an update)
    changes: dict[str, Any] = field(default_factory=dict)


def _plain(value: Any) -> Any:
    return value.value if hasattr(value, "value") else value


async def _update_changes(
    session: AsyncSession, row: _Row, project: Project
) -> tuple[dict[str, Any], str | None]:
    """The PATCH an update row amounts to (only what differs), or a row error message (and its column)."""
    item, changes = row.item, {}
    for name in _SIMPLE:
        if name not in row.present or (name not in row.filled and name not in _CLEARABLE):
            continue
        value = _plain(getattr(item, name))
        if value != getattr(project, name):
            changes[name] = value
    if "partners" in row.present:
        partners = [p.model_dump(mode="json") for p in item.partners]
        if partners != (project.partners or []):
            changes["partners"] = partners
    if "total_krw" in row.filled and item.total_krw != project.total_krw:
        changes["total_krw"] = item.total_krw
    amount_columns = row.present & set(AMOUNT_COLUMNS)
    if amount_columns:
        sent = {AMOUNT_COLUMNS[c].value for c in amount_columns}
        wanted: dict[str, int] = defaultdict(int)
        for line_in in item.funding_lines:
            wanted[line_in.source.value] += line_in.amount_krw
        target = {
            source: wanted[source] if source in sent else getattr(project, column)
            for source, column in _PROJECT_MONEY.items()
        }
        if any(target[s] != getattr(project, c) for s, c in _PROJECT_MONEY.items()):
            lines = (await projects.lines_by_project(session, [project.id])).get(project.id, [])
            allocated: dict[str, int] = defaultdict(int)
            for line in lines:
                if line.allocation_id is not None:
                    allocated[line.source] += line.amount_krw
            years = [line_in.fiscal_year for line_in in item.funding_lines]
            year = years[0] if years else (project.start_date.year if project.start_date else None)
            manual: list[dict[str, Any]] = []
            for source in _PROJECT_MONEY:
                if target[source] == getattr(project, _PROJECT_MONEY[source]):
                    manual.extend(
                        {
                            "source": line.source,
                            "fiscal_year": line.fiscal_year,
                            "amount_krw": line.amount_krw,
                            "budget_line_id": line.budget_line_id,
                        }
                        for line in lines
                        if line.source == source and line.allocation_id is None
                    )
                    continue
                rest = target[source] - allocated[source]
                if rest < 0:
                    return {}, msg(
                        "{source} money cannot drop below the {allocated} won budget allocations brought",
                        source=source,
                        allocated=allocated[source],
                    )
                if rest > 0:
                    if year is None:
                        return {}, msg("fiscal_year or start_date is needed for the changed amounts")
                    manual.append({"source": source, "fiscal_year": year, "amount_krw": rest})
            changes["funding_lines"] = manual
    return changes, None


async def _existing(session: AsyncSession, rows: list[_Row]) -> tuple[dict[str, Project], dict[str, str]]:
    """The registry's projects of the rows' codes, and the codes of projects carrying the rows' plan items."""
    codes = [row.item.code for row in rows if row.item.code]
    existing: dict[str, Project] = {}
    for start in range(0, len(codes), 1000):
        found = await session.execute(select(Project).where(Project.code.in_(codes[start : start + 1000])))
        existing.update((p.code, p) for p in found.scalars())
    plan_items = [row.item.plan_item_id for row in rows if row.item.plan_item_id]
    carried: dict[str, str] = {}
    for start in range(0, len(plan_items), 1000):
        found_items = await session.execute(
            select(Project.plan_item_id, Project.code).where(
                Project.plan_item_id.in_(plan_items[start : start + 1000])
            )
        )
        carried.update((str(r[0]), r[1]) for r in found_items)
    return existing, carried


def _update_refusal(row: _Row, project: Project | None, principal: Principal) -> RowError | None:
    """Why the row cannot register (its code exists) or update (stale, foreign, moving) its project."""
    code, number = row.item.code, row.number
    if project is None:
        if row.version is None:
            return None
        return RowError(
            number,
            "version",
            msg("there is no project {code} to update: leave version empty to register it", code=code),
        )
    if row.version is None:
        return RowError(
            number,
            "code",
            msg(
                "{code} is already in the registry; give its version (the export's column) to update it",
                code=code,
            ),
        )
    if row.version != project.version:
        return RowError(
            number,
            "version",
            msg(
                "stale row: {code} is at version {current}, the row edits version {version}; export it again",
                code=code,
                current=project.version,
                version=row.version,
            ),
        )
    if not principal.can_act_for(project.sgg_code):
        return RowError(number, "code", msg("you may not change project {code}", code=code))
    if project.sgg_code != row.item.sgg_code:
        return RowError(number, "sgg_code", msg("a project cannot move to another borough by import"))
    return None


def _repeats(row: _Row, seen: dict[tuple[str, str], int], carried: dict[str, str]) -> list[RowError]:
    """Codes and plan items repeated inside the file (``seen`` remembers them), or carried by another project."""
    errors: list[RowError] = []
    code, number = row.item.code, row.number
    for column, value in (("code", code), ("plan_item_id", row.item.plan_item_id)):
        if value and (column, value) in seen:
            errors.append(RowError(number, column, f"{value} repeats row {seen[(column, value)]}"))
        elif value:
            seen[(column, value)] = number
    plan_item = row.item.plan_item_id
    if plan_item and plan_item in carried and carried[plan_item] != code:
        errors.append(RowError(number, "plan_item_id", f"{plan_item} is already in the registry"))
    return errors


async def _match_existing(session: AsyncSession, rows: list[_Row], principal: Principal) -> list[RowError]:
    """Rows whose code is in the registry become updates (if their version is current); codes and plan
    items already used by another project, or repeated inside the file, are errors."""
    errors: list[RowError] = []
    existing, carried = await _existing(session, rows)
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        project = existing.get(row.item.code) if row.item.code else None
        errors.extend(_repeats(row, seen, carried))
        refusal = _update_refusal(row, project, principal)
        if refusal is not None:
            errors.append(refusal)
        if project is None or refusal is not None:
            continue
        row.project = project
        row.changes, problem = await _update_changes(session, row, project)
        if problem is not None:
            errors.append(RowError(row.number, "amounts", problem))
    return errors


@dataclass
class _Checked:
    """A file read and checked: the rows to register, the rows that update, every row error."""

    sheet: Sheet
    ignored: list[str]
    candidates: list[_Row]
    errors: list[RowError]

    @property
    def valid(self) -> list[tuple[int, ProjectCreate]]:
        return [(row.number, row.item) for row in self.candidates if row.project is None]

    @property
    def updates(self) -> list[_Row]:
        return [row for row in self.candidates if row.project is not None]

    @property
    def invalid_rows(self) -> int:
        return len({e.row for e in self.errors})


async def _read_sheet(filename: str | None, data: bytes) -> tuple[Sheet, dict[str, str], list[str]]:
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
    return sheet, mapping, ignored


async def _check(session: AsyncSession, principal: Principal, filename: str | None, data: bytes) -> _Checked:
    """Every row built and validated, then matched against the registry (no writes)."""
    sheet, mapping, ignored = await _read_sheet(filename, data)
    candidates: list[_Row] = []
    errors: list[RowError] = []
    present = set(mapping.values())
    for number, raw in sheet.rows:
        item, row_errors = build_project(number, raw, mapping, principal)
        version, version_errors = row_version(number, raw, mapping)
        errors.extend(row_errors + version_errors)
        if item is not None and not version_errors:
            filled = {c for h, c in mapping.items() if raw.get(h) is not None and str(raw.get(h)).strip()}
            candidates.append(_Row(number, item, version, filled, present))
    conflicts = await _match_existing(session, candidates, principal)
    if conflicts:
        bad_rows = {e.row for e in conflicts}
        errors.extend(conflicts)
        candidates = [row for row in candidates if row.number not in bad_rows]
    errors.sort(key=lambda e: (e.row, e.field))
    return _Checked(sheet, ignored, candidates, errors)


def _report(checked: _Checked, *, dry_run: bool) -> ImportReport:
    report = ImportReport(
        import_id=None,
        dry_run=dry_run,
        file_format=checked.sheet.file_format,
        encoding=checked.sheet.encoding,
        total_rows=len(checked.sheet.rows),
        valid_rows=len(checked.candidates),
        invalid_rows=checked.invalid_rows,
        imported=0,
        ignored_columns=checked.ignored,
        errors=[
            RowErrorRead(row=e.row, field=e.field, message=e.message)
            for e in checked.errors[:MAX_REPORTED_ERRORS]
        ],
        projects=[ImportedProject(row=n, project_id=None, code=item.code) for n, item in checked.valid]
        + [
            ImportedProject(
                row=row.number,
                project_id=row.project.id if row.project else None,
                code=row.item.code,
                action="updated" if row.changes else "unchanged",
            )
            for row in checked.updates
        ],
    )
    report.projects.sort(key=lambda p: p.row)
    return report


def _ensure_importable(checked: _Checked, report: ImportReport, *, valid_rows_only: bool) -> None:
    """422 for a file without rows, with invalid rows (unless only the valid ones are wanted), or with none valid."""
    if not checked.sheet.rows:
        raise Unprocessable(
            "the file has no data rows", errors=[FieldError(field="body.file", message="no rows")]
        )
    message: str
    if checked.errors and not valid_rows_only:
        message = msg(
            "{invalid_rows} of {count} rows are invalid; nothing was imported (fix them, or send valid_rows_only=true to import the others)",
            invalid_rows=checked.invalid_rows,
            count=len(checked.sheet.rows),
        )
    elif not checked.candidates:
        message = "no row is valid; nothing was imported"
    else:
        return
    raise Unprocessable(
        message,
        errors=[
            FieldError(field=f"row {e.row}: {e.field}", message=e.message)
            for e in checked.errors[:MAX_REPORTED_ERRORS]
        ],
        slug="import-rejected",
        extra={"report": report.model_dump(mode="json")},
    )


async def _ensure_new_key(session: AsyncSession, principal: Principal, idempotency_key: str) -> None:
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


async def _apply_updates(session: AsyncSession, principal: Principal, updates: list[_Row]) -> int:
    updated = 0
    for row in updates:
        if row.changes and row.project is not None:
            # The PATCH path: history with before/after, audit, project.updated, duplicate check. The
            # version was checked above; the row lock there turns a concurrent edit into a 412.
            await projects.update_project(
                session=session,
                principal=principal,
                project_id=row.project.id,
                project_in=ProjectUpdate.model_validate(row.changes),
                if_match=f'"{row.version}"',
            )
            updated += 1
    return updated


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
    checked = await _check(session, principal, filename, data)
    report = _report(checked, dry_run=dry_run)
    if dry_run:
        return report
    _ensure_importable(checked, report, valid_rows_only=valid_rows_only)
    await _ensure_new_key(session, principal, idempotency_key)
    valid, updates = checked.valid, checked.updates
    created = (
        await projects.bulk_create(session, actor=principal, items=[item for _, item in valid])
        if valid
        else []
    )
    updated = await _apply_updates(session, principal, updates)
    batch = ImportBatch(
        idempotency_key=idempotency_key,
        principal=principal.sub,
        filename=(filename or "upload")[:300],
        file_format=checked.sheet.file_format,
        sha256=hashlib.sha256(data).hexdigest(),
        row_count=len(checked.sheet.rows),
        imported_count=len(created),
    )
    session.add(batch)
    await session.flush()
    report.import_id = batch.id
    report.imported = len(created)
    report.updated = updated
    report.unchanged = len(updates) - updated
    report.projects = sorted(
        [
            ImportedProject(row=n, project_id=read.id, code=read.code)
            for (n, _), read in zip(valid, created, strict=True)
        ]
        + [p for p in report.projects if p.action != "created"],
        key=lambda p: p.row,
    )
    return report
