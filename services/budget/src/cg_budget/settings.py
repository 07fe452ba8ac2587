"""Settings of the budget service (CG_* environment variables)."""

from __future__ import annotations

from cg_shared.settings import ServiceSettings


class BudgetSettings(ServiceSettings):
    service_name: str = "budget"


def get_settings() -> BudgetSettings:
    return BudgetSettings()
