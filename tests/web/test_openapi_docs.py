"""The OpenAPI documents the web app's typed clients are generated from (issue 16).

Short unique operationIds, explicit security on every operation, resolvable ``$ref``s, declared
Idempotency-Key / If-Match / ETag, the committed copies under web/openapi/ current, and the development
token endpoint present only with ``CG_AUTH_MODE=dev``.
"""

from __future__ import annotations

import importlib.util
import json
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from cg_registry.main import create_app as create_registry
from cg_registry.settings import RegistrySettings
from cg_shared.openapi import is_camel

ROOT = Path(__file__).resolve().parents[2]
METHODS = {"get", "put", "post", "patch", "delete"}


def _dump_module() -> Any:
    spec = importlib.util.spec_from_file_location("dump_openapi", ROOT / "web/scripts/dump_openapi.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def docs() -> dict[str, dict[str, Any]]:
    return _dump_module().documents()


def _ops(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(p, m, op) for p, ops in doc["paths"].items() for m, op in ops.items() if m in METHODS]


def test_operation_ids_are_short_readable_and_unique_across_services(docs) -> None:
    ids = Counter(op["operationId"] for doc in docs.values() for _, _, op in _ops(doc))
    assert [i for i, n in ids.items() if n > 1] == []
    assert [i for i in ids if not is_camel(i) or len(i) > 32] == []
    budget = {op["operationId"] for _, _, op in _ops(docs["budget"])}
    assert {"castBallot", "listElections", "electionOutcome", "budgetHealthz"} <= budget
    assert "listProjects" in {op["operationId"] for _, _, op in _ops(docs["registry"])}


def test_every_operation_states_its_security(docs) -> None:
    for doc in docs.values():
        for path, method, op in _ops(doc):
            assert "security" in op, f"{method} {path}"
            assert op.get("tags"), f"{method} {path} has no tag"
    registry = docs["registry"]["paths"]
    assert registry["/v1/projects"]["get"]["security"] == []
    assert registry["/v1/projects"]["post"]["security"] == [{"HTTPBearer": []}]
    ballots = docs["budget"]["paths"]["/v1/elections/{election_id}/ballots"]["post"]
    assert ballots["security"] == [{"HTTPBearer": []}]


def test_every_ref_resolves(docs) -> None:
    def refs(node: Any) -> list[str]:
        if isinstance(node, dict):
            found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
            return found + [r for v in node.values() for r in refs(v)]
        if isinstance(node, list):
            return [r for v in node for r in refs(v)]
        return []

    for name, doc in docs.items():
        schemas = doc["components"]["schemas"]
        missing = {r for r in refs(doc) if r.removeprefix("#/components/schemas/") not in schemas}
        assert missing == set(), name
        assert "$defs" not in json.dumps(doc), name
    assert {"ImportRow", "PaperBallot"} <= set(docs["budget"]["components"]["schemas"])


def test_headers_the_server_requires_are_declared(docs) -> None:
    for doc in docs.values():
        for path, method, op in _ops(doc):
            headers = {p["name"]: p for p in op.get("parameters", []) if p["in"] == "header"}
            if method == "post":
                assert "Idempotency-Key" in headers, f"POST {path}"
            if "If-Match" in headers and method in {"patch", "put"}:
                assert headers["If-Match"]["required"] is True, f"{method} {path}"
    review = docs["budget"]["paths"]["/v1/requests/{request_id}"]
    assert review["patch"]["parameters"][-1]["name"] in {"If-Match", "Idempotency-Key"} or any(
        p["name"] == "If-Match" for p in review["patch"]["parameters"]
    )
    assert "ETag" in review["get"]["responses"]["200"]["headers"]
    problem = review["patch"]["responses"]["412"]["content"]
    assert list(problem) == ["application/problem+json"]


def test_committed_documents_are_current(docs) -> None:
    render = _dump_module().render
    stale = [
        name
        for name, doc in docs.items()
        if (ROOT / "web/openapi" / f"{name}.json").read_text(encoding="utf-8") != render(doc)
    ]
    assert stale == [], "run `make web-api` and commit web/openapi/ and web/src/api/"


async def test_dev_token_endpoint_exists_only_in_dev_auth_mode(tmp_path) -> None:
    dev = create_registry(RegistrySettings(data_dir=tmp_path, run_relay=False, run_consumer=False))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=dev), base_url="http://t") as client:
        got = await client.post("/v1/dev/token", json={"role": "borough_officer", "sgg_code": "11200"})
        assert got.status_code == 200, got.text
        claims = jwt.decode(got.json()["access_token"], options={"verify_signature": False})
        assert (claims["role"], claims["sgg_code"]) == ("borough_officer", "11200")
        refused = await client.post("/v1/dev/token", json={"role": "borough_officer"})
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == "body.sgg_code"

    prod_like = create_registry(
        RegistrySettings(
            data_dir=tmp_path,
            auth_mode="jwks",
            jwks_url="https://idp.invalid/jwks.json",
            run_relay=False,
            run_consumer=False,
        )
    )
    assert "/v1/dev/token" not in prod_like.openapi()["paths"]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=prod_like), base_url="http://t") as client:
        absent = await client.post("/v1/dev/token", json={"role": "smg_admin"})
        assert absent.status_code == 404
