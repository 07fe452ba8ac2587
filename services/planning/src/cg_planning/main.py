"""FastAPI application of the planning service."""

from __future__ import annotations

from cg_shared.app import create_service_app
from fastapi import FastAPI

from cg_planning.consumers import handlers
from cg_planning.registry_projects.router import router as registry_projects_router
from cg_planning.settings import PlanningSettings, get_settings


def create_app(settings: PlanningSettings | None = None) -> FastAPI:
    settings = settings or get_settings()
    return create_service_app(
        settings,
        title="Seoul CG Platform — planning",
        description="The Local CG Innovation Plan: proposals, deliberation, items, adoption, evaluation.",
        routers=[registry_projects_router],
        handlers=handlers,
    )
