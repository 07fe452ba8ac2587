"""Request guards (issue 20): rate limits, authorisation before validation, ``Allow`` on 405.

Each service runs in-process on its own seeded PostgreSQL database (the security fixtures); the rate
limit tests build a second app on the same database with small limits so a handful of requests reach
them.
"""

from __future__ import annotations

import importlib
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from cg_shared.testing.helpers import auth
from tests.contract.apps import ROLE_HEADERS, SERVICES, SGG, build_app, openapi_of, operations
from tests.security.conftest import ServiceUnderTest
from tests.security.policies import ANONYMOUS_WRITES, LETTERS, POLICIES

pytestmark = [pytest.mark.postgres]

PROBLEM = "application/problem+json"
OFFICER = ROLE_HEADERS["borough_officer"]
RESIDENT = ROLE_HEADERS["resident"]


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, f"{response.status_code}: {response.text[:400]}"
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


@pytest.fixture
async def limited(service_under_test) -> AsyncIterator[Any]:
    """The registry on its seeded database, with rate limits small enough to reach in a test."""
    made: list[tuple[httpx.AsyncClient, Any]] = []

    async def make(**limits: Any) -> tuple[ServiceUnderTest, httpx.AsyncClient]:
        sut = await service_under_test("registry")
        app = build_app("registry", sut.database_url, **limits)
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, raise_app_exceptions=False, client=("192.0.2.7", 5000)),
            base_url="http://testserver",
        )
        made.append((client, app))
        return sut, client

    yield make
    for client, app in made:
        await client.aclose()
        await app.state.engine.dispose()


def project(n: int) -> dict[str, Any]:
    return {"title_ko": f"속도 제한 시험 사업 {n} {uuid.uuid4().hex[:6]}", "sgg_code": SGG}


async def test_writes_beyond_the_principals_burst_get_429_with_retry_after(limited) -> None:
    _, client = await limited(rate_limit_writes_burst=3, rate_limit_writes_per_s=0.05)
    statuses = [
        (await client.post("/v1/projects", json=project(i), headers=OFFICER)).status_code for i in range(3)
    ]
    assert statuses == [201, 201, 201]
    refused = await client.post("/v1/projects", json=project(4), headers=OFFICER)
    body = assert_problem(refused, 429)
    assert body["type"].endswith("/rate-limited")
    assert int(refused.headers["Retry-After"]) >= 1
    # Another person at the same address has their own bucket (the address's is ten times larger) …
    other = auth("borough_officer", SGG, sub="rate-limit-other-officer")
    assert (await client.post("/v1/projects", json=project(5), headers=other)).status_code == 201
    # … and reads are not limited.
    assert (await client.get("/v1/projects", headers=OFFICER)).status_code == 200


async def test_writes_beyond_the_address_burst_get_429_whoever_signs_them(limited) -> None:
    _, client = await limited(
        rate_limit_writes_burst=2, rate_limit_writes_per_s=0.05, rate_limit_address_factor=1.0
    )
    people = [auth("borough_officer", SGG, sub=f"addr-officer-{i}") for i in range(3)]
    answers = [await client.post("/v1/projects", json=project(i), headers=h) for i, h in enumerate(people)]
    assert [a.status_code for a in answers[:2]] == [201, 201]
    assert_problem(answers[2], 429)


async def test_uploads_have_their_own_smaller_bucket(limited) -> None:
    _, client = await limited(rate_limit_uploads_burst=1, rate_limit_uploads_per_s=0.05)
    csv = "title_ko,sgg_code\n업로드 제한 시험 {n},11200\n"

    async def send(n: int) -> httpx.Response:
        return await client.post(
            "/v1/imports/projects",
            params={"dry_run": "true"},
            files={"file": ("p.csv", csv.format(n=n).encode(), "text/csv")},
            headers={**OFFICER, "Idempotency-Key": str(uuid.uuid4())},
        )

    assert (await send(1)).status_code == 200
    refused = await send(2)
    assert_problem(refused, 429)
    assert "업로드" in refused.json()["detail"]  # Korean unless English is asked for
    # Ordinary writes still pass.
    assert (await client.post("/v1/projects", json=project(1), headers=OFFICER)).status_code == 201


async def test_failed_authentication_is_limited_per_address(limited) -> None:
    _, client = await limited(rate_limit_auth_failures_burst=3, rate_limit_auth_failures_per_s=0.05)
    forged = auth("smg_admin", secret="not-the-secret-not-the-secret-0123456789")
    for i in range(3):
        assert_problem(await client.post("/v1/projects", json=project(i), headers=forged), 401)
    # The address is now refused even with a good token, until the bucket refills …
    refused = await client.get("/v1/projects", headers=OFFICER)
    assert_problem(refused, 429)
    assert int(refused.headers["Retry-After"]) >= 1
    # … while anonymous public reads stay available.
    assert (await client.get("/v1/projects")).status_code == 200


async def test_limits_are_off_when_disabled(limited) -> None:
    _, client = await limited(
        rate_limit_enabled=False, rate_limit_writes_burst=1, rate_limit_writes_per_s=0.05
    )
    for i in range(3):
        assert (await client.post("/v1/projects", json=project(i), headers=OFFICER)).status_code == 201


# --- authorisation before validation -----------------------------------------------------------------


@pytest.mark.parametrize("service", SERVICES)
def test_every_write_operation_has_an_access_entry_matching_the_auth_matrix(service: str) -> None:
    table = importlib.import_module(f"cg_{service}.access").WRITE_ROLES
    assert set(table) == set(operations(service, mutating_only=True)) - ANONYMOUS_WRITES
    for key, policy in POLICIES.get(service, {}).items():
        assert {r.value for r in table[key]} == {LETTERS[c] for c in policy.allowed}, key


WRONG_ROLE_WRITES = [
    (service, method, path)
    for service in SERVICES
    for (method, path), roles in importlib.import_module(f"cg_{service}.access").WRITE_ROLES.items()
    if "resident" not in {r.value for r in roles}
]


@pytest.mark.parametrize(
    ("service", "method", "path"), WRONG_ROLE_WRITES, ids=[f"{s}:{m} {p}" for s, m, p in WRONG_ROLE_WRITES]
)
async def test_a_resident_gets_403_not_the_validation_detail(
    service_under_test, service: str, method: str, path: str
) -> None:
    sut = await service_under_test(service)
    url = re.sub(r"\{[^}]+\}", lambda m: str(sut.world.get(m.group(0)[1:-1], "x")), path)
    # A body no endpoint accepts: the refusal must not be a 422 describing what it should have been.
    response = await sut.client.request(
        method,
        url,
        content=b'{"unexpected": [1, 2, 3]}',
        headers={**RESIDENT, "Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())},
    )
    body = assert_problem(response, 403)
    assert "errors" not in body


# --- Allow on 405 ------------------------------------------------------------------------------------

ALL_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@pytest.mark.parametrize("service", SERVICES)
async def test_405_lists_every_method_of_the_path(service_under_test, service: str) -> None:
    sut = await service_under_test(service)
    spec = openapi_of(service)
    checked = 0
    for template, served in spec["paths"].items():
        methods = {m.upper() for m in served}
        missing = [m for m in ALL_METHODS if m not in methods]
        if not missing:
            continue
        url = re.sub(r"\{[^}]+\}", lambda m: str(sut.world.get(m.group(0)[1:-1], "x")), template)
        # Another template may serve the same concrete path (e.g. /v1/x/{id} and /v1/x/search).
        expected = set(methods)
        for other, other_served in spec["paths"].items():
            pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(other)) + "$"
            if re.match(pattern, url):
                expected |= {m.upper() for m in other_served}
        wrong = next((m for m in missing if m not in expected), None)
        if wrong is None:
            continue
        response = await sut.client.request(wrong, url, headers=ROLE_HEADERS["smg_admin"])
        assert response.status_code == 405, f"{wrong} {url}: {response.status_code} {response.text[:200]}"
        allow = {m.strip() for m in response.headers["Allow"].split(",")}
        if "GET" in expected:
            expected.add("HEAD")
        assert allow == expected, f"{wrong} {url}"
        checked += 1
    assert checked > 0


@pytest.mark.parametrize("service", SERVICES)
async def test_the_dev_sign_in_issues_tokens_the_services_accept(service_under_test, service: str) -> None:
    # Dev tokens are checked for issuer and audience: the sign-in must mint what the services expect.
    sut = await service_under_test(service)
    issued = await sut.client.post("/v1/dev/token", json={"role": "borough_officer", "sgg_code": SGG})
    assert issued.status_code == 200, issued.text
    token = issued.json()["access_token"]
    principal = await sut.app.state.verifier.verify(token)
    assert principal.role.value == "borough_officer" and principal.sgg_code == SGG
