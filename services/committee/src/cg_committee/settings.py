"""Settings of the committee service (CG_* environment variables)."""

from __future__ import annotations

from pydantic import Field

from cg_shared.settings import ServiceSettings


class CommitteeSettings(ServiceSettings):
    service_name: str = "committee"
    term_sweep_interval_s: float = Field(
        default=3600.0, ge=0, description="Seconds between background term-end sweeps; 0 disables them"
    )
    term_sweep_initial_delay_s: float = Field(default=30.0, ge=0)


def get_settings() -> CommitteeSettings:
    return CommitteeSettings()
