"""Borough IT integration: import appropriation/execution figures by program code (all or nothing, or
the valid rows), idempotent by key; the reconciliation is in :mod:`cg_budget.integration.reconciliation`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cg_budget.common import ensure_known_sgg, ensure_officer, new_id
from cg_budget.events import emit
from cg_budget.integration import reconciliation
from cg_budget.integration.models import BudgetImport, ProgramFigure
from cg_budget.integration.parsing import ValidRow, row_order, validate_rows
from cg_budget.integration.schemas import (
    ImportKind,
    ImportMode,
    ImportReport,
    ImportRow,
    RequestReconciliation,
)
from cg_shared.audit import record_audit
from cg_shared.auth import Principal
from cg_shared.db import is_unique_violation, utcnow
from cg_shared.events.budget import AppropriationImported, RequestExecuted
from cg_shared.http import Conflict, FieldError, Page, PageParams, Unprocessable
from cg_shared.i18n import msg
from cg_shared.paging import keyset, make_page, parse_datetime
from cg_shared.rows import get_or_404


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


@dataclass(frozen=True, slots=True)
class _Batch:
    """An import after the row checks: where it goes, what is valid and what is not."""

    sgg_code: str
    fiscal_year: int
    kind: ImportKind
    mode: ImportMode
    row_count: int
    valid: list[ValidRow]
    errors: list[FieldError]

    @property
    def total(self) -> int:
        return sum(r.amount for r in self.valid)

    def dry_run(self) -> ImportReport:
        return ImportReport(
            import_id=None,
            status="dry_run",
            kind=self.kind,
            mode=self.mode,
            sgg_code=self.sgg_code,
            fiscal_year=self.fiscal_year,
            row_count=self.row_count,
            valid_count=len(self.valid),
            applied_count=0,
            total_krw=self.total,
            errors=self.errors,
        )

    def refuse_if_broken(self, *, all_or_nothing: bool) -> None:
        if self.errors and (all_or_nothing or not self.valid):
            raise Unprocessable(
                msg(
                    "{count} problem(s) in {count_2} row(s); nothing was imported",
                    count=len(self.errors),
                    count_2=len({e.field.split(":")[0] for e in self.errors}),
                ),
                errors=self.errors[:500],
                extra={"row_count": self.row_count, "valid_count": len(self.valid)},
            )


async def _replayed(
    session: AsyncSession, sgg_code: str, fiscal_year: int, kind: ImportKind, idempotency_key: str
) -> ImportReport | None:
    """The report of the import made before with this key (the same kind and year only), if any."""
    previous = (
        await session.execute(
            select(BudgetImport).where(
                BudgetImport.sgg_code == sgg_code, BudgetImport.idempotency_key == idempotency_key
            )
        )
    ).scalar_one_or_none()
    if previous is None:
        return None
    if (previous.kind, previous.fiscal_year) != (kind.value, fiscal_year):
        raise Conflict(
            "this Idempotency-Key was already used for another import of the borough",
            slug="idempotency-key-reused",
            extra={"import_id": previous.id},
        )
    return _report(previous, replayed=True)


async def _locked_figures(session: AsyncSession, batch: _Batch) -> dict[str, ProgramFigure]:
    """The figures the batch touches, by program key, locked (in chunks of 500 keys)."""
    keys = sorted({r.key for r in batch.valid})
    existing: dict[str, ProgramFigure] = {}
    for chunk_start in range(0, len(keys), 500):
        chunk = keys[chunk_start : chunk_start + 500]
        for figure in (
            await session.execute(
                select(ProgramFigure)
                .where(
                    ProgramFigure.sgg_code == batch.sgg_code,
                    ProgramFigure.fiscal_year == batch.fiscal_year,
                    ProgramFigure.program_key.in_(chunk),
                )
                .with_for_update()
            )
        ).scalars():
            existing[figure.program_key] = figure
    return existing


def _apply_rows(
    session: AsyncSession, batch: _Batch, existing: dict[str, ProgramFigure], import_id: str, now: datetime
) -> None:
    """Each valid row replaces or adds to its figure's appropriation or execution (new figures start at 0)."""
    column = "appropriated_krw" if batch.kind is ImportKind.APPROPRIATION else "executed_krw"
    for row in batch.valid:
        found = existing.get(row.key)
        if found is None:
            figure = ProgramFigure(
                sgg_code=batch.sgg_code,
                fiscal_year=batch.fiscal_year,
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
        setattr(figure, column, row.amount if batch.mode is ImportMode.REPLACE else current + row.amount)
        figure.last_import_id = import_id
        figure.updated_at = now


def _import_record(
    batch: _Batch, *, import_id: str, fmt: str, idempotency_key: str, principal: Principal, now: datetime
) -> BudgetImport:
    return BudgetImport(
        id=import_id,
        sgg_code=batch.sgg_code,
        fiscal_year=batch.fiscal_year,
        kind=batch.kind.value,
        mode=batch.mode.value,
        format=fmt,
        idempotency_key=idempotency_key,
        status="partial" if batch.errors else "applied",
        row_count=batch.row_count,
        applied_count=len(batch.valid),
        total_krw=batch.total,
        errors=[e.model_dump(exclude_none=True) for e in batch.errors[:500]],
        rows=[{"row": r.number, **r.codes, "name": r.name, "amount_krw": r.amount} for r in batch.valid],
        created_at=now,
        created_by=principal.sub,
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
    if (replay := await _replayed(session, sgg_code, fiscal_year, kind, idempotency_key)) is not None:
        return replay
    valid, errors = validate_rows(rows, mode=mode, parse_errors=parse_errors)
    errors.sort(key=row_order)
    batch = _Batch(sgg_code, fiscal_year, kind, mode, len(rows), valid, errors)
    if dry_run:
        return batch.dry_run()
    batch.refuse_if_broken(all_or_nothing=all_or_nothing)
    import_id = new_id()
    now = utcnow()
    spent_before = (
        await _spending_by_request(session, sgg_code, fiscal_year) if kind is ImportKind.EXECUTION else {}
    )
    _apply_rows(session, batch, await _locked_figures(session, batch), import_id, now)
    record = _import_record(
        batch, import_id=import_id, fmt=fmt, idempotency_key=idempotency_key, principal=principal, now=now
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
            total_krw=batch.total,
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
    row = await get_or_404(
        session, BudgetImport, import_id, msg("no import with id {import_id}", import_id=import_id)
    )
    ensure_officer(principal, row.sgg_code)
    return _report(row, replayed=False)


async def list_imports(
    *, session: AsyncSession, principal: Principal, sgg_code: str, fiscal_year: int | None, page: PageParams
) -> Page[ImportReport]:
    ensure_officer(principal, sgg_code)
    stmt = select(BudgetImport).where(BudgetImport.sgg_code == sgg_code)
    if fiscal_year:
        stmt = stmt.where(BudgetImport.fiscal_year == fiscal_year)
    stmt = keyset(
        stmt,
        sort=BudgetImport.created_at,
        tiebreak=BudgetImport.id,
        page=page,
        parse=parse_datetime,
        descending=True,
    )
    return make_page(
        list((await session.execute(stmt)).scalars()),
        page=page,
        key=lambda r: [r.created_at.isoformat(), r.id],
        read=lambda r: _report(r, replayed=False),
    )


async def _spending_by_request(
    session: AsyncSession, sgg_code: str, fiscal_year: int
) -> dict[str, RequestReconciliation]:
    """Requests of plan items with money allocated and a program code of their own (one a request shares
    with another cannot say whose spending it was)."""
    rows = (
        await reconciliation.reconcile(session=session, sgg_code=sgg_code, fiscal_year=fiscal_year)
    ).requests
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
