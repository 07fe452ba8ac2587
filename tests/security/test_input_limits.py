"""Input limits and hostile input (issue 10, item 4): each case is refused with a clear problem or handled
safely — never a 5xx, never a partial write.

- bodies and uploads above ``CG_MAX_BODY_BYTES`` → 413 (declared or streamed without a length);
- deeply nested JSON (10,000 levels) → 4xx problem, not a crash;
- Hangul edge cases in names (NFD, conjoining jamo, zero-width characters, emoji, NUL) → refused or
  stored canonically and returned as stored;
- CSV exports neutralise cells starting with = + - @ (registry and budget);
- SQL-ish search strings (quotes, comments, %, _, backslashes, NUL) → 200 with exactly the literal
  matches, or a 422 naming the parameter.
"""

from __future__ import annotations

import csv
import io
import unicodedata
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.contract.apps import ROLE_HEADERS, SERVICES, SGG, build_app
from tests.contract.world import PB_FILE
from tests.security.conftest import ServiceUnderTest

pytestmark = [pytest.mark.postgres]

ADMIN = ROLE_HEADERS["smg_admin"]
OFFICER = ROLE_HEADERS["borough_officer"]
SECRETARY = ROLE_HEADERS["committee_secretary"]
PROBLEM = "application/problem+json"
LIMIT = 64 * 1024

# One JSON-body write per service that the officer (or secretary) may call with the world's ids.
JSON_WRITES: dict[str, tuple[str, str, dict[str, str]]] = {
    "registry": ("POST", "/v1/projects", OFFICER),
    "committee": ("POST", "/v1/committees/{committee_id}/working-groups", SECRETARY),
    "planning": ("POST", "/v1/plans/{plan_id}/items", OFFICER),
    "budget": ("POST", "/v1/requests", OFFICER),
}


def fill(path: str, world: dict[str, Any]) -> str:
    for key, value in world.items():
        path = path.replace("{" + key + "}", str(value))
    return path


def assert_problem(response: httpx.Response, *statuses: int) -> None:
    assert response.status_code in statuses, f"{response.status_code}: {response.text[:500]}"
    assert response.headers["content-type"].startswith(PROBLEM), response.headers
    assert response.json()["status"] == response.status_code


@pytest.fixture
async def small_limit(service_under_test):
    """The same service and database, but with CG_MAX_BODY_BYTES = 64 KiB."""
    clients: list[tuple[httpx.AsyncClient, Any]] = []

    async def make(service: str) -> tuple[ServiceUnderTest, httpx.AsyncClient]:
        sut = await service_under_test(service)
        app = build_app(service, sut.database_url, max_body_bytes=LIMIT)
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://testserver"
        )
        clients.append((client, app))
        return sut, client

    yield make
    for client, app in clients:
        await client.aclose()
        await app.state.engine.dispose()


# --- oversized bodies and uploads --------------------------------------------------------------------


@pytest.mark.parametrize("service", SERVICES)
async def test_oversized_json_body_is_413_and_writes_nothing(small_limit, service: str) -> None:
    sut, client = await small_limit(service)
    method, path, who = JSON_WRITES[service]
    url = fill(path, sut.world)
    big = {"title_ko": "큰 요청", "padding": "가" * (LIMIT // 2)}  # 3 bytes per syllable: > 64 KiB
    before = await sut.snapshot()
    declared = await client.request(method, url, json=big, headers=who)
    assert_problem(declared, 413)

    async def chunks() -> AsyncIterator[bytes]:
        # No Content-Length: the limit must hold while streaming, not only for honest headers.
        for _ in range(40):
            yield b" " * 4096
        yield b"{}"

    streamed = await client.request(
        method, url, content=chunks(), headers={**who, "Content-Type": "application/json"}
    )
    assert_problem(streamed, 413)
    assert await sut.snapshot() == before


UPLOADS = [
    ("registry", "/v1/imports/projects", {}),
    ("budget", "/v1/imports", {"kind": "appropriation", "sgg_code": SGG, "fiscal_year": 2027}),
    ("budget", "/v1/elections/import-pb", {"cycle_id": "{cycle_id}"}),
    ("budget", "/v1/elections/{election_id}/ballots/imports", {}),
]


@pytest.mark.parametrize(("service", "path", "params"), UPLOADS, ids=[f"{s}:{p}" for s, p, _ in UPLOADS])
async def test_oversized_upload_is_413_and_writes_nothing(
    small_limit, service: str, path: str, params: dict[str, Any]
) -> None:
    sut, client = await small_limit(service)
    url = fill(path, sut.world)
    query = {k: fill(str(v), sut.world) for k, v in params.items()}
    row = "title_ko,sgg_code,total_krw\n" + "성수동 마을 사업,11200,1000\n" * 4000  # ~130 KB
    before = await sut.snapshot()
    response = await client.post(
        url,
        params=query,
        files={"file": ("big.csv", row.encode(), "text/csv")},
        headers={**OFFICER, "Idempotency-Key": str(uuid.uuid4())},
    )
    assert_problem(response, 413)
    assert await sut.snapshot() == before


async def test_uploads_within_the_limit_still_work(small_limit) -> None:
    # The limit is not a blanket refusal of uploads: a small Pabulib file is accepted as before.
    _, client = await small_limit("budget")
    response = await client.post(
        "/v1/pb/outcome",
        params={"rule": "greedy"},
        files={"file": ("small.pb", PB_FILE.encode(), "text/plain")},
        headers=OFFICER,
    )
    assert response.status_code == 200, response.text


# --- deeply nested JSON ------------------------------------------------------------------------------


@pytest.mark.parametrize("service", SERVICES)
async def test_deeply_nested_json_is_refused_not_a_crash(service_under_test, service: str) -> None:
    sut = await service_under_test(service)
    method, path, who = JSON_WRITES[service]
    url = fill(path, sut.world)
    before = await sut.snapshot()
    depth = 10_000
    arrays = b"[" * depth + b"]" * depth
    response = await sut.client.request(
        method, url, content=arrays, headers={**who, "Content-Type": "application/json"}
    )
    assert_problem(response, 400, 422)
    objects = b'{"title_ko":' + b'{"a":' * depth + b"1" + b"}" * depth + b"}"
    response = await sut.client.request(
        method, url, content=objects, headers={**who, "Content-Type": "application/json"}
    )
    assert_problem(response, 400, 422)
    assert await sut.snapshot() == before
    # The service is still healthy afterwards.
    assert (await sut.client.get("/healthz")).status_code == 200


# --- Unicode edge cases in Hangul names --------------------------------------------------------------

NFC = "성수동 마을공동체"
HANGUL_CASES = {
    "nfd": unicodedata.normalize("NFD", NFC),  # macOS input: conjoining jamo
    "compatibility jamo": "ㅅㅓㅇ수동 마을",  # jamo typed separately
    "zero-width": "성수\u200b동\u200d 마을\ufeff",
    "emoji": "성수동 🏘️ 마을 👩‍👩‍👧",
    "halfwidth": "ﾠ성수동 마을",
    "rtl override": "성수동 \u202e마을",
}
# Names in each service, written through its API: (method, path, who, body builder with the name).
NAME_WRITES: dict[str, tuple[str, str, dict[str, str], Any]] = {
    "registry": ("POST", "/v1/projects", OFFICER, lambda n: {"title_ko": n, "sgg_code": SGG}),
    "committee": (
        "POST",
        "/v1/committees/{committee_id}/working-groups",
        SECRETARY,
        lambda n: {"name_ko": n, "purpose": "시험"},
    ),
    "planning": (
        "POST",
        "/v1/plans/{plan_id}/items",
        OFFICER,
        lambda n: {"title_ko": n, "origin": "resident"},
    ),
    "budget": (
        "POST",
        "/v1/requests",
        OFFICER,
        lambda n: {"title_ko": n, "sgg_code": SGG, "fiscal_year": 2027, "amount_krw": 1000},
    ),
}
NAME_FIELD = {"registry": "title_ko", "committee": "name_ko", "planning": "title_ko", "budget": "title_ko"}


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("case", list(HANGUL_CASES))
async def test_hangul_edge_cases_are_stored_canonically_and_round_trip(
    service_under_test, service: str, case: str
) -> None:
    sut = await service_under_test(service)
    method, path, who, body = NAME_WRITES[service]
    field = NAME_FIELD[service]
    name = HANGUL_CASES[case]
    created = await sut.client.request(method, fill(path, sut.world), json=body(name), headers=who)
    if created.status_code == 422:
        assert_problem(created, 422)  # refused, with a field named
        assert any(field in e["field"] for e in created.json().get("errors", [])), created.text
        return
    assert created.status_code == 201, created.text
    stored = created.json()[field]
    # Stored safely: the same text in canonical (NFC) form, or the input itself — never mangled.
    assert stored in {name, unicodedata.normalize("NFC", name), unicodedata.normalize("NFC", name).strip()}
    assert stored == unicodedata.normalize("NFC", stored), "names must be stored in NFC"
    location = created.headers.get("Location") or created.json().get("id")
    assert location
    read = await sut.client.get(location if location.startswith("/") else location.split("testserver")[-1])
    if read.status_code == 200:
        assert read.json()[field] == stored, "a name must read back exactly as stored"


@pytest.mark.parametrize("service", SERVICES)
async def test_nul_and_control_characters_in_names_are_refused(service_under_test, service: str) -> None:
    sut = await service_under_test(service)
    method, path, who, body = NAME_WRITES[service]
    before = await sut.snapshot()
    for name in ("성수\x00동", "성수\x07동\x1b[31m"):
        response = await sut.client.request(method, fill(path, sut.world), json=body(name), headers=who)
        # PostgreSQL cannot store NUL in text: a 500 here would be the database, not the API, refusing.
        assert response.status_code != 500, response.text
        if response.status_code == 201:
            stored = response.json()[NAME_FIELD[service]]
            assert "\x00" not in stored
        else:
            assert_problem(response, 422)
    after = await sut.snapshot()
    assert after.keys() == before.keys()


async def test_search_finds_decomposed_hangul_by_its_composed_form(service_under_test) -> None:
    sut = await service_under_test("registry")
    title = f"{NFC} {uuid.uuid4().hex[:6]}"
    created = await sut.client.post(
        "/v1/projects",
        json={"title_ko": unicodedata.normalize("NFD", title), "sgg_code": SGG},
        headers=OFFICER,
    )
    assert created.status_code == 201, created.text
    for query in (title, unicodedata.normalize("NFD", title)):
        found = await sut.client.get("/v1/projects", params={"q": query})
        assert found.status_code == 200, found.text
        assert [p["id"] for p in found.json()["items"]] == [created.json()["id"]], query


# --- CSV injection in exports ------------------------------------------------------------------------

FORMULAS = ['=HYPERLINK("http://evil.example","열기")', "+1+1", "-2+3", "@SUM(A1:A9)", "=cmd|' /C calc'!A0"]


def cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def assert_neutralised(rows: list[list[str]], marker: str) -> None:
    flagged = [c for row in rows for c in row if marker in c]
    assert flagged, f"the test rows ({marker}) are not in the export"
    dangerous = [
        c for row in rows for c in row if c[:1] in {"=", "+", "-", "@", "\t", "\r"} and not _number(c)
    ]
    assert not dangerous, f"formula cells reached the CSV: {dangerous}"
    for formula in FORMULAS:
        assert any(c == "'" + formula or c.startswith("'" + formula) for c in flagged), formula


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


async def test_registry_csv_export_neutralises_formulas(service_under_test) -> None:
    sut = await service_under_test("registry")
    marker = uuid.uuid4().hex[:8]
    for formula in FORMULAS:
        created = await sut.client.post(
            "/v1/projects",
            json={
                "title_ko": formula,
                "title_en": f"{formula} {marker}",
                "lead_department": formula,
                "sgg_code": SGG,
                "partners": [{"name": formula}],
            },
            headers=OFFICER,
        )
        assert created.status_code == 201, created.text
    export = await sut.client.get("/v1/exports/projects.csv", params={"q": marker})
    assert export.status_code == 200, export.text
    rows = cells(export.text)
    assert_neutralised(rows, marker)
    titles = [row[rows[0].index("title_ko")] for row in rows[1:]]
    assert sorted(titles) == sorted("'" + f for f in FORMULAS)


async def test_budget_csv_exports_neutralise_formulas(service_under_test) -> None:
    sut = await service_under_test("budget")
    world = sut.world
    marker = uuid.uuid4().hex[:8]
    for formula in FORMULAS:
        created = await sut.client.post(
            "/v1/requests",
            json={
                "title_ko": f"{formula} {marker}",
                "sgg_code": SGG,
                "fiscal_year": world["fiscal_year"],
                "amount_krw": 1000,
                "program_codes": {"account": "일반회계", "field": "080", "sector": "084"},
            },
            headers=OFFICER,
        )
        assert created.status_code == 201, created.text
    export = await sut.client.get(f"/v1/cycles/{world['cycle_id']}/export", params={"format": "csv"})
    assert export.status_code == 200, export.text
    rows = cells(export.text)
    flagged = [c for row in rows for c in row if marker in c]
    assert len(flagged) >= len(FORMULAS), f"the requests are not in the cycle export: {rows[:3]}"
    assert all(c.startswith("'") for c in flagged if c[1:2] in {"=", "+", "-", "@"} or c[:1] == "'"), flagged
    assert not [c for row in rows for c in row if c[:1] in {"=", "+", "@"}], "formula cells in the export"
    reconciliation = await sut.client.get(
        "/v1/reconciliation/export",
        params={"format": "csv", "sgg_code": SGG, "fiscal_year": world["fiscal_year"]},
    )
    assert reconciliation.status_code == 200, reconciliation.text
    recon_rows = cells(reconciliation.text)
    assert not [c for row in recon_rows for c in row if c[:1] in {"=", "+", "@"}], "formula cells"
    assert not [c for row in recon_rows for c in row if c[:1] == "-" and not _number(c)]


# --- SQL-ish strings in search -----------------------------------------------------------------------

HOSTILE = [
    "' OR 1=1 --",
    "'; DROP TABLE projects; --",
    '" OR ""="',
    "%",
    "_",
    "\\",
    "%_%",
    "\\%",
    "' UNION SELECT 1 --",
]


async def test_registry_search_treats_sqlish_strings_as_literals(service_under_test) -> None:
    sut = await service_under_test("registry")
    marker = uuid.uuid4().hex[:8]
    literal = {
        "%": f"참여율 100% 달성 {marker}",
        "_": f"snake_case 사업 {marker}",
        "\\": f"경로 C:\\마을 {marker}",
    }
    ids = {}
    for key, title in literal.items():
        created = await sut.client.post(
            "/v1/projects", json={"title_ko": title, "sgg_code": SGG}, headers=OFFICER
        )
        assert created.status_code == 201, created.text
        ids[key] = created.json()["id"]
    total = (await sut.client.get("/v1/projects", params={"limit": 500})).json()["items"]
    assert len(total) > len(literal), "the world must hold other projects for this test to mean anything"
    for query in HOSTILE:
        response = await sut.client.get("/v1/projects", params={"q": query, "limit": 500})
        assert response.status_code in {200, 422}, f"{query!r}: {response.status_code} {response.text[:300]}"
        if response.status_code == 422:
            assert_problem(response, 422)
            continue
        found = {p["id"] for p in response.json()["items"]}
        # Exactly the projects that contain the string literally (wildcards are not wildcards).
        expected = {pid for key, pid in ids.items() if query.strip() and query in literal[key]}
        assert found == expected, f"{query!r} matched {len(found)} projects, expected {len(expected)}"
    # The data is intact after all that.
    after = (await sut.client.get("/v1/projects", params={"limit": 500})).json()["items"]
    assert len(after) == len(total)


@pytest.mark.parametrize("service", SERVICES)
async def test_free_text_filters_refuse_or_ignore_sqlish_strings(service_under_test, service: str) -> None:
    sut = await service_under_test(service)
    probes: list[tuple[str, dict[str, str]]] = [("/v1/audit", {"entity_id": q}) for q in HOSTILE]
    if service == "registry":
        probes += [("/v1/projects", {"policy_field": q}) for q in HOSTILE]
        probes += [("/v1/exports/projects.csv", {"q": "' OR 1=1 --"})]
    if service == "budget":
        probes += [("/v1/requests", {"cycle_id": q}) for q in HOSTILE]
        probes += [("/v1/elections", {"cycle_id": q}) for q in HOSTILE]
    if service == "planning":
        probes += [("/v1/registry-projects", {"policy_field": q}) for q in HOSTILE]
    for path, params in probes:
        response = await sut.client.get(path, params=params, headers=ADMIN)
        assert response.status_code in {200, 422}, (
            f"{path} {params!r}: {response.status_code} {response.text[:300]}"
        )
        if response.status_code == 422:
            assert_problem(response, 422)
        elif path.endswith(".csv"):
            assert len(cells(response.text)) == 1, "a hostile filter matched projects"
        else:
            assert response.json()["items"] == [], f"{path} {params!r} matched rows"


async def probe_nul(sut: ServiceUnderTest, probes: list[tuple[str, dict[str, str]]]) -> list[str]:
    bad = []
    for path, params in probes:
        response = await sut.client.get(path, params=params, headers=ADMIN)
        if response.status_code not in {200, 422}:
            bad.append(f"{path} {params!r}: {response.status_code}")
        elif response.status_code == 200:
            assert response.json()["items"] == []
        else:
            assert_problem(response, 422)
    return bad


@pytest.mark.parametrize("service", ["registry", "budget"])
async def test_nul_in_query_parameters_is_refused_not_a_crash(service_under_test, service: str) -> None:
    # PostgreSQL cannot compare text with NUL: a NUL that reaches a query parameter is a 500, not a 0-row answer.
    sut = await service_under_test(service)
    probes = {
        "registry": [
            ("/v1/projects", {"q": "성수\x00동"}),
            ("/v1/projects", {"policy_field": "\x00"}),
            ("/v1/projects", {"plan_item_id": "a\x00"}),
        ],
        "budget": [("/v1/requests", {"cycle_id": "\x00"}), ("/v1/elections", {"cycle_id": "\x00"})],
    }[service]
    bad = await probe_nul(sut, probes)
    assert not bad, "\n".join(bad)
    if service == "budget":
        upload = await sut.client.post(
            "/v1/elections/import-pb",
            params={"cycle_id": "\x00"},
            files={"file": ("e.pb", PB_FILE.encode(), "text/plain")},
            headers={**OFFICER, "Idempotency-Key": str(uuid.uuid4())},
        )
        assert_problem(upload, 422)


@pytest.mark.parametrize("service", SERVICES)
async def test_nul_in_audit_filters_is_refused_not_a_crash(service_under_test, service: str) -> None:
    sut = await service_under_test(service)
    bad = await probe_nul(
        sut, [("/v1/audit", {"entity_type": "x\x00y"}), ("/v1/audit", {"entity_id": "\x00"})]
    )
    assert not bad, "\n".join(bad)
