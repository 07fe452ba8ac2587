"""FastAPI application of the planning service."""

from __future__ import annotations

from fastapi import FastAPI

from cg_planning.access import WRITE_ROLES
from cg_planning.boroughs.router import router as boroughs_router
from cg_planning.consumers import handlers
from cg_planning.deliberations.router import router as deliberations_router
from cg_planning.items.router import router as items_router
from cg_planning.opendata.datasets import DATASETS
from cg_planning.plans.router import router as plans_router
from cg_planning.proposals.router import router as proposals_router
from cg_planning.registry_projects.router import router as registry_projects_router
from cg_planning.settings import get_settings
from cg_planning.timeline.router import router as notifications_router
from cg_shared.app import create_service_app
from cg_shared.open_data import open_data_router
from cg_shared.settings import ServiceSettings

DESCRIPTION = """The Local CG Innovation Plan (지역사회혁신계획): 3-year master plans and annual action plans,
resident proposals, deliberation records, plan items with convergence suggestions, the workflow to
adoption by the borough committee, funding and yearly evaluation.

Reads are public. Writes need a bearer token: plans, items, deliberation and screening a
`borough_officer` of the plan's borough (or `smg_admin`); proposals a `resident`. Adoption happens only
through the committee's `DecisionRecorded` event — see `GET /v1/plan-workflow` for the state machine."""

TAGS = [
    {"name": "plans", "description": "Plans, their workflow, evaluation and participation metrics"},
    {"name": "items", "description": "Plan items (CG agendas/tasks) and convergence with registry projects"},
    {"name": "deliberations", "description": "Forums, surveys, working groups, hearings per item"},
    {"name": "proposals", "description": "Resident and civic-group proposals and their screening"},
    {"name": "registry read model", "description": "Registry projects as planning knows them (from events)"},
    {"name": "notifications", "description": "Each resident's inbox: what became of their proposals"},
    {"name": "open data", "description": "Bulk CSV/JSON downloads: plans and plan items (public)"},
    {"name": "boroughs", "description": "One row per borough for comparing the 25 (public)"},
]


ROUTERS = (
    plans_router,
    items_router,
    deliberations_router,
    proposals_router,
    registry_projects_router,
    notifications_router,
    boroughs_router,
)


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    app: FastAPI = create_service_app(
        settings or get_settings(),
        title="Seoul CG Platform — planning",
        description=DESCRIPTION,
        routers=[*ROUTERS, open_data_router("planning", DATASETS)],
        handlers=handlers,
        openapi_tags=TAGS,
        write_roles=WRITE_ROLES,
    )
    return app
