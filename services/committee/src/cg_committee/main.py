"""FastAPI application of the committee service."""

from __future__ import annotations

from cg_shared.app import create_service_app
from fastapi import FastAPI

from cg_committee.consumers import handlers
from cg_committee.settings import CommitteeSettings, get_settings


def create_app(settings: CommitteeSettings | None = None) -> FastAPI:
    settings = settings or get_settings()
    return create_service_app(
        settings,
        title="Seoul CG Platform — committee",
        description="The committee service.",
        routers=[],
        handlers=handlers,
    )
