"""Settings of the budget service (CG_* environment variables)."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator, model_validator

from cg_budget.webhooks.crypto import DEV_KEY, SecretBox, parse_keys
from cg_shared.settings import Environment, ServiceSettings


class BudgetSettings(ServiceSettings):
    service_name: str = "budget"

    # Legal calendar: warn this many days before a deadline (GET /v1/cycles/{id}/calendar).
    deadline_warning_days: int = Field(default=14, ge=0, le=365)
    calendar_sweep_enabled: bool = True
    # How often the legal-calendar sweep runs (provisional budget from 1 Jan, execution start).
    calendar_sweep_interval_s: float = Field(default=3600.0, gt=0)

    # SMG CG grant formula defaults (an admin may override them per computation):
    # base + population x per-resident + bonus by the plan's evaluation grade (가/나/다).
    grant_base_krw: int = Field(default=200_000_000, ge=0)
    grant_per_resident_krw: int = Field(default=500, ge=0)
    grant_grade_bonus_krw: dict[str, int] = Field(default_factory=dict)  # JSON, e.g. {"가": 500000000}

    # Outbound webhooks (Standard Webhooks). Delays grow base * 2^(attempt-1), capped.
    webhook_delivery_enabled: bool = True
    webhook_poll_interval_s: float = Field(default=1.0, gt=0)
    webhook_backoff_base_s: float = Field(default=5.0, gt=0)
    webhook_backoff_max_s: float = Field(default=3600.0, gt=0)
    webhook_max_attempts: int = Field(default=8, ge=1, le=50)
    webhook_timeout_s: float = Field(default=10.0, gt=0)
    webhook_batch_size: int = Field(default=20, ge=1, le=500)
    # Borough budget systems usually sit on internal networks, so private addresses are allowed by
    # default; operators who expose the service to untrusted subscribers turn this on (see README).
    webhook_block_private_networks: bool = False
    # Fernet keys encrypting the signing secrets at rest, comma-separated, newest first (webhooks/crypto.py).
    # Required in production; development falls back to a published dev key.
    webhook_secret_keys: SecretStr | None = None
    # Longest overlap a secret rotation may ask for: both secrets sign during it.
    webhook_rotation_max_overlap_s: int = Field(default=7 * 24 * 3600, ge=0)

    @field_validator("webhook_secret_keys")
    @classmethod
    def _valid_keys(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and value.get_secret_value():
            try:
                parse_keys(value.get_secret_value())
            except ValueError as exc:
                raise ValueError(f"not a comma-separated list of Fernet keys: {exc}") from exc
        return value

    @model_validator(mode="after")
    def _keys_in_production(self) -> BudgetSettings:
        if self.env is Environment.PROD and not self._configured_keys():
            raise ValueError("production requires CG_WEBHOOK_SECRET_KEYS")
        return self

    def _configured_keys(self) -> list[str]:
        raw = self.webhook_secret_keys.get_secret_value() if self.webhook_secret_keys else ""
        return parse_keys(raw)

    def secret_box(self) -> SecretBox:
        return SecretBox(self._configured_keys() or [DEV_KEY])

    def grade_bonus(self) -> dict[str, int]:
        """Grade → bonus KRW; defaults when the operator configured none."""
        return self.grant_grade_bonus_krw or {"가": 500_000_000, "나": 250_000_000, "다": 0}


def get_settings() -> BudgetSettings:
    return BudgetSettings()
