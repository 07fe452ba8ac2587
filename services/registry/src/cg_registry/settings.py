"""Settings of the registry service (CG_* environment variables)."""

from __future__ import annotations

from cg_shared.settings import ServiceSettings


class RegistrySettings(ServiceSettings):
    service_name: str = "registry"


def get_settings() -> RegistrySettings:
    return RegistrySettings()
