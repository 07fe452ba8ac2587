"""Typed service settings.

Values come from ``CG_*`` environment variables (and an optional ``.env`` file). Nothing is read at
import time: services build a ``ServiceSettings`` inside ``create_app`` / the CLI, so a bad value fails
at startup with a message naming the variable, never halfway through a request.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, ClassVar

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Environment(StrEnum):
    DEV = "dev"
    PROD = "prod"


class AuthMode(StrEnum):
    DEV = "dev"  # HS256 with a local secret; tokens minted by `cg-dev-token`
    JWKS = "jwks"  # RS256 tokens from the city's identity provider, keys from a JWKS URL


DEFAULT_DEV_SECRET = "cg-dev-secret-change-me-0123456789abcdef"  # dev only; refused in prod
# Dev tokens carry and are checked for an issuer and an audience too (CG_JWT_ISSUER / CG_JWT_AUDIENCE
# override them), so a token minted for something else with the same secret is not accepted.
DEV_ISSUER = "cg-dev-token"
DEV_AUDIENCE = "cg-platform"


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CG_", env_file=".env", extra="ignore")

    service_name: str = "cg"
    env: Environment = Environment.DEV
    database_url: str = ""
    data_dir: Path = Path("var")

    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    kafka_security_protocol: str = "PLAINTEXT"
    kafka_sasl_mechanism: str | None = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_cafile: str | None = None
    kafka_topic_partitions: int = Field(default=3, ge=1)
    kafka_topic_replication: int = Field(default=1, ge=1)
    kafka_create_topics: bool = True
    # Idempotent producer (Kafka assigns a producer id and drops a retried batch it already wrote).
    # Tansu rejects idempotent produce requests: its test fixture turns this off.
    kafka_idempotence: bool = True
    # Kafka answers a long-poll fetch as soon as data arrives (500 is fine there); Tansu waits the
    # whole window, so the development default is short to keep event propagation fast.
    kafka_fetch_max_wait_ms: int = Field(default=20, ge=1, le=10_000)

    auth_mode: AuthMode = AuthMode.DEV
    jwt_secret: SecretStr = SecretStr(DEFAULT_DEV_SECRET)
    jwks_url: str | None = None
    jwt_issuer: str | None = None
    jwt_audience: str | None = None

    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Path prefix the edge routes to this service and strips ("/registry"): the docs page then loads
    # /registry/openapi.json and the OpenAPI document names it in `servers`. Empty when served at /.
    root_path: str = Field(default="", pattern=r"^(/[A-Za-z0-9._~-]+)*$")

    run_api: bool = True
    run_relay: bool = True
    run_consumer: bool = True

    relay_batch_size: int = Field(default=200, ge=1, le=5000)
    relay_idle_interval_s: float = Field(default=0.05, gt=0)
    # How far back the broker may have lost acknowledged messages nobody consumed yet: when the relay
    # finds its log shorter than what was acknowledged, rows published within this window are sent again
    # (consumers' inboxes drop repeats). Make it longer than events may sit unconsumed.
    relay_requeue_window_s: float = Field(default=300.0, ge=0)
    # Published outbox rows are deleted after this long (never inside the re-queue window); 0 keeps them.
    outbox_retention_s: float = Field(default=7 * 24 * 3600.0, ge=0)
    consumer_max_attempts: int = Field(default=3, ge=1)
    # `cg-<svc> serve` processes serving the API (uvicorn workers); each also runs the relay and the
    # consumer when CG_RUN_RELAY / CG_RUN_CONSUMER are on (the relay's lease and the consumer group keep
    # that correct). 1 = one process, as before.
    workers: int = Field(default=1, ge=1, le=64)
    db_pool_size: int = Field(default=10, ge=1)
    # Connections beyond the pool, opened when every pooled one is busy and closed when given back. Each
    # costs a connect + authentication + re-preparing every statement, so under load (32 concurrent
    # requests) a large overflow spent ~40 % of the registry's CPU opening connections (bench/rest,
    # issue 19); a small one only guards code that needs a second connection while holding one. Requests
    # beyond pool + overflow wait for a pooled connection.
    db_max_overflow: int = Field(default=2, ge=0)
    max_body_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    # JSON bodies of non-upload operations, counted while streaming, before parsing (cg_shared.guards).
    max_json_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    # Object members in one such body, all objects together (the largest real body has a few thousand).
    max_json_members: int = Field(default=10_000, ge=100)
    # Rate limits (token buckets: a rate per second and a burst), per principal; per client address the
    # same times rate_limit_address_factor (several people may share an address). Generous defaults: a
    # guard against hammering, not a quota.
    rate_limit_enabled: bool = True
    # Proxies trusted for X-Forwarded-For (comma-separated addresses/CIDRs, or *): behind an ingress set
    # its addresses, or every client shares the ingress's per-address buckets.
    forwarded_allow_ips: str = "127.0.0.1"
    rate_limit_writes_per_s: float = Field(default=200.0, gt=0)
    rate_limit_writes_burst: float = Field(default=1000.0, ge=1)
    rate_limit_uploads_per_s: float = Field(default=5.0, gt=0)
    rate_limit_uploads_burst: float = Field(default=60.0, ge=1)
    rate_limit_address_factor: float = Field(default=10.0, ge=1)
    rate_limit_auth_failures_per_s: float = Field(default=20.0, gt=0)
    rate_limit_auth_failures_burst: float = Field(default=500.0, ge=1)
    # Bulk open data (cg_shared.open_data): mark exports as generated data. None = every env but prod.
    open_data_synthetic: bool | None = None
    log_level: str = "INFO"
    log_json: bool = True

    _required_in_prod: ClassVar[tuple[str, ...]] = (
        "database_url",
        "kafka_bootstrap_servers",
        "auth_mode",
        "jwks_url",
        "jwt_issuer",
        "jwt_audience",
    )

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        return value

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if value and not value.startswith(("postgresql+asyncpg://", "sqlite+aiosqlite://")):
            raise ValueError("must start with postgresql+asyncpg:// or sqlite+aiosqlite://")
        return value

    @model_validator(mode="after")
    def _check_production(self) -> ServiceSettings:
        if not self.database_url:
            self.database_url = f"sqlite+aiosqlite:///{self.data_dir / (self.service_name + '.db')}"
        if self.env is Environment.PROD:
            missing = [
                f"CG_{name.upper()}"
                for name in ("jwks_url", "jwt_issuer", "jwt_audience")
                if not getattr(self, name)
            ]
            if missing:
                raise ValueError(f"production requires {', '.join(missing)}")
            if self.auth_mode is not AuthMode.JWKS:
                raise ValueError("production requires CG_AUTH_MODE=jwks")
            if self.database_url.startswith("sqlite"):
                raise ValueError("production requires CG_DATABASE_URL to point at PostgreSQL")
        if self.auth_mode is AuthMode.JWKS and not self.jwks_url:
            raise ValueError("CG_AUTH_MODE=jwks requires CG_JWKS_URL")
        return self

    @classmethod
    def required_in_production(cls) -> set[str]:
        """Environment variables an operator must set for ``CG_ENV=prod`` (checked by deploy tests)."""
        return {"CG_ENV"} | {f"CG_{name.upper()}" for name in cls._required_in_prod}

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def dlq_topic(self) -> str:
        return f"cg.dlq.{self.service_name}"

    @property
    def consumer_group(self) -> str:
        return f"cg-{self.service_name}"
