"""Request guards that hold before any endpoint code runs: a JSON body cap and rate limits.

**Body cap.** Uploads (operations whose OpenAPI request body is multipart or a non-JSON media type) keep
the general ``CG_MAX_BODY_BYTES`` limit; every other operation takes at most ``CG_MAX_JSON_BODY_BYTES``
(1 MiB by default), counted while the body streams in — before FastAPI parses a byte of it. An 11.9 MB
JSON object of a million unknown keys costs its sender one 413, not the service 30 s and 1.9 GB.

**Rate limits.** Token buckets (a rate per second and a burst) per principal (the token's ``sub``) and
per client address, for three kinds of request:

- writes (POST, PUT, PATCH, DELETE),
- uploads (the subset of writes that send a file),
- failed authentication (each 401 answer takes a token from the address's bucket; once it is empty
  every request from that address carrying credentials is refused until it refills).

A refusal is 429 problem+json with ``Retry-After`` (whole seconds until a token is back). Reads are not
limited here (caches and the gateway handle read load). The defaults are generous — a guard against
hammering, not a quota — and every number is a setting. The buckets live in the process: with several
replicas each enforces its own share; the gateway's limits in ``deploy/`` are the cluster-wide ones.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cg_shared.auth import VERIFIED_PRINCIPAL, Principal, Role
from cg_shared.http import (
    FieldError,
    Forbidden,
    PayloadTooLarge,
    Problem,
    Unauthorized,
    Unprocessable,
    language_headers,
)
from cg_shared.i18n import msg, negotiate
from cg_shared.routes import template_regex
from cg_shared.settings import ServiceSettings

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
JSON_TYPES = ("application/json", "application/merge-patch+json")
MAX_TRACKED_KEYS = 100_000  # buckets kept per kind; the least recently used go first


class TooManyRequests(Problem):
    status = 429
    slug = "rate-limited"
    title = "Too many requests"


@dataclass
class Bucket:
    tokens: float
    stamp: float


class TokenBuckets:
    """Token buckets by key (``rate`` tokens per second up to ``burst``), bounded in number."""

    def __init__(self, rate: float, burst: float, *, max_keys: int = MAX_TRACKED_KEYS) -> None:
        self.rate = rate
        self.burst = burst
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, Bucket] = OrderedDict()

    def _refill(self, key: str, now: float) -> Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = Bucket(self.burst, now)
            self._buckets[key] = bucket
            if len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
        else:
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.stamp) * self.rate)
            bucket.stamp = now
            self._buckets.move_to_end(key)
        return bucket

    def wait(self, key: str, now: float) -> float:
        """Seconds until a token is available (0 when one is)."""
        bucket = self._refill(key, now)
        return 0.0 if bucket.tokens >= 1 else (1 - bucket.tokens) / self.rate

    def take(self, key: str, now: float) -> float:
        """Take a token; 0 when granted, else the seconds to wait (nothing taken)."""
        bucket = self._refill(key, now)
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.rate

    def spend(self, key: str, now: float) -> None:
        """Take a token if any is left (for events already happened, such as a failed login)."""
        bucket = self._refill(key, now)
        bucket.tokens = max(0.0, bucket.tokens - 1)


def upload_operations(openapi: dict[str, Any]) -> list[tuple[str, re.Pattern[str]]]:
    """(METHOD, path regex) of the operations whose request body is a file: multipart or non-JSON."""
    found = []
    for path, operations in (openapi.get("paths") or {}).items():
        for method, operation in operations.items():
            content = ((operation or {}).get("requestBody") or {}).get("content") or {}
            if any(not media.startswith(JSON_TYPES) for media in content):
                found.append((method.upper(), template_regex(path)))
    return found


class RequestGuardMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        settings: ServiceSettings,
        write_roles: Mapping[tuple[str, str], Iterable[Role | str]] | None = None,
    ) -> None:
        self.app = app
        # Literal paths before templated ones (/v1/elections/import-pb before /v1/elections/{id}).
        self.write_roles = [
            (method.upper(), template_regex(path), frozenset(Role(r) for r in roles))
            for (method, path), roles in sorted((write_roles or {}).items(), key=lambda i: i[0][1].count("{"))
        ]
        self.settings = settings
        self.max_json = settings.max_json_body_bytes
        self.max_json_members = settings.max_json_members
        self._uploads: list[tuple[str, re.Pattern[str]]] | None = None
        s = settings
        self.enabled = s.rate_limit_enabled
        self.writes_by_principal = TokenBuckets(s.rate_limit_writes_per_s, s.rate_limit_writes_burst)
        self.writes_by_address = TokenBuckets(
            s.rate_limit_writes_per_s * s.rate_limit_address_factor,
            s.rate_limit_writes_burst * s.rate_limit_address_factor,
        )
        self.uploads_by_principal = TokenBuckets(s.rate_limit_uploads_per_s, s.rate_limit_uploads_burst)
        self.uploads_by_address = TokenBuckets(
            s.rate_limit_uploads_per_s * s.rate_limit_address_factor,
            s.rate_limit_uploads_burst * s.rate_limit_address_factor,
        )
        self.auth_failures = TokenBuckets(s.rate_limit_auth_failures_per_s, s.rate_limit_auth_failures_burst)

    def _is_upload(self, scope: Scope) -> bool:
        if self._uploads is None:
            app = scope.get("app")
            openapi = app.openapi() if app is not None and hasattr(app, "openapi") else {}
            self._uploads = upload_operations(openapi)
        method, path = scope["method"], scope.get("path", "")
        return any(m == method and pattern.match(path) for m, pattern in self._uploads)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        headers = dict(scope.get("headers") or [])
        has_credentials = b"authorization" in headers
        address = (scope.get("client") or ("-", 0))[0] or "-"
        now = time.monotonic()
        if self.enabled and has_credentials:
            wait = self.auth_failures.wait(address, now)
            if wait:
                await _refuse(send, scope, wait, msg("too many failed authentications from this address"))
                return
        caller: Principal | Problem | None = None
        if method in WRITES:
            caller = await self._principal(scope, headers.get(b"authorization"))
            if isinstance(caller, Principal):
                # The route's CurrentPrincipal reads it (request.state): one token verification per request.
                scope.setdefault("state", {})[VERIFIED_PRINCIPAL] = caller
        if self.enabled and method in WRITES:
            upload = self._is_upload(scope)
            sub = caller.sub if isinstance(caller, Principal) else None
            wait = self._take_write(address, sub, upload, now)
            if wait:
                detail = msg("too many uploads; slow down") if upload else msg("too many writes; slow down")
                await _refuse(send, scope, wait, detail)
                return
        if caller is not None:
            # Authorisation before validation: who may call an operation is decided before its body is
            # read, so a caller without the role learns nothing about what the body should hold.
            roles = self._allowed_roles(scope)
            if roles is not None:
                if isinstance(caller, Problem):
                    if isinstance(caller, Unauthorized) and has_credentials:
                        self.auth_failures.spend(address, time.monotonic())
                    await _send_problem(send, scope, caller)
                    return
                if caller.role not in roles and caller.role is not Role.SMG_ADMIN:
                    allowed = ", ".join(sorted({r.value for r in roles} | {Role.SMG_ADMIN.value}))
                    await _send_problem(
                        send,
                        scope,
                        Forbidden(
                            msg(
                                "role {role} may not do this; allowed: {allowed}",
                                role=caller.role.value,
                                allowed=allowed,
                            )
                        ),
                    )
                    return
        if method in WRITES and not self._is_upload(scope):
            declared = headers.get(b"content-length", b"0")
            if declared.isdigit() and int(declared) > self.max_json:
                await _send_problem(send, scope, self._too_large())
                return
            try:
                body = await _read_capped(receive, self.max_json)
            except PayloadTooLarge as problem:
                await _send_problem(send, scope, problem)
                return
            members = _too_many_members(body, self.max_json_members) if _is_json(headers) else None
            if members is not None:
                await _send_problem(send, scope, members)
                return
            receive = _replay(body)
        if not (self.enabled and has_credentials):
            await self.app(scope, receive, send)
            return

        async def observe(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 401:
                self.auth_failures.spend(address, time.monotonic())
            await send(message)

        await self.app(scope, receive, observe)

    def _too_large(self) -> PayloadTooLarge:
        return PayloadTooLarge(
            msg(
                "a JSON request body may be at most {limit} bytes (CG_MAX_JSON_BODY_BYTES)",
                limit=self.max_json,
            )
        )

    def _take_write(self, address: str, principal: str | None, upload: bool, now: float) -> float:
        by_principal, by_address = (
            (self.uploads_by_principal, self.uploads_by_address)
            if upload
            else (self.writes_by_principal, self.writes_by_address)
        )
        wait = by_address.take(address, now)
        if wait:
            return wait
        if principal is not None:
            return by_principal.take(principal, now)
        return 0.0

    async def _principal(self, scope: Scope, authorization: bytes | None) -> Principal | Problem:
        if not authorization or authorization[:7].lower() != b"bearer ":
            return Unauthorized("this operation requires a bearer token")
        verifier = getattr(getattr(scope.get("app"), "state", None), "verifier", None)
        if verifier is None:
            return Unauthorized("this operation requires a bearer token")
        try:
            principal: Principal = await verifier.verify(authorization[7:].decode(errors="replace").strip())
        except Problem as problem:
            return problem
        return principal

    def _allowed_roles(self, scope: Scope) -> frozenset[Role] | None:
        method, path = scope["method"], scope.get("path", "")
        for m, pattern, roles in self.write_roles:
            if m == method and pattern.match(path):
                return roles
        return None


async def _refuse(send: Send, scope: Scope, wait: float, detail: str) -> None:
    seconds = max(1, math.ceil(wait))
    await _send_problem(send, scope, TooManyRequests(detail, headers={"Retry-After": str(seconds)}))


async def _send_problem(send: Send, scope: Scope, problem: Problem) -> None:
    accept = dict(scope.get("headers") or []).get(b"accept-language", b"").decode(errors="replace")
    language = negotiate(accept or None)
    body = json.dumps(problem.body(scope.get("path"), language), ensure_ascii=False).encode()
    headers = [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode()),
        *((k.lower().encode(), v.encode()) for k, v in language_headers(language, problem.headers).items()),
    ]
    await send({"type": "http.response.start", "status": problem.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class _TooMany(Exception):
    pass


def _is_json(headers: dict[bytes, bytes]) -> bool:
    media = headers.get(b"content-type", b"application/json").split(b";", 1)[0].strip().lower()
    return media == b"application/json" or media.endswith(b"+json")


def _too_many_members(body: bytes, limit: int) -> Problem | None:
    """A 422 when the JSON document holds more than ``limit`` object members in all (no operation takes
    that many): pydantic would otherwise build one error per unknown key — 70,000 of them fit in 1 MiB."""
    count = 0

    def hook(pairs: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
        nonlocal count
        count += len(pairs)
        if count > limit:
            raise _TooMany
        return pairs

    try:
        json.loads(body, object_pairs_hook=hook)
    except _TooMany:
        return Unprocessable(
            msg(
                "the JSON body has more than {limit} members in all; no operation takes that many",
                limit=limit,
            ),
            errors=[
                FieldError(
                    field="body",
                    message=msg("more than {limit} members", limit=limit),
                    type="too_many_members",
                )
            ],
        )
    except (ValueError, RecursionError):
        return None  # not JSON, or nested too deep: the endpoint's own validation answers
    return None


async def _read_capped(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(
                msg("a JSON request body may be at most {limit} bytes (CG_MAX_JSON_BODY_BYTES)", limit=limit)
            )
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive
