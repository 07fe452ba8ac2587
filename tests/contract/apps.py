"""The four service apps as the contract and security suites build them: API only, no bus.

``run_relay``/``run_consumer`` are off and the lifespan is not run, so no background task writes
behind a test's back; everything a test sees was caused by its own requests.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI

from cg_budget.main import create_app as create_budget
from cg_budget.settings import BudgetSettings
from cg_committee.main import create_app as create_committee
from cg_committee.settings import CommitteeSettings
from cg_planning.main import create_app as create_planning
from cg_planning.settings import PlanningSettings
from cg_registry.main import create_app as create_registry
from cg_registry.settings import RegistrySettings
from cg_shared.settings import ServiceSettings
from cg_shared.testing.helpers import auth

SERVICES = ("registry", "committee", "planning", "budget")
SGG = "11200"  # 성동구
OTHER_SGG = "11680"  # 강남구

# The identities every suite uses; subs are stable so audit rows can be attributed.
ROLE_HEADERS: dict[str, dict[str, str]] = {
    "smg_admin": auth("smg_admin", sub="sec-admin"),
    "borough_officer": auth("borough_officer", SGG, sub="sec-officer"),
    "committee_secretary": auth("committee_secretary", SGG, sub="sec-secretary"),
    "committee_member": auth("committee_member", SGG, sub="sec-member"),
    "resident": auth("resident", SGG, sub="sec-resident"),  # a resident of 성동구
}
ROLES = tuple(ROLE_HEADERS)


@dataclass(frozen=True)
class ServiceSpec:
    create_app: Callable[..., FastAPI]
    settings: type[ServiceSettings]
    extra: dict[str, Any]


SPECS: dict[str, ServiceSpec] = {
    "registry": ServiceSpec(create_registry, RegistrySettings, {}),
    "committee": ServiceSpec(create_committee, CommitteeSettings, {"term_sweep_interval_s": 0}),
    "planning": ServiceSpec(create_planning, PlanningSettings, {}),
    "budget": ServiceSpec(
        create_budget,
        BudgetSettings,
        {"calendar_sweep_enabled": False, "webhook_delivery_enabled": False},
    ),
}


def build_app(service: str, database_url: str, **overrides: Any) -> FastAPI:
    spec = SPECS[service]
    overrides.setdefault("kafka_bootstrap_servers", "127.0.0.1:9")  # no relay, no consumer: unused
    settings = spec.settings(
        database_url=database_url,
        run_relay=False,
        run_consumer=False,
        log_json=False,
        log_level="WARNING",
        **{**spec.extra, **overrides},
    )
    return spec.create_app(settings)


def openapi_of(service: str) -> dict[str, Any]:
    """The service's OpenAPI document, built without a database (nothing connects at build time)."""
    return copy.deepcopy(_openapi(service))


@functools.cache
def _openapi(service: str) -> dict[str, Any]:
    return build_app(service, "sqlite+aiosqlite:///:memory:").openapi()


MUTATING = ("post", "put", "patch", "delete")


def operations(service: str, *, mutating_only: bool = False) -> list[tuple[str, str]]:
    """(METHOD, path) of every operation in the service's OpenAPI, in document order."""
    spec = openapi_of(service)
    return [
        (method.upper(), path)
        for path, ops in spec["paths"].items()
        for method in ops
        if method in {"get", *MUTATING} and (not mutating_only or method in MUTATING)
    ]
