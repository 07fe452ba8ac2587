"""FastAPI application of the budget service (CGFBS)."""

from __future__ import annotations

from fastapi import FastAPI

from cg_budget.access import WRITE_ROLES
from cg_budget.boroughs.router import router as boroughs_router
from cg_budget.budget_requests.router import router as requests_router
from cg_budget.consumers import handlers
from cg_budget.cycles.router import legal_calendar_sweep
from cg_budget.cycles.router import router as cycles_router
from cg_budget.elections.router import router as elections_router
from cg_budget.envelopes.router import router as envelopes_router
from cg_budget.finalisation.router import router as allocations_router
from cg_budget.integration.router import router as integration_router
from cg_budget.opendata.datasets import DATASETS
from cg_budget.settings import BudgetSettings, get_settings
from cg_budget.smg.router import router as smg_router
from cg_budget.webhooks.delivery import deliver_webhooks
from cg_budget.webhooks.router import router as webhooks_router
from cg_shared.app import create_service_app
from cg_shared.open_data import open_data_router

DESCRIPTION = """The CG-friendly budgeting system (CGFBS): money follows the plans residents helped make.

* **cycles**: fiscal-year budget cycles per borough (and SMG) on the legal calendar, with deadline warnings,
  the provisional budget (준예산), supplementary budgets (추경) and settlement.
* **envelopes**: the SMG CG grant (optionally by formula), the borough's own CG funds and the integrated pool.
* **requests**: budget requests opened from adopted plan items, with program budget codes and review.
* **elections** / **ballots**: participatory votes (approval, cumulative, ordinal) decided by greedy, Method of
  Equal Shares, MES+add1 or add1-comparison, with per-project explanations; Pabulib import/export.
* **smg**: SMG grant programmes (공모사업) boroughs apply to, the integrated (block) grant spent only on
  adopted plan items, and the report of how much SMG money went through plans.
* **allocations**: finalised money per request → `allocation.finalized`.
* **imports** / **reconciliation** / **webhooks**: the borough budget-system integration.
"""

TAGS = [
    {"name": "cycles", "description": "Fiscal-year cycles and the legal calendar"},
    {"name": "envelopes", "description": "Money available to a cycle, by source"},
    {"name": "requests", "description": "Budget requests from adopted plan items"},
    {"name": "elections", "description": "Participatory elections, ballots, outcomes, Pabulib files"},
    {"name": "allocations", "description": "Finalised allocations"},
    {"name": "integration", "description": "Imports, reconciliation, exports for borough IT"},
    {"name": "webhooks", "description": "Outbound webhooks (Standard Webhooks)"},
    {"name": "smg", "description": "SMG grant programmes (공모사업), block grants and the channel report"},
    {"name": "open data", "description": "Bulk CSV/JSON downloads: requests, allocations, SMG awards"},
    {"name": "boroughs", "description": "One row per borough for comparing the 25 (public)"},
]


def create_app(settings: BudgetSettings | None = None) -> FastAPI:
    settings = settings or get_settings()
    background = [deliver_webhooks]
    if settings.calendar_sweep_enabled:
        background.append(legal_calendar_sweep)
    return create_service_app(
        settings,
        title="Seoul CG Platform — budget",
        description=DESCRIPTION,
        routers=[
            cycles_router,
            envelopes_router,
            requests_router,
            elections_router,
            allocations_router,
            integration_router,
            webhooks_router,
            boroughs_router,
            smg_router,
            open_data_router("budget", DATASETS),
        ],
        handlers=handlers,
        background=background,
        openapi_tags=TAGS,
        write_roles=WRITE_ROLES,
    )
