"""Matching request paths against the app's OpenAPI path templates.

A leaf module (standard library only): the problem handlers in :mod:`cg_shared.http` answer a 405
with ``Allow`` from here, and the request guards in :mod:`cg_shared.guards` match their operations
with the same templates, without the two importing each other.
"""

from __future__ import annotations

import re
from typing import Any


def template_regex(path: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", path)
    return re.compile("^" + "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts) + "$")


def allowed_methods(app: Any, path: str) -> list[str]:
    """Every method the app serves at ``path`` (from its OpenAPI paths, HEAD with GET), for ``Allow``.

    Starlette answers 405 with the methods of the first route that matched the path only, while one path
    is often served by several routes (GET and POST of a collection are separate endpoints)."""
    index: list[tuple[re.Pattern[str], set[str]]] | None = getattr(app.state, "allow_index", None)
    if index is None:
        index = [
            (template_regex(template), {m.upper() for m in operations})
            for template, operations in ((app.openapi().get("paths") or {}).items())
        ]
        app.state.allow_index = index
    methods: set[str] = set()
    for pattern, served in index:
        if pattern.match(path):
            methods |= served
    if "GET" in methods:
        methods.add("HEAD")
    order = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
    return sorted(methods, key=lambda m: order.index(m) if m in order else len(order))
