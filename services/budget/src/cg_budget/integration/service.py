"""Borough IT integration: import appropriation/execution figures by program code, reconcile them with
allocations, export for the borough's budget system."""

from __future__ import annotations

import io
import json
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cg_budget.budget_requests import program_codes as pc
from cg_budget.budget_requests.models import BudgetRequest
from cg_budget.budget_requests.schemas import ProgramCodes
from cg_budget.common import csv_text, ensure_known_sgg, ensure_officer, new_id
from cg_budget.cycles import service as cycles
from cg_budget.events import emit
from cg_budget.finalisation.models import AllocationLine
from cg_budget.integration.models import BudgetImport, ProgramFigure
from cg_budget.integration.schemas import (
    ImportJson,
    ImportKind,
    ImportMode,
    ImportReport,
    ImportRow,
    ProgramReconciliation,
    Reconciliation,
    ReconciliationTotals,
    RequestReconciliation,
)
from cg_shared.audit import record_audit
from cg_shared.auth import Principal
from cg_shared.csvsafe import SafeDictReader
from cg_shared.db import is_unique_violation, utcnow
from cg_shared.events.budget import AppropriationImported, RequestExecuted
from cg_shared.http import Conflict, FieldError, NotFound, Page, PageParams, Unprocessable, encode_cursor
from cg_shared.i18n import msg

REQUIRED_CODES = pc.PROGRAM_LEVELS  # a figure must name its program down to the detail program
_AMOUNT = re.compile(r"^(\d+|\d{1,3}(,\d{3})+)$")
CSV_COLUMNS = (*pc.CODE_NAMES, "name", "amount_krw")


@dataclass(frozen=True, slots=True)
class ValidRow:
    number: int
    codes: dict[str, str]
    name: str
    amount: int

    @property
    def key(self) -> str:
        return pc.program_key(self.codes)


def parse_csv(text: str) -> tuple[list[ImportRow], list[FieldError]]:
    """CSV with a header naming the columns (order free): the seven codes, optional name, amount_krw.

    Returns the rows and the structural errors (a row with more or fewer cells than the header is reported
    against its number and never applied — a quoted ``"1,000"`` amount is fine, an unquoted one is not)."""
    reader = SafeDictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [(h or "").strip() for h in (reader.fieldnames or [])]
    missing = [c for c in (*REQUIRED_CODES, "amount_krw") if c not in header]
    unknown = [c for c in header if c not in CSV_COLUMNS]
    if missing or unknown:
        message = "; ".join(
            part
            for part in (
                f"missing columns: {', '.join(missing)}" if missing else "",
                f"unknown columns: {', '.join(unknown)}" if unknown else "",
            )
            if part
        )
        raise Unprocessable(
            msg("bad CSV header: {message}", message=message),
            errors=[FieldError(field="row 0: header", message=message)],
        )
    rows: list[ImportRow] = []
    errors: list[FieldError] = []
    for number, raw in enumerate(reader, start=1):
        if None in raw or any(v is None for v in raw.values()):
            errors.append(
                FieldError(
                    field=f"row {number}: row",
                    message=msg("{count} cells expected (quote values containing commas)", count=len(header)),
                )
            )
        values = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if isinstance(v, str)}
        rows.append(ImportRow(**{k: v for k, v in values.items() if k in CSV_COLUMNS}))
    return rows, errors


def parse_json(text: str) -> list[ImportRow]:
    try:
        doc = json.loads(text)
        if isinstance(doc, list):
            doc = {"rows": doc}
        return ImportJson.model_validate(doc).rows
    except ValidationError as exc:
        errors = []
        for e in exc.errors()[:200]:
            loc = list(e["loc"])
            if len(loc) >= 2 and loc[0] == "rows" and isinstance(loc[1], int):
                field = f"row {loc[1] + 1}: {'.'.join(str(p) for p in loc[2:]) or 'row'}"
            else:
                field = "body." + ".".join(str(p) for p in loc)
            errors.append(FieldError(field=field, message=e["msg"]))
        raise Unprocessable("the import is not valid JSON of rows", errors=errors) from exc
    except ValueError as exc:
        raise Unprocessable(
            "the body is not JSON", errors=[FieldError(field="body", message=str(exc))]
        ) from exc


def validate_rows(
    rows: Sequence[ImportRow], *, mode: ImportMode, parse_errors: Sequence[FieldError] = ()
) -> tuple[list[ValidRow], list[FieldError]]:
    """Row-level checks; rows are numbered from 1 (the first data row). Rows with a structural
    ``parse_errors`` entry are reported as such and never applied."""
    valid: list[ValidRow] = []
    errors: list[FieldError] = list(parse_errors)
    broken = {e.field.split(":", 1)[0] for e in parse_errors}
    first_seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=1):
        if f"row {number}" in broken:
            continue
        codes = pc.normalise(row.model_dump())
        row_errors = [
            FieldError(field=f"row {number}: {i.code}", message=i.message)
            for i in pc.check_codes(codes, required=REQUIRED_CODES)
        ]
        amount: int | None = None
        raw = row.amount_krw
        if isinstance(raw, int) and not isinstance(raw, bool):
            amount = raw
        elif isinstance(raw, str) and _AMOUNT.match(raw.strip()):
            amount = int(raw.strip().replace(",", ""))
        if amount is None or amount < 0:
            row_errors.append(
                FieldError(
                    field=f"row {number}: amount_krw",
                    message=msg("not a non-negative integer of won: {raw!r}", raw=raw),
                )
            )
        elif amount > 10**15:
            row_errors.append(FieldError(field=f"row {number}: amount_krw", message="implausibly large"))
        if row_errors:
            errors.extend(row_errors)
            continue
        assert amount is not None
        candidate = ValidRow(number=number, codes=codes, name=(row.name or "").strip(), amount=amount)
        if mode is ImportMode.REPLACE and candidate.key in first_seen:
            errors.append(
                FieldError(
                    field=f"row {number}: program code",
                    message=msg(
                        "same codes as row {value}; a replace import states each code once",
                        value=first_seen[candidate.key],
                    ),
                )
            )
            continue
        first_seen.setdefault(candidate.key, number)
        valid.append(candidate)
    return valid, errors


def _row_order(error: FieldError) -> tuple[int, str]:
    head = error.field.split(":", 1)[0]
    number = head[4:] if head.startswith("row ") else ""
    return (int(number) if number.isdigit() else 0, error.field)


def _report(row: BudgetImport, *, replayed: bool) -> ImportReport:
    return ImportReport(
        import_id=row.id,
        status=row.status,
        replayed=replayed,
        kind=ImportKind(row.kind),
        mode=ImportMode(row.mode),
        sgg_code=row.sgg_code,
        fiscal_year=row.fiscal_year,
        row_count=row.row_count,
        valid_count=row.applied_count,
        applied_count=row.applied_count,
        total_krw=row.total_krw,
        errors=[FieldError.model_validate(e) for e in row.errors],
        created_at=row.created_at,
    )


async def import_figures(
    *,
    session: AsyncSession,
    principal: Principal,
    sgg_code: str,
    fiscal_year: int,
    kind: ImportKind,
    mode: ImportMode,
    fmt: str,
    rows: Sequence[ImportRow],
    parse_errors: Sequence[FieldError] = (),
    idempotency_key: str,
    dry_run: bool,
    all_or_nothing: bool,
) -> ImportReport:
    ensure_known_sgg(sgg_code, field="query.sgg_code")
    ensure_officer(principal, sgg_code)
    previous = (
        await session.execute(
            select(BudgetImport).where(
                BudgetImport.sgg_code == sgg_code, BudgetImport.idempotency_key == idempotency_key
            )
        )
    ).scalar_one_or_none()
    if previous is not None:
        if (previous.kind, previous.fiscal_year) != (kind.value, fiscal_year):
            raise Conflict(
                "this Idempotency-Key was already used for another import of the borough",
                slug="idempotency-key-reused",
                extra={"import_id": previous.id},
            )
        return _report(previous, replayed=True)
    valid, errors = validate_rows(rows, mode=mode, parse_errors=parse_errors)
    errors.sort(key=_row_order)
    total = sum(r.amount for r in valid)
    if dry_run:
        return ImportReport(
            import_id=None,
            status="dry_run",
            kind=kind,
            mode=mode,
            sgg_code=sgg_code,
            fiscal_year=fiscal_year,
            row_count=len(rows),
            valid_count=len(valid),
            applied_count=0,
            total_krw=total,
            errors=errors,
        )
    if errors and (all_or_nothing or not valid):
        raise Unprocessable(
            msg(
                "{count} problem(s) in {count_2} row(s); nothing was imported",
                count=len(errors),
                count_2=len({e.field.split(":")[0] for e in errors}),
            ),
            errors=errors[:500],
            extra={"row_count": len(rows), "valid_count": len(valid)},
        )
    import_id = new_id()
    now = utcnow()
    spent_before = (
        await _spending_by_request(session, sgg_code, fiscal_year) if kind is ImportKind.EXECUTION else {}
    )
    keys = sorted({r.key for r in valid})
    existing: dict[str, ProgramFigure] = {}
    for chunk_start in range(0, len(keys), 500):
        chunk = keys[chunk_start : chunk_start + 500]
        for figure in (
            await session.execute(
                select(ProgramFigure)
                .where(
                    ProgramFigure.sgg_code == sgg_code,
                    ProgramFigure.fiscal_year == fiscal_year,
                    ProgramFigure.program_key.in_(chunk),
                )
                .with_for_update()
            )
        ).scalars():
            existing[figure.program_key] = figure
    column = "appropriated_krw" if kind is ImportKind.APPROPRIATION else "executed_krw"
    for row in valid:
        found = existing.get(row.key)
        if found is None:
            figure = ProgramFigure(
                sgg_code=sgg_code,
                fiscal_year=fiscal_year,
                program_key=row.key,
                name=row.name[:300],
                appropriated_krw=0,
                executed_krw=0,
                **row.codes,
            )
            session.add(figure)
            existing[row.key] = figure
        else:
            figure = found
            if row.name:
                figure.name = row.name[:300]
        current = getattr(figure, column)
        setattr(figure, column, row.amount if mode is ImportMode.REPLACE else current + row.amount)
        figure.last_import_id = import_id
        figure.updated_at = now
    record = BudgetImport(
        id=import_id,
        sgg_code=sgg_code,
        fiscal_year=fiscal_year,
        kind=kind.value,
        mode=mode.value,
        format=fmt,
        idempotency_key=idempotency_key,
        status="partial" if errors else "applied",
        row_count=len(rows),
        applied_count=len(valid),
        total_krw=total,
        errors=[e.model_dump(exclude_none=True) for e in errors[:500]],
        rows=[{"row": r.number, **r.codes, "name": r.name, "amount_krw": r.amount} for r in valid],
        created_at=now,
        created_by=principal.sub,
    )
    session.add(record)
    try:
        await session.flush()
    except IntegrityError as exc:
        if is_unique_violation(exc):
            raise Conflict("a concurrent import touched the same figures or used this key; retry") from exc
        raise
    await emit(
        session,
        AppropriationImported(
            import_id=import_id,
            sgg_code=sgg_code,
            fiscal_year=fiscal_year,
            kind=kind.value,
            row_count=len(valid),
            total_krw=total,
        ),
        subject=import_id,
        sgg_code=sgg_code,
    )
    if kind is ImportKind.EXECUTION:
        await _emit_request_spending(session, sgg_code, fiscal_year, import_id, spent_before)
    report = _report(record, replayed=False)
    record_audit(
        session,
        actor=principal,
        action=f"import.{kind.value}",
        entity_type="import",
        entity_id=import_id,
        sgg_code=sgg_code,
        after=report.model_dump(exclude={"errors"}) | {"error_count": len(errors)},
    )
    return report


async def get_import(*, session: AsyncSession, principal: Principal, import_id: str) -> ImportReport:
    row = await session.get(BudgetImport, import_id)
    if row is None:
        raise NotFound(msg("no import with id {import_id}", import_id=import_id))
    ensure_officer(principal, row.sgg_code)
    return _report(row, replayed=False)


async def list_imports(
    *, session: AsyncSession, principal: Principal, sgg_code: str, fiscal_year: int | None, page: PageParams
) -> Page[ImportReport]:
    ensure_officer(principal, sgg_code)
    stmt = (
        select(BudgetImport)
        .where(BudgetImport.sgg_code == sgg_code)
        .order_by(BudgetImport.created_at.desc(), BudgetImport.id)
        .limit(page.limit + 1)
    )
    if fiscal_year:
        stmt = stmt.where(BudgetImport.fiscal_year == fiscal_year)
    if page.cursor:
        try:
            at, iid = datetime.fromisoformat(str(page.cursor[0])), str(page.cursor[1])
        except (ValueError, IndexError) as exc:
            raise Unprocessable(
                "cursor is not valid", errors=[FieldError(field="query.cursor", message="bad")]
            ) from exc
        stmt = stmt.where(
            (BudgetImport.created_at < at) | ((BudgetImport.created_at == at) & (BudgetImport.id > iid))
        )
    rows = list((await session.execute(stmt)).scalars())
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    last = rows[-1] if rows else None
    return Page(
        items=[_report(r, replayed=False) for r in rows],
        next_cursor=encode_cursor([last.created_at.isoformat(), last.id]) if more and last else None,
    )


async def _spending_by_request(
    session: AsyncSession, sgg_code: str, fiscal_year: int
) -> dict[str, RequestReconciliation]:
    """Requests of plan items with money allocated and a program code of their own (one a request shares
    with another cannot say whose spending it was)."""
    rows = (await reconcile(session=session, sgg_code=sgg_code, fiscal_year=fiscal_year)).requests
    return {r.request_id: r for r in rows if r.plan_item_id and r.allocated_krw > 0 and not r.shared_with}


async def _emit_request_spending(
    session: AsyncSession,
    sgg_code: str,
    fiscal_year: int,
    import_id: str,
    before: dict[str, RequestReconciliation],
) -> None:
    """request.executed for each plan item's request whose spending this import changed."""
    await session.flush()
    for request_id, row in (await _spending_by_request(session, sgg_code, fiscal_year)).items():
        previous = before.get(request_id)
        if row.executed_krw <= 0 or (previous is not None and previous.executed_krw == row.executed_krw):
            continue
        await emit(
            session,
            RequestExecuted(
                request_id=request_id,
                sgg_code=sgg_code,
                fiscal_year=fiscal_year,
                plan_id=row.plan_id,
                plan_item_id=row.plan_item_id,
                import_id=import_id,
                allocated_krw=row.allocated_krw,
                executed_krw=row.executed_krw,
                completed=row.executed_krw >= row.allocated_krw,
            ),
            subject=request_id,
            sgg_code=sgg_code,
        )


# --- reconciliation --------------------------------------------------------------------------------


def _codes(obj: Any) -> dict[str, str | None]:
    return {name: getattr(obj, name) for name in pc.CODE_NAMES}


def _program_codes(codes: dict[str, str | None]) -> ProgramCodes:
    return ProgramCodes(**{k: (v or None) for k, v in codes.items()})


async def reconcile(*, session: AsyncSession, sgg_code: str, fiscal_year: int) -> Reconciliation:
    ensure_known_sgg(sgg_code, field="query.sgg_code")
    requests = list(
        (
            await session.execute(
                select(BudgetRequest)
                .where(BudgetRequest.sgg_code == sgg_code, BudgetRequest.fiscal_year == fiscal_year)
                .order_by(BudgetRequest.created_at, BudgetRequest.id)
            )
        ).scalars()
    )
    allocated: dict[str, int] = defaultdict(int)
    if requests:
        for line in (
            await session.execute(
                select(AllocationLine).where(AllocationLine.request_id.in_([r.id for r in requests]))
            )
        ).scalars():
            allocated[line.request_id] += line.amount_krw
    figures = list(
        (
            await session.execute(
                select(ProgramFigure)
                .where(ProgramFigure.sgg_code == sgg_code, ProgramFigure.fiscal_year == fiscal_year)
                .order_by(ProgramFigure.id)
            )
        ).scalars()
    )
    # figure -> matching requests, request -> matching figures
    fig_requests: dict[int, list[str]] = {f.id: [] for f in figures}
    req_figures: dict[str, list[ProgramFigure]] = {r.id: [] for r in requests}
    for req in requests:
        req_codes = _codes(req)
        for fig in figures:
            if pc.matches(req_codes, _codes(fig)):
                fig_requests[fig.id].append(req.id)
                req_figures[req.id].append(fig)
    request_rows = []
    for req in requests:
        mine = req_figures[req.id]
        appropriated = sum(f.appropriated_krw for f in mine)
        executed = sum(f.executed_krw for f in mine)
        shared = sorted({rid for f in mine for rid in fig_requests[f.id] if rid != req.id})
        flags = []
        alloc = allocated.get(req.id, 0)
        if not any(getattr(req, n) for n in pc.CODE_NAMES):
            flags.append("no_program_codes")
        if alloc == 0:
            flags.append("not_allocated")
        if alloc > 0 and appropriated == 0:
            flags.append("not_appropriated")
        elif 0 < appropriated < alloc:
            flags.append("appropriated_below_allocation")
        elif alloc > 0 and appropriated > alloc and not shared:
            flags.append("appropriated_above_allocation")
        if executed > appropriated:
            flags.append("executed_above_appropriation")
        if shared:
            flags.append("shared_program_code")
        request_rows.append(
            RequestReconciliation(
                request_id=req.id,
                plan_id=req.plan_id,
                plan_item_id=req.plan_item_id,
                title_ko=req.title_ko,
                program_codes=_program_codes(_codes(req)),
                requested_krw=req.requested_krw,
                allocated_krw=alloc,
                appropriated_krw=appropriated,
                executed_krw=executed,
                execution_rate=round(executed / appropriated, 4) if appropriated else None,
                shared_with=shared,
                flags=flags,
            )
        )
    program_rows = []
    for fig in figures:
        rids = fig_requests[fig.id]
        flags = []
        if not rids:
            flags.append("no_request")
        if fig.executed_krw > fig.appropriated_krw:
            flags.append("executed_above_appropriation")
        program_rows.append(
            ProgramReconciliation(
                program_codes=_program_codes(_codes(fig)),
                name=fig.name,
                allocated_krw=sum(allocated.get(r, 0) for r in rids),
                appropriated_krw=fig.appropriated_krw,
                executed_krw=fig.executed_krw,
                request_ids=rids,
                flags=flags,
            )
        )
    matched = [f for f in figures if fig_requests[f.id]]
    totals = ReconciliationTotals(
        requested_krw=sum(r.amount_krw for r in requests),
        allocated_krw=sum(allocated.values()),
        appropriated_krw=sum(f.appropriated_krw for f in figures),
        executed_krw=sum(f.executed_krw for f in figures),
        appropriated_for_requests_krw=sum(f.appropriated_krw for f in matched),
        executed_for_requests_krw=sum(f.executed_krw for f in matched),
    )
    return Reconciliation(
        sgg_code=sgg_code,
        fiscal_year=fiscal_year,
        totals=totals,
        requests=request_rows,
        programs=program_rows,
    )


RECONCILIATION_CSV_HEADER = (
    "request_id",
    "plan_id",
    "plan_item_id",
    "title_ko",
    *pc.CODE_NAMES,
    "requested_krw",
    "allocated_krw",
    "appropriated_krw",
    "executed_krw",
    "flags",
)


def reconciliation_csv(report: Reconciliation) -> str:
    return csv_text(
        RECONCILIATION_CSV_HEADER,
        (
            (
                r.request_id,
                r.plan_id,
                r.plan_item_id,
                r.title_ko,
                *(getattr(r.program_codes, n) for n in pc.CODE_NAMES),
                r.requested_krw,
                r.allocated_krw,
                r.appropriated_krw,
                r.executed_krw,
                "|".join(r.flags),
            )
            for r in report.requests
        ),
    )


CYCLE_EXPORT_HEADER = (
    "request_id",
    "plan_id",
    "plan_item_id",
    "title_ko",
    "title_en",
    *pc.CODE_NAMES,
    "requested_krw",
    "amount_krw",
    "feasibility",
    "status",
    "allocated_krw",
    "envelope_kind",
    "source",
    "allocation_id",
)


async def cycle_export_rows(*, session: AsyncSession, cycle_id: str) -> list[dict[str, Any]]:
    """Requests of a cycle with their codes and finalised money: what the borough system books."""
    await cycles.load(session, cycle_id)
    requests = list(
        (
            await session.execute(
                select(BudgetRequest)
                .where(BudgetRequest.cycle_id == cycle_id)
                .order_by(BudgetRequest.created_at, BudgetRequest.id)
            )
        ).scalars()
    )
    lines = (
        {
            line.request_id: line
            for line in (
                await session.execute(
                    select(AllocationLine).where(AllocationLine.request_id.in_([r.id for r in requests]))
                )
            ).scalars()
        }
        if requests
        else {}
    )
    rows = []
    for req in requests:
        line = lines.get(req.id)
        rows.append(
            {
                "request_id": req.id,
                "plan_id": req.plan_id,
                "plan_item_id": req.plan_item_id,
                "title_ko": req.title_ko,
                "title_en": req.title_en,
                **{n: getattr(req, n) for n in pc.CODE_NAMES},
                "requested_krw": req.requested_krw,
                "amount_krw": req.amount_krw,
                "feasibility": req.feasibility,
                "status": req.status,
                "allocated_krw": line.amount_krw if line else 0,
                "envelope_kind": line.envelope_kind if line else None,
                "source": line.source if line else None,
                "allocation_id": line.allocation_id if line else None,
            }
        )
    return rows


def cycle_export_csv(rows: list[dict[str, Any]]) -> str:
    return csv_text(CYCLE_EXPORT_HEADER, ([row[c] for c in CYCLE_EXPORT_HEADER] for row in rows))
