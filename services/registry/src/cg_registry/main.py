"""FastAPI application of the registry service."""

from __future__ import annotations

from cg_shared.app import create_service_app
from fastapi import FastAPI

from cg_registry.consumers import handlers
from cg_registry.projects.router import router as projects_router
from cg_registry.settings import RegistrySettings, get_settings


def create_app(settings: RegistrySettings | None = None) -> FastAPI:
    settings = settings or get_settings()
    return create_service_app(
        settings,
        title="Seoul CG Platform — registry",
        description="Every collaborative-governance project in Seoul, its funding, assessment and overlaps.",
        routers=[projects_router],
        handlers=handlers,
    )
