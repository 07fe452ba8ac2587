"""Settings of the committee service (CG_* environment variables)."""

from __future__ import annotations

from cg_shared.settings import ServiceSettings


class CommitteeSettings(ServiceSettings):
    service_name: str = "committee"


def get_settings() -> CommitteeSettings:
    return CommitteeSettings()
