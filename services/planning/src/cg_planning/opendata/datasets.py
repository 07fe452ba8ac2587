"""The planning service's open datasets (``cg_shared.open_data``): plans and their items.

Only public facts leave: no token subjects (``created_by``), no coordinator's personal name.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from cg_planning.items.models import PlanItem
from cg_planning.plans.models import Plan
from cg_shared.districts import DISTRICTS
from cg_shared.open_data import Dataset, Filters


def _borough(code: str) -> str:
    district = DISTRICTS.get(code)
    return district.name_ko if district else ""


PLAN_COLUMNS = (
    "plan_id",
    "sgg_code",
    "borough_ko",
    "kind",
    "master_plan_id",
    "fiscal_year",
    "term_start_year",
    "term_end_year",
    "title_ko",
    "title_en",
    "themes",
    "state",
    "coordinator_organisation",
    "submitted_at",
    "adopted_at",
    "decision_id",
    "item_count",
    "requested_total_krw",
    "funded_krw",
)


def _plan_covers(year: int) -> Any:
    """An annual plan by its fiscal year; a master plan when its term covers the year."""
    return (Plan.fiscal_year == year) | (
        Plan.fiscal_year.is_(None) & (Plan.term_start_year <= year) & (Plan.term_end_year >= year)
    )


def _plans(filters: Filters) -> Any:
    totals = (
        select(
            PlanItem.plan_id,
            func.count().label("n"),
            func.coalesce(func.sum(PlanItem.requested_total_krw), 0).label("requested"),
            func.coalesce(func.sum(PlanItem.funded_krw), 0).label("funded"),
        )
        .group_by(PlanItem.plan_id)
        .subquery()
    )
    stmt: Any = (
        select(
            Plan,
            func.coalesce(totals.c.n, 0),
            func.coalesce(totals.c.requested, 0),
            func.coalesce(totals.c.funded, 0),
        )
        .outerjoin(totals, totals.c.plan_id == Plan.id)
        .order_by(Plan.sgg_code, Plan.term_start_year, Plan.fiscal_year, Plan.id)
    )
    if filters.sgg_code:
        stmt = stmt.where(Plan.sgg_code == filters.sgg_code)
    if filters.year:
        stmt = stmt.where(_plan_covers(filters.year))
    return stmt


def _plan_record(row: Any) -> dict[str, Any]:
    p, n, requested, funded = row
    return {
        "plan_id": p.id,
        "sgg_code": p.sgg_code,
        "borough_ko": _borough(p.sgg_code),
        "kind": p.kind,
        "master_plan_id": p.master_plan_id,
        "fiscal_year": p.fiscal_year,
        "term_start_year": p.term_start_year,
        "term_end_year": p.term_end_year,
        "title_ko": p.title_ko,
        "title_en": p.title_en,
        "themes": [str(t) for t in p.themes or []],
        "state": p.state,
        "coordinator_organisation": p.coordinator_organisation,
        "submitted_at": p.submitted_at,
        "adopted_at": p.adopted_at,
        "decision_id": p.decision_id,
        "item_count": int(n),
        "requested_total_krw": int(requested),
        "funded_krw": int(funded),
    }


ITEM_COLUMNS = (
    "item_id",
    "plan_id",
    "sgg_code",
    "borough_ko",
    "plan_kind",
    "plan_fiscal_year",
    "plan_state",
    "title_ko",
    "title_en",
    "origin",
    "policy_field",
    "dong",
    "responsible_department",
    "applicant_organisations",
    "partner_organisations",
    "target_groups",
    "requested_budget",
    "requested_total_krw",
    "funded_krw",
    "linked_project_ids",
    "source_proposal_id",
)


def _items(filters: Filters) -> Any:
    stmt: Any = (
        select(PlanItem, Plan.kind, Plan.fiscal_year, Plan.state)
        .join(Plan, Plan.id == PlanItem.plan_id)
        .order_by(PlanItem.sgg_code, PlanItem.plan_id, PlanItem.created_at, PlanItem.id)
    )
    if filters.sgg_code:
        stmt = stmt.where(PlanItem.sgg_code == filters.sgg_code)
    if filters.year:
        stmt = stmt.where(_plan_covers(filters.year))
    return stmt


def _item_record(row: Any) -> dict[str, Any]:
    i, kind, fiscal_year, state = row
    return {
        "item_id": i.id,
        "plan_id": i.plan_id,
        "sgg_code": i.sgg_code,
        "borough_ko": _borough(i.sgg_code),
        "plan_kind": kind,
        "plan_fiscal_year": fiscal_year,
        "plan_state": state,
        "title_ko": i.title_ko,
        "title_en": i.title_en,
        "origin": i.origin,
        "policy_field": i.policy_field,
        "dong": i.dong,
        "responsible_department": i.responsible_department,
        "applicant_organisations": [str(o) for o in i.applicant_organisations or []],
        "partner_organisations": [str(o) for o in i.partner_organisations or []],
        "target_groups": [str(t) for t in i.target_groups or []],
        "requested_budget": [
            f"{a.get('fiscal_year')}:{a.get('amount_krw')}"
            for a in i.requested_budget or []
            if isinstance(a, dict)
        ],
        "requested_total_krw": i.requested_total_krw,
        "funded_krw": i.funded_krw,
        "linked_project_ids": [str(p) for p in i.linked_project_ids or []],
        "source_proposal_id": i.source_proposal_id,
    }


DATASETS = (
    Dataset(
        slug="plans",
        name="plans",
        title_ko="지역사회혁신계획",
        title_en="Local CG Innovation Plans",
        description="Master and annual plans with their state, adoption decision and money asked and funded.",
        year_means="fiscal year of an annual plan, or a year inside a master plan's term",
        columns=PLAN_COLUMNS,
        query=_plans,
        record=_plan_record,
    ),
    Dataset(
        slug="plan-items",
        name="plan_items",
        title_ko="지역사회혁신계획 사업(항목)",
        title_en="Plan items",
        description="Every plan item: origin (resident, civic group, department), partners, budget asked, funded.",
        year_means="as for plans (the item's plan)",
        columns=ITEM_COLUMNS,
        query=_items,
        record=_item_record,
    ),
)
