"""The OpenAPI documents as a frontend team needs them: one place, applied by ``create_service_app``.

* operationIds are the handler's name in camelCase (``list_projects`` → ``listProjects``); the shared
  operational routes (health, metrics, audit, dead letters) are prefixed with the service
  (``registryHealthz``) so ids are unique across the four services (``tests/contract`` checks it).
* Pydantic ``$defs`` embedded in hand-written ``openapi_extra`` bodies are hoisted into
  ``components/schemas`` so every ``$ref`` resolves.
* Every operation states its security: ``[]`` for public routes, bearer for authenticated ones and
  ``[{}, bearer]`` where a token is optional (public reads that show more to a signed-in caller).
* ``Idempotency-Key`` is declared on every POST (the middleware honours it everywhere), ``If-Match`` is
  required on PATCH/PUT that read it, and ``ETag`` is declared on responses of resources that carry one.
* Error responses are ``application/problem+json`` with the ``ProblemDetail`` schema.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from cg_shared.auth import current_principal, optional_principal
from cg_shared.http import PROBLEM_MEDIA_TYPE

BEARER = "HTTPBearer"
SHARED_TAGS = {"operations", "development", "boroughs"}  # routes every service has
HTTP_METHODS = {"get", "put", "post", "patch", "delete", "head", "options"}
IDEMPOTENCY_PARAM: dict[str, Any] = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Repeat the same key to retry the POST safely; the first response is replayed",
    "schema": {"type": "string", "maxLength": 200},
}
ETAG_HEADER: dict[str, Any] = {
    "description": "Version of the resource; send it back as If-Match to change it",
    "schema": {"type": "string"},
}


def camel(name: str) -> str:
    head, *rest = [p for p in name.split("_") if p]
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def operation_id_function(service: str) -> Callable[[APIRoute], str]:
    """``generate_unique_id_function`` for FastAPI: short camelCase ids from handler names."""

    def generate(route: APIRoute) -> str:
        name = camel(route.name)
        if SHARED_TAGS & set(route.tags or []):
            return camel(service) + name[:1].upper() + name[1:]
        return name

    return generate


def _auth_kind(dependant: Dependant) -> str | None:
    """``required``, ``optional`` or None: does the route need, accept or ignore a bearer token?"""
    found: set[str] = set()

    def walk(dep: Dependant) -> None:
        if dep.call is current_principal:
            found.add("required")
        elif dep.call is optional_principal:
            found.add("optional")
        for sub in dep.dependencies:
            walk(sub)

    walk(dependant)
    if "required" in found:
        return "required"
    return "optional" if found else None


def _api_routes(app: FastAPI) -> list[tuple[str, set[str], APIRoute]]:
    """Every API route with its full path (FastAPI ≥ 0.16x keeps included routers unflattened)."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # older FastAPI: included routes are flat APIRoutes
        return [(r.path_format, set(r.methods or ()), r) for r in app.routes if isinstance(r, APIRoute)]
    found = []
    for ctx in iter_route_contexts(app.routes):
        route = ctx.original_route
        if isinstance(route, APIRoute) and ctx.path_format:
            found.append((ctx.path_format, set(ctx.methods or ()), route))
    return found


def _hoist_defs(node: Any, schemas: dict[str, Any]) -> None:
    if isinstance(node, dict):
        defs = node.pop("$defs", None)
        if isinstance(defs, dict):
            for name, schema in defs.items():
                schemas.setdefault(name, schema)
                _hoist_defs(schema, schemas)
        for value in node.values():
            _hoist_defs(value, schemas)
    elif isinstance(node, list):
        for value in node:
            _hoist_defs(value, schemas)


def _fix_error_responses(op: dict[str, Any]) -> None:
    for code, response in op.get("responses", {}).items():
        if not str(code).startswith(("4", "5")):
            continue
        content = response.get("content") or {}
        problem = content.get(PROBLEM_MEDIA_TYPE)
        plain = content.get("application/json")
        if problem is not None and not problem.get("schema"):
            schema = (plain or {}).get("schema") or {"$ref": "#/components/schemas/ProblemDetail"}
            content[PROBLEM_MEDIA_TYPE] = {"schema": schema}
            content.pop("application/json", None)


def _param_names(op: dict[str, Any]) -> set[str]:
    return {p.get("name", "").lower() for p in op.get("parameters", []) if p.get("in") == "header"}


def postprocess(schema: dict[str, Any], app: FastAPI) -> dict[str, Any]:
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    _hoist_defs(schema["paths"], schemas)
    _hoist_defs(schemas, schemas)
    components.setdefault("securitySchemes", {})[BEARER] = {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "OpenID Connect access token (production) or a development token (CG_AUTH_MODE=dev)",
    }

    auth: dict[tuple[str, str], str | None] = {}
    for path, methods, route in _api_routes(app):
        kind = _auth_kind(route.dependant)
        for method in methods:
            auth[(path, method.lower())] = kind

    etag_paths: set[str] = set()
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            if method in HTTP_METHODS and "if-match" in _param_names(op):
                etag_paths.add(path)

    used_tags: list[str] = []
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            if method not in HTTP_METHODS:
                continue
            kind = auth.get((path, method))
            if kind == "required":
                op["security"] = [{BEARER: []}]
            elif kind == "optional":
                op["security"] = [{}, {BEARER: []}]
            else:
                op["security"] = []
            if "tags" in op:
                op["tags"] = list(dict.fromkeys(op["tags"]))
                used_tags.extend(op["tags"])
            headers = _param_names(op)
            if method == "post" and "idempotency-key" not in headers:
                op.setdefault("parameters", []).append(dict(IDEMPOTENCY_PARAM))
            if method in {"patch", "put"}:
                for param in op.get("parameters", []):
                    if param.get("in") == "header" and param.get("name", "").lower() == "if-match":
                        param["required"] = True
                        param["schema"] = {"type": "string"}
            carries_etag = (
                path in etag_paths or f"{path}/{{" in " ".join(etag_paths) or method in {"patch", "put"}
            )
            if carries_etag:
                for code, response in op.get("responses", {}).items():
                    if str(code).startswith("2") and method != "delete":
                        response.setdefault("headers", {})["ETag"] = ETAG_HEADER
            _fix_error_responses(op)

    declared = {t["name"] for t in schema.get("tags", [])}
    for name in dict.fromkeys(used_tags):
        if name not in declared:
            schema.setdefault("tags", []).append({"name": name})
    return schema


def install_openapi(app: FastAPI) -> None:
    """Replace ``app.openapi`` by the post-processed document (built once, cached like FastAPI's)."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = postprocess(original(), app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


_CAMEL = re.compile(r"^[a-z][A-Za-z0-9]*$")


def is_camel(operation_id: str) -> bool:
    return bool(_CAMEL.match(operation_id))
