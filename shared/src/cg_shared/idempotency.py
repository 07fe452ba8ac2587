"""ASGI middleware for ``Idempotency-Key`` on POST and a request body size limit.

A POST carrying ``Idempotency-Key`` is executed at most once per (key, caller, method + path): the
first successful response (status below 400) is stored in the ``idempotency_keys`` table and replayed
for repeats, marked ``Idempotent-Replayed: true``. Reusing a key for a different body is refused (422); a
repeat that arrives while the first is still running gets 409.

Refusals (4xx) and failures (5xx) are not stored: a refusal wrote nothing, so running the request again
cannot apply anything twice, and its reason may pass — the caller is granted the role (401/403), the
resource appears (404), the conflicting state changes (409/412), the rate limit resets (429). Replaying a
stored refusal would pin the key to a stale answer forever.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cg_shared.db import is_unique_violation, utcnow
from cg_shared.http import (
    Conflict,
    PayloadTooLarge,
    Problem,
    Unprocessable,
    language_headers,
    request_fingerprint,
)
from cg_shared.i18n import msg, negotiate
from cg_shared.messaging.tables import IdempotencyRecord

log = logging.getLogger(__name__)

IN_PROGRESS = 0
STALE_AFTER = timedelta(minutes=2)
REMEMBERED_BELOW = 400  # only successes are remembered (see the module docstring)
REPLAYED_HEADERS = (b"etag", b"location", b"allow", b"content-disposition", b"retry-after")


def body_for_fingerprint(content_type: str, body: bytes) -> bytes:
    """The body as far as "the same request" goes: a multipart body's boundary is random per send,
    so a client re-sending the same file would otherwise never match its first attempt."""
    if content_type.lower().startswith("multipart/"):
        for part in content_type.split(";"):
            name, _, value = part.strip().partition("=")
            if name.lower() == "boundary" and value:
                return body.replace(value.strip('"').encode(), b"cg-boundary")
    return body


async def _send_problem(send: Send, problem: Problem, path: str, accept_language: str | None = None) -> None:
    language = negotiate(accept_language)
    body = json.dumps(problem.body(path, language), ensure_ascii=False).encode()
    headers = [(b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode())]
    headers += [(k.lower().encode(), v.encode()) for k, v in language_headers(language).items()]
    await send({"type": "http.response.start", "status": problem.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _read_body(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(msg("request body exceeds {limit} bytes", limit=limit))
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay_receive(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


class BodyLimitAndIdempotencyMiddleware:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in {"GET", "HEAD", "OPTIONS"}:
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        headers = {k.decode().lower(): v.decode(errors="replace") for k, v in scope.get("headers", [])}
        try:
            declared = int(headers.get("content-length", "0") or 0)
        except ValueError:
            declared = 0
        if declared > self.max_body_bytes:
            await _send_problem(
                send,
                PayloadTooLarge(msg("request body exceeds {limit} bytes", limit=self.max_body_bytes)),
                path,
                headers.get("accept-language"),
            )
            return
        try:
            body = await _read_body(receive, self.max_body_bytes)
        except PayloadTooLarge as problem:
            await _send_problem(send, problem, path, headers.get("accept-language"))
            return
        key = headers.get("idempotency-key")
        if scope["method"] != "POST" or not key:
            await self.app(scope, _replay_receive(body), send)
            return
        if len(key) > 200:
            await _send_problem(
                send,
                Unprocessable("Idempotency-Key is longer than 200 characters"),
                path,
                headers.get("accept-language"),
            )
            return
        app_state = scope["app"].state
        principal = await self._caller(app_state, headers.get("authorization"))
        if principal is None:
            # Unauthenticated (or bad token): let the endpoint answer 401/…; nothing is remembered.
            await self.app(scope, _replay_receive(body), send)
            return
        sessions: async_sessionmaker[AsyncSession] = app_state.sessions
        scope_name = f"POST {path}"
        fingerprint = request_fingerprint(
            "POST",
            path,
            scope.get("query_string", b"").decode(),
            body_for_fingerprint(headers.get("content-type", ""), body),
        )
        try:
            replay = await self._claim(sessions, key, principal, scope_name, fingerprint)
        except Problem as problem:
            await _send_problem(send, problem, path, headers.get("accept-language"))
            return
        if replay is not None:
            await self._replay(send, replay)
            return
        status, resp_headers, resp_body = await self._run(scope, body)
        await self._finish(sessions, key, principal, scope_name, status, resp_headers, resp_body)
        await send({"type": "http.response.start", "status": status, "headers": resp_headers})
        await send({"type": "http.response.body", "body": resp_body})

    async def _caller(self, app_state: Any, authorization: str | None) -> str | None:
        if not authorization or not authorization.lower().startswith("bearer "):
            return None
        try:
            principal = await app_state.verifier.verify(authorization[7:].strip())
        except Problem:
            return None
        return str(principal.sub)

    async def _claim(
        self,
        sessions: async_sessionmaker[AsyncSession],
        key: str,
        principal: str,
        scope_name: str,
        fingerprint: str,
    ) -> IdempotencyRecord | None:
        for _ in range(2):
            async with sessions() as session, session.begin():
                record = await session.get(IdempotencyRecord, (key, principal, scope_name))
                if record is not None:
                    if record.request_hash != fingerprint:
                        raise Unprocessable(
                            "this Idempotency-Key was already used for a different request",
                            slug="idempotency-key-reused",
                        )
                    if record.status_code != IN_PROGRESS:
                        return record
                    if utcnow() - record.created_at < STALE_AFTER:
                        raise Conflict("a request with this Idempotency-Key is still being processed")
                    # The first attempt died mid-way (process crash): let this one take over.
                    record.created_at = utcnow()
                    return None
            try:
                async with sessions() as session, session.begin():
                    session.add(
                        IdempotencyRecord(
                            key=key,
                            principal=principal,
                            scope=scope_name,
                            request_hash=fingerprint,
                            status_code=IN_PROGRESS,
                            response_body="",
                            media_type="",
                            created_at=utcnow(),
                        )
                    )
                return None
            except Exception as exc:
                if not is_unique_violation(exc):
                    raise
                # A concurrent twin inserted first: loop once to read its state.
        raise Conflict("a request with this Idempotency-Key is still being processed")

    async def _run(self, scope: Scope, body: bytes) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        status = 500
        headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal status, headers
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, _replay_receive(body), capture)
        return status, headers, b"".join(chunks)

    async def _finish(
        self,
        sessions: async_sessionmaker[AsyncSession],
        key: str,
        principal: str,
        scope_name: str,
        status: int,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
    ) -> None:
        where = (
            (IdempotencyRecord.key == key)
            & (IdempotencyRecord.principal == principal)
            & (IdempotencyRecord.scope == scope_name)
        )
        media_type = next(
            (v.decode() for k, v in headers if k.lower() == b"content-type"), "application/json"
        )
        kept = {k.decode().lower(): v.decode() for k, v in headers if k.lower() in REPLAYED_HEADERS}
        async with sessions() as session, session.begin():
            if status >= REMEMBERED_BELOW:
                await session.execute(delete(IdempotencyRecord).where(where))
            else:
                await session.execute(
                    update(IdempotencyRecord)
                    .where(where)
                    .values(
                        status_code=status,
                        response_body=body.decode("utf-8"),
                        media_type=media_type,
                        response_headers=kept or None,
                    )
                )

    async def _replay(self, send: Send, record: IdempotencyRecord) -> None:
        body = record.response_body.encode("utf-8")
        headers = [
            (b"content-type", record.media_type.encode()),
            (b"content-length", str(len(body)).encode()),
            (b"idempotent-replayed", b"true"),
        ]
        headers += [(k.encode(), v.encode()) for k, v in (record.response_headers or {}).items()]
        await send({"type": "http.response.start", "status": record.status_code, "headers": headers})
        await send({"type": "http.response.body", "body": body})
