"""The budget service's open datasets (``cg_shared.open_data``): budget requests, finalised allocation
lines and SMG programme applications with their outcomes. ``year`` is the fiscal year throughout.

Only public facts leave: no token subjects (``created_by``), no review notes beyond the feasibility outcome.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from cg_budget.budget_requests.models import BudgetRequest
from cg_budget.finalisation.models import Allocation, AllocationLine
from cg_budget.smg.models import ProgrammeApplication, SmgProgramme
from cg_shared.districts import DISTRICTS
from cg_shared.open_data import Dataset, Filters


def _borough(code: str) -> str:
    district = DISTRICTS.get(code)
    return district.name_ko if district else ("서울특별시" if code == "11000" else "")


REQUEST_COLUMNS = (
    "request_id",
    "sgg_code",
    "borough_ko",
    "fiscal_year",
    "source",
    "plan_id",
    "plan_item_id",
    "title_ko",
    "title_en",
    "origin",
    "policy_field",
    "responsible_department",
    "partner_organisations",
    "account",
    "field",
    "sector",
    "policy_program",
    "unit_program",
    "detail_program",
    "requested_krw",
    "amount_krw",
    "feasibility",
    "status",
)


def _requests(filters: Filters) -> Any:
    stmt: Any = select(BudgetRequest).order_by(
        BudgetRequest.sgg_code, BudgetRequest.fiscal_year, BudgetRequest.id
    )
    if filters.sgg_code:
        stmt = stmt.where(BudgetRequest.sgg_code == filters.sgg_code)
    if filters.year:
        stmt = stmt.where(BudgetRequest.fiscal_year == filters.year)
    return stmt


def _request_record(row: Any) -> dict[str, Any]:
    (r,) = row
    return {
        "request_id": r.id,
        "sgg_code": r.sgg_code,
        "borough_ko": _borough(r.sgg_code),
        "fiscal_year": r.fiscal_year,
        "source": r.source,
        "plan_id": r.plan_id,
        "plan_item_id": r.plan_item_id,
        "title_ko": r.title_ko,
        "title_en": r.title_en,
        "origin": r.origin,
        "policy_field": r.policy_field,
        "responsible_department": r.responsible_department,
        "partner_organisations": [str(o) for o in r.partner_organisations or []],
        "account": r.account,
        "field": r.field,
        "sector": r.sector,
        "policy_program": r.policy_program,
        "unit_program": r.unit_program,
        "detail_program": r.detail_program,
        "requested_krw": r.requested_krw,
        "amount_krw": r.amount_krw,
        "feasibility": r.feasibility,
        "status": r.status,
    }


ALLOCATION_COLUMNS = (
    "allocation_id",
    "sgg_code",
    "borough_ko",
    "fiscal_year",
    "method",
    "supplementary_number",
    "request_id",
    "request_title_ko",
    "plan_id",
    "plan_item_id",
    "envelope_kind",
    "source",
    "amount_krw",
    "finalised_at",
)


def _allocations(filters: Filters) -> Any:
    stmt: Any = (
        select(AllocationLine, Allocation, BudgetRequest.title_ko)
        .join(Allocation, Allocation.id == AllocationLine.allocation_id)
        .join(BudgetRequest, BudgetRequest.id == AllocationLine.request_id)
        .order_by(Allocation.sgg_code, Allocation.fiscal_year, Allocation.created_at, AllocationLine.id)
    )
    if filters.sgg_code:
        stmt = stmt.where(Allocation.sgg_code == filters.sgg_code)
    if filters.year:
        stmt = stmt.where(Allocation.fiscal_year == filters.year)
    return stmt


def _allocation_record(row: Any) -> dict[str, Any]:
    line, alloc, title = row
    return {
        "allocation_id": alloc.id,
        "sgg_code": alloc.sgg_code,
        "borough_ko": _borough(alloc.sgg_code),
        "fiscal_year": alloc.fiscal_year,
        "method": alloc.method,
        "supplementary_number": alloc.supplementary_number,
        "request_id": line.request_id,
        "request_title_ko": title,
        "plan_id": line.plan_id,
        "plan_item_id": line.plan_item_id,
        "envelope_kind": line.envelope_kind,
        "source": line.source,
        "amount_krw": line.amount_krw,
        "finalised_at": alloc.created_at,
    }


SMG_COLUMNS = (
    "application_id",
    "programme_code",
    "programme_title_ko",
    "fiscal_year",
    "sgg_code",
    "borough_ko",
    "title_ko",
    "requested_krw",
    "plan_item_id",
    "status",
    "award_krw",
    "reason",
    "submitted_on",
    "decided_at",
)


def _smg(filters: Filters) -> Any:
    stmt: Any = (
        select(ProgrammeApplication, SmgProgramme)
        .join(SmgProgramme, SmgProgramme.id == ProgrammeApplication.programme_id)
        .order_by(
            SmgProgramme.fiscal_year,
            SmgProgramme.code,
            ProgrammeApplication.sgg_code,
            ProgrammeApplication.id,
        )
    )
    if filters.sgg_code:
        stmt = stmt.where(ProgrammeApplication.sgg_code == filters.sgg_code)
    if filters.year:
        stmt = stmt.where(SmgProgramme.fiscal_year == filters.year)
    return stmt


def _smg_record(row: Any) -> dict[str, Any]:
    a, p = row
    return {
        "application_id": a.id,
        "programme_code": p.code,
        "programme_title_ko": p.title_ko,
        "fiscal_year": p.fiscal_year,
        "sgg_code": a.sgg_code,
        "borough_ko": _borough(a.sgg_code),
        "title_ko": a.title_ko,
        "requested_krw": a.requested_krw,
        "plan_item_id": a.plan_item_id,
        "status": a.status,
        "award_krw": a.award_krw,
        "reason": a.reason,
        "submitted_on": a.submitted_on,
        "decided_at": a.decided_at,
    }


DATASETS = (
    Dataset(
        slug="requests",
        name="budget_requests",
        title_ko="협치 예산 요구",
        title_en="Budget requests",
        description="Budget requests (from adopted plan items or entered by hand) with program codes and status.",
        year_means="fiscal year",
        columns=REQUEST_COLUMNS,
        query=_requests,
        record=_request_record,
    ),
    Dataset(
        slug="allocations",
        name="allocations",
        title_ko="협치 예산 배분",
        title_en="Finalised allocations",
        description="One row per funded request: method (formula, priority, participatory vote), source, amount.",
        year_means="fiscal year",
        columns=ALLOCATION_COLUMNS,
        query=_allocations,
        record=_allocation_record,
    ),
    Dataset(
        slug="smg-applications",
        name="smg_applications",
        title_ko="서울시 공모사업 신청과 선정",
        title_en="SMG grant programme applications and awards",
        description="Boroughs' applications to SMG grant programmes (공모사업), awards and rejection reasons.",
        year_means="fiscal year of the programme",
        columns=SMG_COLUMNS,
        query=_smg,
        record=_smg_record,
    ),
)
