"""Settings of the planning service (CG_* environment variables)."""

from __future__ import annotations

from cg_shared.settings import ServiceSettings


class PlanningSettings(ServiceSettings):
    service_name: str = "planning"


def get_settings() -> PlanningSettings:
    return PlanningSettings()
