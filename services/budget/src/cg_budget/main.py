"""FastAPI application of the budget service."""

from __future__ import annotations

from cg_shared.app import create_service_app
from fastapi import FastAPI

from cg_budget.consumers import handlers
from cg_budget.settings import BudgetSettings, get_settings


def create_app(settings: BudgetSettings | None = None) -> FastAPI:
    settings = settings or get_settings()
    return create_service_app(
        settings,
        title="Seoul CG Platform — budget",
        description="The budget service.",
        routers=[],
        handlers=handlers,
    )
