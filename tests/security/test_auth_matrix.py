"""Auth matrix and audit trail over every mutating endpoint of every service (issue 10, items 3 and 6).

The endpoints come from each app's OpenAPI document, so a new endpoint is in the matrix the moment it
exists (and fails until :mod:`tests.security.policies` says who may call it). For every endpoint, with
a request that is otherwise valid (real ids from the seeded world, the OpenAPI example body):

- no token, an expired token and a token with a bad signature → 401;
- every role that may not call it → 403; an allowed role of another borough → 403;
- every refusal is ``application/problem+json`` and leaves every table exactly as it was (row counts
  and content digests; ``audit_log`` included);
- the right role of the right borough succeeds, and the change wrote an audit row naming the actor,
  the action and the before/after state, readable through ``GET /v1/audit`` by ``smg_admin`` only.
"""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
import jwt
import pytest
from sqlalchemy import text

from cg_shared.auth import mint_dev_token
from cg_shared.settings import DEFAULT_DEV_SECRET
from cg_shared.testing.helpers import auth
from tests.contract.apps import OTHER_SGG, ROLE_HEADERS, SERVICES, SGG, operations
from tests.contract.world import SEEDERS, World, example_body, fill_ids
from tests.security.conftest import ServiceUnderTest
from tests.security.policies import ANONYMOUS_WRITES, LETTERS, POLICIES, Policy, request_id

pytestmark = [pytest.mark.postgres]

COVERED = tuple(s for s in SERVICES if s in SEEDERS and s in POLICIES)
ENDPOINTS = [
    (s, m, p) for s in COVERED for m, p in operations(s, mutating_only=True) if (m, p) not in ANONYMOUS_WRITES
]
IDS = [f"{s}:{m} {p}" for s, m, p in ENDPOINTS]
BOROUGH_ROLES = {"borough_officer", "committee_secretary", "committee_member"}
PROBLEM = "application/problem+json"


def token(role: str, *, sgg_code: str | None, secret: str = DEFAULT_DEV_SECRET, **kw: Any) -> dict[str, str]:
    return {"Authorization": "Bearer " + mint_dev_token(secret=secret, role=role, sgg_code=sgg_code, **kw)}


def policy_for(service: str, method: str, path: str) -> Policy:
    policy = POLICIES[service].get((method, path))
    if policy is None:
        pytest.fail(
            f"{service} {method} {path} has no row in tests/security/policies.py: say who may call it "
            "(a new endpoint must enter the auth matrix)"
        )
    return policy


def build(
    sut: ServiceUnderTest, method: str, path: str, policy: Policy, world: World, body: Any = None
) -> tuple[str, dict[str, Any]]:
    url = path
    for name in re.findall(r"{(\w+)}", path):
        assert name in world, f"the seeded {sut.service} world has no {name} for {path}"
        url = url.replace("{" + name + "}", str(world[name]))
    op = sut.spec["paths"][path][method.lower()]
    headers = {p["name"]: "" for p in op.get("parameters", []) if p["in"] == "header"}
    kwargs: dict[str, Any] = {"headers": {}, "params": policy.params(world) if policy.params else {}}
    if "If-Match" in headers:
        kwargs["headers"]["If-Match"] = "*"
    if "Idempotency-Key" in headers:
        kwargs["headers"]["Idempotency-Key"] = request_id()
    if policy.files is not None:
        kwargs["files"] = policy.files(world)
    else:
        if body is None:
            body = (
                policy.body(sut.spec, world)
                if policy.body
                else fill_ids(example_body(sut.spec, method, path), world)
            )
        if body is not None:
            kwargs["json"] = body
    return url, kwargs


async def send(
    sut: ServiceUnderTest, method: str, url: str, kwargs: dict[str, Any], identity: dict[str, str]
) -> httpx.Response:
    headers = {**kwargs["headers"], **identity}
    if "Idempotency-Key" in headers:
        headers["Idempotency-Key"] = request_id()  # never replay another variant's answer
    return await sut.client.request(method, url, **{**kwargs, "headers": headers})


def refusals(policy: Policy) -> list[tuple[str, dict[str, str], int]]:
    """(label, identity headers, expected status) of every call that must be refused."""
    allowed = policy.roles
    # The credentials problems are shown with a role that would otherwise pass.
    role = allowed[0] if allowed else "smg_admin"
    sgg = SGG if role in BOROUGH_ROLES else None
    variants: list[tuple[str, dict[str, str], int]] = [
        ("no token", {}, 401),
        ("expired token", token(role, sgg_code=sgg, now=time.time() - 7200, ttl_s=60), 401),
        ("bad signature", token(role, sgg_code=sgg, secret="an-attacker-secret-" + "x" * 32), 401),
        ("not a JWT", {"Authorization": "Bearer not.a.jwt"}, 401),
    ]
    for name in LETTERS.values():
        if name not in allowed:
            variants.append((f"wrong role {name}", ROLE_HEADERS[name], 403))
    variants.extend((label, identity, 403) for label, identity in policy.extra_refusals)
    if policy.scoped:
        for name in allowed:
            if name in BOROUGH_ROLES:
                variants.append((f"{name} of {OTHER_SGG}", auth(name, OTHER_SGG, sub=f"other-{name}"), 403))
    return variants


@pytest.mark.parametrize(("service", "method", "path"), ENDPOINTS, ids=IDS)
async def test_refused_calls_are_problems_and_write_nothing(
    service_under_test, service: str, method: str, path: str
) -> None:
    policy = policy_for(service, method, path)
    sut = await service_under_test(service)
    url, kwargs = build(sut, method, path, policy, sut.world)
    before = await sut.snapshot()
    wrong: list[str] = []
    for label, identity, expected in refusals(policy):
        response = await send(sut, method, url, kwargs, identity)
        problem = response.headers.get("content-type", "").startswith(PROBLEM)
        if response.status_code != expected or not problem or response.json().get("status") != expected:
            wrong.append(
                f"{label}: expected {expected} problem, got {response.status_code} {response.text[:300]}"
            )
    after = await sut.snapshot()
    changed = sorted(t for t in before if before[t] != after.get(t))
    assert not wrong, f"{method} {path}:\n" + "\n".join(wrong)
    assert not changed, f"refused calls to {method} {path} changed {changed}"


# Endpoints without a row stay in: their test fails and asks for one.
SUCCESSES = [
    (s, m, p) for s, m, p in ENDPOINTS if (row := POLICIES[s].get((m, p))) is None or row.success is not None
]


def identity_for(policy: Policy) -> dict[str, str]:
    assert policy.success is not None
    if policy.success.headers:
        return policy.success.headers
    letter = policy.success.role or (policy.allowed[:1] or "A")
    return ROLE_HEADERS["smg_admin" if letter == "A" else LETTERS[letter]]


async def max_audit_id(sut: ServiceUnderTest) -> int:
    async with sut.app.state.engine.connect() as conn:
        return int((await conn.execute(text("SELECT coalesce(max(id), 0) FROM audit_log"))).scalar_one())


@pytest.mark.parametrize(
    ("service", "method", "path"), SUCCESSES, ids=[f"{s}:{m} {p}" for s, m, p in SUCCESSES]
)
async def test_right_role_succeeds_and_is_audited(
    service_under_test, service: str, method: str, path: str
) -> None:
    policy = policy_for(service, method, path)
    assert policy.success is not None
    sut = await service_under_test(service)
    world = dict(sut.world)
    if policy.success.prepare is not None:
        world.update(await policy.success.prepare(sut.client, sut.spec, world))
    body = policy.success.body(sut.spec, world) if policy.success.body else None
    url, kwargs = build(sut, method, path, policy, world, body)
    identity = identity_for(policy)
    actor = jwt.decode(identity["Authorization"][7:], options={"verify_signature": False})["sub"]
    first_new = await max_audit_id(sut) + 1
    before = await sut.snapshot()
    response = await send(sut, method, url, kwargs, identity)
    assert response.status_code in policy.success.status, (
        f"{method} {url}: {response.status_code} {response.text[:800]}"
    )
    after = await sut.snapshot()
    # A remembered Idempotency-Key answer is the middleware's bookkeeping, not a change to audit.
    bookkeeping = {"audit_log", "outbox", "idempotency_keys"}
    changed = sorted(t for t in before if before[t] != after.get(t) and t not in bookkeeping)
    if not changed:
        # Nothing was written (e.g. a term sweep with no ended term): nothing to audit.
        assert first_new > await max_audit_id(sut), "an audit row for a call that changed nothing"
        return

    # Every write is audited in its own transaction: actor, action, entity and before/after state.
    async with sut.app.state.engine.connect() as conn:
        rows = (
            (
                await conn.execute(
                    text(
                        "SELECT id, actor, actor_role, action, entity_type, entity_id, before, after "
                        "FROM audit_log WHERE id >= :first ORDER BY id"
                    ),
                    {"first": first_new},
                )
            )
            .mappings()
            .all()
        )
    assert rows, f"{method} {path} changed {changed} but wrote no audit row"
    mine = [r for r in rows if r["actor"] == actor]
    assert mine, f"no audit row names the actor {actor}: {[dict(r) for r in rows]}"
    for row in mine:
        assert row["action"] and row["entity_type"], dict(row)
        assert row["before"] is not None or row["after"] is not None, f"audit row without state: {dict(row)}"

    # Readable by smg_admin only.
    newest = mine[-1]
    params = {"entity_type": newest["entity_type"]}
    if newest["entity_id"]:
        params["entity_id"] = newest["entity_id"]
    listed = await sut.client.get("/v1/audit", params=params, headers=ROLE_HEADERS["smg_admin"])
    assert listed.status_code == 200, listed.text
    assert newest["id"] in [item["id"] for item in listed.json()["items"]]
    for name in LETTERS.values():
        refused = await sut.client.get("/v1/audit", params=params, headers=ROLE_HEADERS[name])
        assert refused.status_code == 403 and refused.headers["content-type"].startswith(PROBLEM)
    assert (await sut.client.get("/v1/audit", params=params)).status_code == 401
