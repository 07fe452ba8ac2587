"""Contract fuzzing: schemathesis over every operation of all four services (issue 10, item 2).

Each service runs in-process on its own migrated PostgreSQL database, seeded with a small real world
(:mod:`tests.contract.world`) so that generated requests reach past the 404s. Every operation is
exercised as each role (and anonymously) with three kinds of input: schema-valid data with the
world's real ids in the path, schema-valid data with generated ids, and schema-violating data. Every
response must pass the standard checks: no 5xx, a declared status code, a declared content type and
a body matching the declared schema.

Bounded and reproducible: several fixed seeds (``CG_FUZZ_SEEDS``, default three) share the examples of
each operation and kind of input, so the same examples run every time yet differ from seed to seed; each
seed starts the identity rotation elsewhere, so every identity meets every kind of input. No example
database, no deadline, a handful of examples per operation and identity (``CG_FUZZ_EXAMPLES`` scales it).
"""

from __future__ import annotations

import contextlib
import os
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from cg_shared.testing.helpers import migrate
from tests.contract.apps import ROLE_HEADERS, SERVICES, build_app, openapi_of, operations
from tests.contract.inprocess import InProcessApp
from tests.contract.world import SEEDERS, World

pytestmark = [pytest.mark.postgres, pytest.mark.broker]

FUZZED = tuple(s for s in SERVICES if s in SEEDERS)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
SCALE = float(os.environ.get("CG_FUZZ_EXAMPLES", "1"))
SEEDS = tuple(int(s) for s in os.environ.get("CG_FUZZ_SEEDS", "20,26,2026").split(",") if s.strip())
IDENTITIES: dict[str, dict[str, str]] = {"anonymous": {}, **ROLE_HEADERS}
# Examples per operation and kind of input; the identity rotates from one example to the next, so every
# identity sees every kind of input. Reads depend less on the caller: fewer examples there.
EXAMPLES = {"seeded": 12, "generated": 6, "negative": 6}
READ_EXAMPLES = {"seeded": 6, "generated": 3, "negative": 3}


# Status codes seen per operation: CG_FUZZ_STATS=1 prints them (how deep did the fuzzing get?).
STATUSES: defaultdict[tuple[str, str, str], Counter[int]] = defaultdict(Counter)


@dataclass
class Target:
    service: str
    app: InProcessApp
    schema: Any
    world: World


@pytest.fixture(scope="session")
async def contract_databases(database_factory) -> dict[str, str]:
    urls = {}
    for service in FUZZED:
        urls[service] = await database_factory("postgresql")
        await migrate(service, urls[service])
    return urls


@pytest.fixture(scope="session")
def targets(contract_databases, broker) -> Iterator[dict[str, Target]]:
    built: dict[str, Target] = {}

    class Lazy(dict[str, Target]):
        def __missing__(self, service: str) -> Target:
            spec = openapi_of(service)
            # A real broker only so that /readyz can be ready: no relay, no consumer runs.
            built_app = build_app(
                service, contract_databases[service], kafka_bootstrap_servers=broker.bootstrap
            )
            app = InProcessApp(built_app, service)
            world = app.thread.run(SEEDERS[service](app.client, spec))
            target = Target(service, app, schemathesis.openapi.from_dict(spec), world)
            built[service] = target
            self[service] = target
            return target

    yield Lazy()
    for target in built.values():
        target.app.close()


def _id(param: tuple[str, str, str]) -> str:
    service, method, path = param
    return f"{service}:{method} {path}"


OPERATIONS = [(s, m, p) for s in FUZZED for m, p in operations(s)]


def strategies(operation: Any, world: World, *, read_only: bool) -> list[tuple[str, Any, int]]:
    budget = READ_EXAMPLES if read_only else EXAMPLES
    found: list[tuple[str, Any, int]] = []
    names = [p.name for p in operation.path_parameters]
    if names and all(n in world for n in names):
        seeded = {n: str(world[n]) for n in names}
        found.append(
            (
                "seeded",
                operation.as_strategy(GenerationMode.POSITIVE, path_parameters=seeded),
                budget["seeded"],
            )
        )
    found.append(("generated", operation.as_strategy(GenerationMode.POSITIVE), budget["generated"]))
    # An operation with nothing to violate may have no negative strategy at all.
    with contextlib.suppress(Exception):
        found.append(("negative", operation.as_strategy(GenerationMode.NEGATIVE), budget["negative"]))
    return found


def send_and_validate(target: Target, case: Any, headers: dict[str, str]) -> None:
    kwargs = case.as_transport_kwargs(base_url="http://testserver", headers=headers)
    kwargs.pop("cookies", None)
    prepared = requests.Request(**kwargs).prepare()
    response = target.app.request(
        prepared.method or "GET",
        prepared.url or "",
        headers={k: v for k, v in prepared.headers.items() if k.lower() != "content-length"},
        content=prepared.body if isinstance(prepared.body, bytes) else (prepared.body or "").encode(),
    )
    STATUSES[(target.service, case.method, case.path)][response.status_code] += 1
    case.validate_response(response, checks=CHECKS, headers=headers)


def fuzzer(target: Target, strategy: Any, count: int, run_seed: int, offset: int = 0) -> Any:
    identities = list(IDENTITIES.items())
    calls = offset

    @seed(run_seed)
    @settings(
        max_examples=count,
        deadline=None,
        database=None,
        # The schema's explicit examples are the same for every seed: the first seed runs them.
        phases=[Phase.explicit, Phase.generate] if offset == 0 else [Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        nonlocal calls
        identity, headers = identities[calls % len(identities)]
        calls += 1
        try:
            send_and_validate(target, case, headers)
        except Exception as exc:
            exc.add_note(f"as {identity}")
            raise

    return run


@pytest.mark.parametrize(("service", "method", "path"), OPERATIONS, ids=[_id(o) for o in OPERATIONS])
def test_operation_honours_its_contract(targets, service: str, method: str, path: str) -> None:
    target = targets[service]
    operation = target.schema[path][method]
    failures: list[str] = []
    for label, strategy, examples in strategies(operation, target.world, read_only=method == "GET"):
        per_seed = max(1, round(examples * SCALE / len(SEEDS)))
        for index, run_seed in enumerate(SEEDS):
            run = fuzzer(target, strategy, per_seed, run_seed, offset=index * per_seed)
            try:
                run()
            except Unsatisfiable:
                # Nothing to violate (no parameters, no body): the negative strategy has no examples.
                if label != "negative":
                    raise
            except Exception as exc:
                notes = "; ".join(getattr(exc, "__notes__", []))
                failures.append(f"[{label}, seed {run_seed}] {exc} {notes}")
    if os.environ.get("CG_FUZZ_STATS"):
        print(f"\n{service} {method} {path}: {dict(sorted(STATUSES[(service, method, path)].items()))}")
    assert not failures, f"{len(failures)} contract violation(s) in {method} {path}:\n\n" + "\n\n".join(
        failures
    )
