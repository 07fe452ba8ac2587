"""HTTP conventions: RFC 9457 problem details, cursor pagination, ETags, Idempotency-Key, body limits.

Domain code raises :class:`Problem` subclasses; :func:`install_problem_handlers` maps them (and
validation errors, HTTP errors and anything unexpected) to ``application/problem+json`` in one place.
"""

from __future__ import annotations

import base64
import binascii
import csv
import hashlib
import json
import logging
from collections.abc import Sequence
from typing import Annotated, Any, Generic, Protocol, TypeVar

from asyncpg.exceptions import UndefinedTableError
from fastapi import FastAPI, Header, Query, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidatorFunctionWrapHandler, field_validator
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from cg_shared.db import is_schema_missing
from cg_shared.i18n import DEFAULT_LANGUAGE, Msg, msg, negotiate, translate, translate_validation
from cg_shared.routes import allowed_methods

log = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "https://cg.seoul.go.kr/problems/"
MAX_LISTED_ERRORS = 20  # validation errors listed in one 422 (the count says how many there were)


class FieldError(BaseModel):
    field: str = Field(
        description="Dotted path of the offending field, e.g. body.sgg_code or row 3: amount_krw"
    )
    message: str = Field(description="In the negotiated language (Korean unless English is preferred)")
    type: str | None = None

    @field_validator("message", mode="wrap")
    @classmethod
    def _keep_msg(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        # A Msg keeps its template and parameters until the answer's language is known.
        return value if isinstance(value, Msg) else handler(value)

    def localised(self, language: str) -> dict[str, Any]:
        doc = self.model_dump(exclude_none=True)
        doc["message"] = translate(self.message, language)
        return doc


class ProblemDetail(BaseModel):
    type: str = Field(description="Stable URI identifying the problem kind")
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = None


class Problem(Exception):
    status = 400
    slug = "bad-request"
    title = "Bad request"

    def __init__(
        self,
        detail: str,
        *,
        errors: Sequence[FieldError] | None = None,
        slug: str | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = list(errors) if errors else None
        if slug:
            self.slug = slug
        self.extra = extra or {}
        self.headers = headers or {}

    def body(self, instance: str | None = None, language: str = DEFAULT_LANGUAGE) -> dict[str, Any]:
        """The problem document with ``title``, ``detail`` and field messages in ``language``."""
        doc: dict[str, Any] = {
            "type": PROBLEM_BASE + self.slug,
            "title": translate(self.title, language),
            "status": self.status,
            "detail": translate(self.detail, language),
        }
        if instance:
            doc["instance"] = instance
        if self.errors:
            doc["errors"] = [e.localised(language) for e in self.errors]
        doc.update(jsonable_encoder(self.extra))
        return doc


class BadRequest(Problem):
    pass


class Unauthorized(Problem):
    status = 401
    slug = "unauthorized"
    title = "Authentication required"

    def __init__(self, detail: str, **kw: Any) -> None:
        kw.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(detail, **kw)


class Forbidden(Problem):
    status = 403
    slug = "forbidden"
    title = "Not allowed"


class NotFound(Problem):
    status = 404
    slug = "not-found"
    title = "Not found"


class Conflict(Problem):
    status = 409
    slug = "conflict"
    title = "Conflict with the current state"


class PreconditionFailed(Problem):
    status = 412
    slug = "precondition-failed"
    title = "The resource changed since you read it"


class PreconditionRequired(Problem):
    status = 428
    slug = "precondition-required"
    title = "A precondition header is required"


class PayloadTooLarge(Problem):
    status = 413
    slug = "payload-too-large"
    title = "Request body too large"


class Unprocessable(Problem):
    status = 422
    slug = "validation-error"
    title = "The request is not valid"


class TooManyRequests(Problem):
    status = 429
    slug = "too-many-requests"
    title = "Too many requests"


class ServiceUnavailable(Problem):
    status = 503
    slug = "unavailable"
    title = "Service unavailable"


class InternalError(Problem):
    status = 500
    slug = "internal-error"
    title = "Internal error"


# Titles of statuses that reach us as Starlette HTTPExceptions (routing, middleware), by status code.
HTTP_TITLES: dict[int, str] = {
    400: BadRequest.title,
    401: Unauthorized.title,
    403: Forbidden.title,
    404: NotFound.title,
    405: "Method not allowed",
    406: "Not acceptable",
    409: Conflict.title,
    412: PreconditionFailed.title,
    413: PayloadTooLarge.title,
    415: "Unsupported media type",
    422: Unprocessable.title,
    428: PreconditionRequired.title,
    429: TooManyRequests.title,
    503: ServiceUnavailable.title,
}


def language_headers(language: str, headers: dict[str, str] | None = None) -> dict[str, str]:
    """``Content-Language`` of a localised answer, and ``Vary`` so caches keep one copy per language."""
    return {**(headers or {}), "Content-Language": language, "Vary": "Accept-Language"}


def problem_response(problem: Problem, request: Request | None = None) -> JSONResponse:
    language = negotiate(request.headers.get("accept-language") if request else None)
    return JSONResponse(
        problem.body(str(request.url.path) if request else None, language),
        status_code=problem.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=language_headers(language, problem.headers),
    )


def _loc(loc: Sequence[Any]) -> str:
    return ".".join(str(p) for p in loc)


def _schema_missing(request: Request, exc: BaseException) -> JSONResponse:
    log.error("database schema missing", extra={"path": request.url.path, "error": repr(exc)})
    return problem_response(
        ServiceUnavailable(
            "the database has no schema yet: run the service's `migrate` command "
            "(cg-<service> migrate), or `serve` with migrations on"
        ),
        request,
    )


async def _on_problem(request: Request, exc: Problem) -> JSONResponse:
    return problem_response(exc, request)


async def _on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    # Pydantic's messages are English; each is translated by its error type with the error's ctx.
    # Bounded: a body of a hundred thousand unknown keys must not earn a reply listing all of them.
    language = negotiate(request.headers.get("accept-language"))
    found = exc.errors()
    errors = [
        FieldError(
            field=_loc(e.get("loc", ())),
            message=translate_validation(e.get("type"), str(e.get("msg", "")), e.get("ctx"), language),
            type=e.get("type"),
        )
        for e in found[:MAX_LISTED_ERRORS]
    ]
    names = ", ".join(e.field for e in errors[:5])
    more = len(found) - min(len(found), 5)
    detail = (
        msg("invalid fields: {names} and {more} more", names=names, more=more)
        if more
        else msg("invalid fields: {names}", names=names)
    )
    extra = {"error_count": len(found)} if len(found) > MAX_LISTED_ERRORS else None
    return problem_response(Unprocessable(detail, errors=errors, extra=extra), request)


async def _on_csv(request: Request, exc: csv.Error) -> JSONResponse:
    # A parser that let the csv module's error through (a field over 131,072 characters, a NUL …):
    # the upload is at fault, not the server.
    return problem_response(
        Unprocessable(
            msg("the uploaded CSV cannot be read: {reason}", reason=str(exc)),
            errors=[FieldError(field="body", message=str(exc), type="csv_malformed")],
            slug="csv-malformed",
        ),
        request,
    )


async def _on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    problem = Problem(str(exc.detail), headers=dict(exc.headers or {}))
    if exc.status_code == 405:
        allow = allowed_methods(request.app, request.url.path)
        if allow:
            problem.headers["Allow"] = ", ".join(allow)
    problem.status = exc.status_code
    problem.slug = {404: "not-found", 405: "method-not-allowed", 401: "unauthorized"}.get(
        exc.status_code, f"http-{exc.status_code}"
    )
    problem.title = HTTP_TITLES.get(exc.status_code, "HTTP error")
    return problem_response(problem, request)


async def _on_database(request: Request, exc: DBAPIError) -> JSONResponse:
    # Mapped here, not left to the 500 handler: Starlette re-raises from the generic handler and
    # uvicorn then drops the keep-alive connection under the client's other pipelined requests.
    if is_schema_missing(exc):
        return _schema_missing(request, exc)
    if isinstance(exc, OperationalError | InterfaceError) or exc.connection_invalidated:
        log.warning("database unavailable", extra={"path": request.url.path, "error": repr(exc.orig)})
        return problem_response(
            ServiceUnavailable("the database is briefly unavailable; retry", headers={"Retry-After": "1"}),
            request,
        )
    if isinstance(exc, IntegrityError):
        log.info("integrity conflict", extra={"path": request.url.path, "error": repr(exc.orig)})
        return problem_response(
            Conflict("the change conflicts with existing data (a duplicate or a missing reference)"),
            request,
        )
    if isinstance(exc, DataError):
        return problem_response(Unprocessable("a value is out of range for its field"), request)
    log.exception("database error", extra={"path": request.url.path})
    return problem_response(
        InternalError("an unexpected database error occurred; it has been logged"), request
    )


async def _on_pool_exhausted(request: Request, exc: PoolTimeout) -> JSONResponse:
    # Every pooled connection busy for the pool's whole timeout: overload, not a server bug. A 503
    # with Retry-After tells clients (and the gateway's retry policy) to come back; a 500 said
    # "broken" and was what bench-events saw under load 30.
    log.warning("database pool exhausted", extra={"path": request.url.path})
    return problem_response(
        ServiceUnavailable("the service is busy; retry shortly", headers={"Retry-After": "1"}),
        request,
    )


async def _on_undefined_table(request: Request, exc: UndefinedTableError) -> JSONResponse:
    # Raw driver errors of the fast read paths (asyncpg without SQLAlchemy) of an unmigrated database.
    return _schema_missing(request, exc)


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", extra={"path": request.url.path})
    return problem_response(InternalError("an unexpected error occurred; it has been logged"), request)


# The problem+json answer of every error a request can end in (``Exception`` last: the 500 of last resort).
_HANDLERS: tuple[tuple[type[Exception], Any], ...] = (
    (Problem, _on_problem),
    (RequestValidationError, _on_validation),
    (csv.Error, _on_csv),
    (StarletteHTTPException, _on_http),
    (DBAPIError, _on_database),
    (PoolTimeout, _on_pool_exhausted),
    (UndefinedTableError, _on_undefined_table),
    (Exception, _on_unexpected),
)


def install_problem_handlers(app: FastAPI) -> None:
    for exc_type, handler in _HANDLERS:
        app.add_exception_handler(exc_type, handler)


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ProblemDetail, "content": {PROBLEM_MEDIA_TYPE: {}}, "description": desc}
    for code, desc in {
        400: "Bad request",
        401: "Missing or invalid bearer token",
        403: "Role or borough not allowed",
        404: "Not found",
        409: "Conflict with the current state",
        412: "If-Match did not match the current ETag",
        413: "Body too large",
        429: "Too many requests; retry after the Retry-After delay",
        422: "Validation error naming the fields",
        428: "Required header missing",
        503: "Database briefly unavailable; retry after the Retry-After delay",
    }.items()
}


# --- pagination -------------------------------------------------------------------------------

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(default=None, description="Opaque; pass as ?cursor= for the next page")


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps(list(values), ensure_ascii=False, default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> list[Any] | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise Unprocessable(
            "cursor is not valid", errors=[FieldError(field="query.cursor", message="malformed cursor")]
        ) from exc
    if not isinstance(value, list):
        raise Unprocessable("cursor is not valid", errors=[FieldError(field="query.cursor", message="bad")])
    return value


LimitParam = Annotated[int, Query(ge=1, le=500, description="Page size (max 500)")]
CursorParam = Annotated[str | None, Query(max_length=2000, description="Opaque cursor from next_cursor")]


class PageParams(BaseModel):
    limit: int = 50
    cursor: list[Any] | None = None


def page_params(limit: LimitParam = 50, cursor: CursorParam = None) -> PageParams:
    return PageParams(limit=limit, cursor=decode_cursor(cursor))


# --- ETag / If-Match -------------------------------------------------------------------------


def etag_for(version: int | str) -> str:
    return f'W/"{version}"'


class Versioned(Protocol):
    @property
    def version(self) -> int: ...


VersionedT = TypeVar("VersionedT", bound=Versioned)


def with_etag(response: Response, row: VersionedT) -> VersionedT:
    """``row`` answered with its version as the response's ETag (the If-Match of the next write); the one
    way every service's routes set it."""
    response.headers["ETag"] = etag_for(row.version)
    return row


def check_if_match(if_match: str | None, version: int, *, required: bool = True) -> None:
    """Optimistic concurrency: 428 when the header is required and missing, 412 on a stale ETag."""
    if if_match is None:
        if required:
            raise PreconditionRequired("send If-Match with the ETag you read (GET returns it)")
        return
    candidates = {c.strip() for c in if_match.split(",")}
    if "*" in candidates:
        return
    if etag_for(version) not in candidates and f'"{version}"' not in candidates:
        raise PreconditionFailed(
            msg("the resource is at version {version}; re-read it and retry", version=version),
            extra={"current_etag": etag_for(version)},
        )


IfMatchHeader = Annotated[str | None, Header(alias="If-Match", description="ETag from a previous GET")]
IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="Repeat the same key to retry a POST safely; the first response is replayed",
    ),
]


def require_idempotency_key(key: str | None) -> str:
    if not key:
        raise PreconditionRequired(
            "this endpoint requires an Idempotency-Key header",
            errors=[FieldError(field="header.Idempotency-Key", message="required")],
        )
    return key


def request_fingerprint(method: str, path: str, query: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()
