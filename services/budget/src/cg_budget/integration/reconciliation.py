"""Reconciliation of a borough's year: budget requests and their allocations against the imported
appropriation and execution figures (matched by program code), and the exports the borough books."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cg_budget.budget_requests import program_codes as pc
from cg_budget.budget_requests.models import BudgetRequest
from cg_budget.budget_requests.schemas import ProgramCodes
from cg_budget.common import csv_text, ensure_known_sgg
from cg_budget.cycles import service as cycles
from cg_budget.finalisation.models import AllocationLine
from cg_budget.integration.models import ProgramFigure
from cg_budget.integration.schemas import (
    ProgramReconciliation,
    Reconciliation,
    ReconciliationTotals,
    RequestReconciliation,
)


def _codes(obj: Any) -> dict[str, str | None]:
    return {name: getattr(obj, name) for name in pc.CODE_NAMES}


def _program_codes(codes: dict[str, str | None]) -> ProgramCodes:
    return ProgramCodes(**{k: (v or None) for k, v in codes.items()})


async def _requests_where(session: AsyncSession, *where: Any) -> list[BudgetRequest]:
    return list(
        (
            await session.execute(
                select(BudgetRequest).where(*where).order_by(BudgetRequest.created_at, BudgetRequest.id)
            )
        ).scalars()
    )


async def _allocation_lines(session: AsyncSession, requests: list[BudgetRequest]) -> list[AllocationLine]:
    if not requests:
        return []
    stmt = select(AllocationLine).where(AllocationLine.request_id.in_([r.id for r in requests]))
    return list((await session.execute(stmt)).scalars())


@dataclass(frozen=True, slots=True)
class _Matching:
    """Which figures a request's program codes match, and which requests a figure's do."""

    fig_requests: dict[int, list[str]]
    req_figures: dict[str, list[ProgramFigure]]

    @classmethod
    def of(cls, requests: list[BudgetRequest], figures: list[ProgramFigure]) -> _Matching:
        fig_requests: dict[int, list[str]] = {f.id: [] for f in figures}
        req_figures: dict[str, list[ProgramFigure]] = {r.id: [] for r in requests}
        for req in requests:
            req_codes = _codes(req)
            for fig in figures:
                if pc.matches(req_codes, _codes(fig)):
                    fig_requests[fig.id].append(req.id)
                    req_figures[req.id].append(fig)
        return cls(fig_requests, req_figures)


def _request_flags(
    req: BudgetRequest, alloc: int, appropriated: int, executed: int, shared: list[str]
) -> list[str]:
    flags = []
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
    return flags


def _request_row(req: BudgetRequest, alloc: int, matching: _Matching) -> RequestReconciliation:
    mine = matching.req_figures[req.id]
    appropriated = sum(f.appropriated_krw for f in mine)
    executed = sum(f.executed_krw for f in mine)
    shared = sorted({rid for f in mine for rid in matching.fig_requests[f.id] if rid != req.id})
    return RequestReconciliation(
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
        flags=_request_flags(req, alloc, appropriated, executed, shared),
    )


def _program_row(fig: ProgramFigure, allocated: dict[str, int], matching: _Matching) -> ProgramReconciliation:
    rids = matching.fig_requests[fig.id]
    flags = []
    if not rids:
        flags.append("no_request")
    if fig.executed_krw > fig.appropriated_krw:
        flags.append("executed_above_appropriation")
    return ProgramReconciliation(
        program_codes=_program_codes(_codes(fig)),
        name=fig.name,
        allocated_krw=sum(allocated.get(r, 0) for r in rids),
        appropriated_krw=fig.appropriated_krw,
        executed_krw=fig.executed_krw,
        request_ids=rids,
        flags=flags,
    )


async def reconcile(*, session: AsyncSession, sgg_code: str, fiscal_year: int) -> Reconciliation:
    ensure_known_sgg(sgg_code, field="query.sgg_code")
    requests = await _requests_where(
        session, BudgetRequest.sgg_code == sgg_code, BudgetRequest.fiscal_year == fiscal_year
    )
    allocated: dict[str, int] = defaultdict(int)
    for line in await _allocation_lines(session, requests):
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
    matching = _Matching.of(requests, figures)
    matched = [f for f in figures if matching.fig_requests[f.id]]
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
        requests=[_request_row(req, allocated.get(req.id, 0), matching) for req in requests],
        programs=[_program_row(fig, allocated, matching) for fig in figures],
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
    requests = await _requests_where(session, BudgetRequest.cycle_id == cycle_id)
    lines = {line.request_id: line for line in await _allocation_lines(session, requests)}
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
