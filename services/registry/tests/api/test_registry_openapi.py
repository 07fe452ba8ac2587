"""The registry API as documented: the paths issue 3 names, problem responses, request examples."""

from __future__ import annotations

from typing import Any

from cg_registry.main import create_app
from cg_registry.settings import RegistrySettings


def _spec() -> dict[str, Any]:
    app = create_app(RegistrySettings(database_url="sqlite+aiosqlite:///:memory:", log_json=False))
    spec: dict[str, Any] = app.openapi()
    return spec


def test_issue_paths_are_served() -> None:
    paths = _spec()["paths"]
    expected = {
        ("/v1/projects", "get"),
        ("/v1/projects", "post"),
        ("/v1/projects/{project_id}", "get"),
        ("/v1/projects/{project_id}", "patch"),
        ("/v1/projects/{project_id}", "delete"),
        ("/v1/projects/{project_id}/history", "get"),
        ("/v1/projects/{project_id}/assessments", "post"),
        ("/v1/projects/{project_id}/assessments", "get"),
        ("/v1/projects/{project_id}/duplicates", "get"),
        ("/v1/boroughs/{sgg_code}/fragmentation", "get"),
        ("/v1/stats/summary", "get"),
        ("/v1/imports/projects", "post"),
        ("/v1/exports/projects.csv", "get"),
        ("/v1/exports/projects.json", "get"),
    }
    assert expected <= {(p, m) for p, ops in paths.items() for m in ops}


def test_writes_declare_problems_and_examples() -> None:
    spec = _spec()
    schemas = spec["components"]["schemas"]
    for path, operations in spec["paths"].items():
        if not path.startswith(("/v1/projects", "/v1/imports")):
            continue
        for method, op in operations.items():
            if method == "get":
                continue
            responses = set(op["responses"])
            assert {"401", "403", "422", "412", "428"} <= responses, (method, path)
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                name = body["schema"]["$ref"].rsplit("/", 1)[-1]
                assert schemas[name].get("examples"), (method, path, name)
