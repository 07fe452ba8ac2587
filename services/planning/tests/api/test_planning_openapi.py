"""The planning API as documented: every path the issue names, examples on every request body."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from cg_planning.main import ROUTERS


def _spec() -> dict[str, Any]:
    # Only the planning routers: the shared admin routes are the platform's to document.
    app = FastAPI()
    for router in ROUTERS:
        app.include_router(router)
    return app.openapi()


def test_resource_paths_use_the_issue_nouns() -> None:
    paths = set(_spec()["paths"])
    assert {
        "/v1/plans",
        "/v1/plans/{plan_id}",
        "/v1/plans/{plan_id}/items",
        "/v1/plans/{plan_id}/transitions",
        "/v1/plans/{plan_id}/submit",
        "/v1/plans/{plan_id}/evaluation",
        "/v1/plans/{plan_id}/evaluation/{fiscal_year}",
        "/v1/plans/{plan_id}/metrics",
        "/v1/plans/{plan_id}/decisions",
        "/v1/plan-workflow",
        "/v1/items/{item_id}",
        "/v1/items/{item_id}/deliberations",
        "/v1/items/{item_id}/convergence",
        "/v1/deliberations/{deliberation_id}",
        "/v1/proposals",
        "/v1/proposals/mine",
        "/v1/proposals/{proposal_id}",
        "/v1/proposals/{proposal_id}/screening",
        "/v1/registry-projects",
        "/v1/registry-projects/{project_id}",
    } <= paths


def test_every_write_documents_examples_and_problem_responses() -> None:
    spec = _spec()
    schemas = spec["components"]["schemas"]
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            assert "200" in op["responses"] or "201" in op["responses"], (method, path)
            assert {"401", "403", "404", "409", "422"} <= set(op["responses"]), (method, path)
            if method not in ("post", "patch"):
                continue
            body = op.get("requestBody")
            if body is None:
                continue
            ref = body["content"]["application/json"]["schema"]
            ref = ref.get("$ref") or next(s["$ref"] for s in ref.get("anyOf", []) if "$ref" in s)
            schema = schemas[ref.rsplit("/", 1)[-1]]
            assert schema.get("examples"), f"{method.upper()} {path}: request body {ref} has no examples"
