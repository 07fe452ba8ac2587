"""A fast path for public GET routes whose inputs are only query parameters.

FastAPI resolves a route's parameters one by one, introspecting each declaration on every request; for the
list route (14 query parameters) that was about a third of the CPU of a cached request (bench/rest
profile). :class:`FastQueryRoute` lets such a route register a shortcut: the query string is validated by
one pydantic model built from the *same* ``Annotated`` declarations (so the same types, patterns and
bounds), and the validated values are cached per query string. Anything the shortcut does not accept — a
repeated parameter, a value that fails validation — goes through FastAPI's own handling, so errors (422
naming the field) and the OpenAPI document are exactly FastAPI's.
"""

from __future__ import annotations

import inspect
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar, get_type_hints
from urllib.parse import parse_qsl

from fastapi import Request, Response
from fastapi.params import Query
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, ValidationError, create_model

# A shortcut returns None to let FastAPI handle the request.
Shortcut = Callable[[Request], Awaitable[Response | None]]
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def query_model(name: str, *functions: Callable[..., Any]) -> type[BaseModel]:
    """One model with the query parameters of ``functions`` (FastAPI dependencies or endpoints)."""
    fields: dict[str, Any] = {}
    for function in functions:
        hints = get_type_hints(function, include_extras=True)
        for param in inspect.signature(function).parameters.values():
            metadata = getattr(hints[param.name], "__metadata__", ())
            query = [m for m in metadata if isinstance(m, Query)]
            if not query or query[0].alias is not None or param.name in fields:
                raise TypeError(f"{function.__name__}.{param.name}: not a plain query parameter")
            default = param.default
            if default is inspect.Parameter.empty:
                default = ...
            fields[param.name] = (hints[param.name], default)
    model: type[BaseModel] = create_model(name, __config__=ConfigDict(extra="ignore"), **fields)
    return model


def query_values(request: Request) -> dict[str, str] | None:
    """The query parameters as Starlette parses them, or None when a name repeats (FastAPI's rules)."""
    pairs = parse_qsl(request.scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    values = dict(pairs)
    return values if len(values) == len(pairs) else None


class ValidatedQueries:
    """Validated query strings of one model, bounded (least recently used out); None = not valid."""

    def __init__(self, model: type[BaseModel], max_entries: int = 2048) -> None:
        self.model = model
        self.max_entries = max_entries
        self._entries: OrderedDict[bytes, dict[str, Any] | None] = OrderedDict()

    def get(self, request: Request) -> dict[str, Any] | None:
        raw: bytes = request.scope.get("query_string", b"")
        try:
            self._entries.move_to_end(raw)
            return self._entries[raw]
        except KeyError:
            pass
        values = query_values(request)
        result: dict[str, Any] | None = None
        if values is not None:
            try:
                result = dict(self.model.model_validate(values).__dict__)
            except ValidationError:
                result = None
        self._entries[raw] = result
        if len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
        return result


def shortcut(handler: Shortcut) -> Callable[[Endpoint], Endpoint]:
    """Decorator for an endpoint: ``handler`` may answer its requests before FastAPI's handling."""

    def mark(endpoint: Endpoint) -> Endpoint:
        endpoint.__dict__["cg_shortcut"] = handler
        return endpoint

    return mark


class FastQueryRoute(APIRoute):
    """An APIRoute that tries the endpoint's :func:`shortcut` first (routes without one are unchanged)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        standard = super().get_route_handler()
        fast: Shortcut | None = getattr(self.endpoint, "cg_shortcut", None)
        if fast is None:
            return standard
        shortcut_handler: Shortcut = fast

        async def handler(request: Request) -> Response:
            response = await shortcut_handler(request)
            return response if response is not None else await standard(request)

        return handler
