"""FastAPI application of the registry service."""

from __future__ import annotations

from fastapi import FastAPI

from cg_registry.access import WRITE_ROLES
from cg_registry.assessments.router import router as assessments_router
from cg_registry.boroughs.router import router as boroughs_router
from cg_registry.consumers import handlers
from cg_registry.duplicates.router import router as duplicates_router
from cg_registry.exports.router import router as exports_router
from cg_registry.imports.router import router as imports_router
from cg_registry.projects.dupcheck import run_checker
from cg_registry.projects.router import router as projects_router
from cg_registry.settings import RegistrySettings, get_settings
from cg_registry.stats.router import router as stats_router
from cg_shared.app import create_service_app

TAGS = [
    {
        "name": "projects",
        "description": "CG projects, funding lines, history (public reads, borough-scoped writes)",
    },
    {
        "name": "assessments",
        "description": "CG assessment rubric: IAP2, Arnstein, seven dimensions, tokenism flags",
    },
    {"name": "duplicates", "description": "Duplicate candidates and borough fragmentation"},
    {"name": "statistics", "description": "The published aggregates and their breakdowns"},
    {"name": "boroughs", "description": "One row per borough for comparing the 25 (public)"},
    {"name": "imports", "description": "Bulk CSV/XLSX import for borough staff"},
    {"name": "open data", "description": "Public exports of the registry (CSV, JSON)"},
]


def create_app(settings: RegistrySettings | None = None) -> FastAPI:
    settings = settings or get_settings()
    return create_service_app(
        settings,
        title="Seoul CG Platform — registry",
        description="Every collaborative-governance project in Seoul, its funding, assessment and overlaps.",
        routers=[
            projects_router,
            assessments_router,
            duplicates_router,
            stats_router,
            boroughs_router,
            imports_router,
            exports_router,
        ],
        handlers=handlers,
        background=[run_checker],
        openapi_tags=TAGS,
        write_roles=WRITE_ROLES,
    )
