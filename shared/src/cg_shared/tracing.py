"""OpenTelemetry tracing from an HTTP request through the database, the outbox and Kafka into another
service's consumer, and the request id every log line and audit row carries.

* ``TracingMiddleware`` (ASGI) opens a SERVER span per request, continuing an incoming W3C
  ``traceparent``, and binds the request id (``X-Request-ID`` if the caller sent a sane one, else a new
  uuid) for the request; both go back in the response headers.
* ``instrument_engine`` adds a CLIENT span per SQL statement (SQLAlchemy cursor events; the asyncio
  greenlets carry the context along).
* ``current_traceparent`` is what ``make_event`` stores in every CloudEvent (the CloudEvents
  distributed-tracing extension), so the trace survives the outbox table; the relay opens a PRODUCER span
  per message under it and sends the same value as the Kafka header ``traceparent``.
* ``consumer_span`` opens the CONSUMER span of a handler under the event's ``traceparent`` and binds
  ``event:<id>`` as the request id while the handler runs.

Export is off by default. ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``)
turns on OTLP/HTTP export with the exporter's standard environment variables;
``OTEL_TRACES_SAMPLER``/``OTEL_TRACES_SAMPLER_ARG`` choose the sampler (SDK defaults: parent-based,
always on). Without an endpoint spans are still made (ids for logs and events) but go nowhere.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

REQUEST_ID_HEADER = "x-request-id"
_REQUEST_ID: ContextVar[str | None] = ContextVar("cg_request_id", default=None)
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_PROPAGATOR = TraceContextTextMapPropagator()
_TRACEPARENT_IN_JSON = re.compile(r'"traceparent":"(00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2})"')
_provider: TracerProvider | None = None
# Per-statement and per-message spans only cost time when something receives them (an exporter or a
# test's processor); the request and handler spans that carry the trace ids are always made.
_exporting = False


def configure_tracing(service: str) -> TracerProvider:
    """Install the process's tracer provider once (the first service of the process names it)."""
    global _provider, _exporting
    if _provider is None:
        provider = TracerProvider(resource=Resource.create({"service.name": f"cg-{service}"}))
        if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get(
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
        ):
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
            _exporting = True
            log.info("tracing: OTLP export on")
        trace.set_tracer_provider(provider)
        _provider = provider
    return _provider


def add_span_processor(processor: SpanProcessor) -> None:
    """Attach another processor (tests: an in-memory exporter)."""
    global _exporting
    configure_tracing("cg").add_span_processor(processor)
    _exporting = True


def tracer(service: str) -> trace.Tracer:
    return configure_tracing(service).get_tracer(f"cg_shared.{service}")


# ------------------------------------------------------------------------------------ request id


def current_request_id() -> str | None:
    return _REQUEST_ID.get()


@contextlib.contextmanager
def bound_request_id(request_id: str) -> Iterator[None]:
    token = _REQUEST_ID.set(request_id)
    try:
        yield
    finally:
        _REQUEST_ID.reset(token)


class RequestContextFilter(logging.Filter):
    """Adds ``request_id`` and ``trace_id`` to every log record (``None`` outside a request/handler)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _REQUEST_ID.get()
        ctx = trace.get_current_span().get_span_context()
        record.trace_id = format(ctx.trace_id, "032x") if ctx.is_valid else None
        return True


# ------------------------------------------------------------------------------------ propagation


def current_traceparent() -> str | None:
    """W3C traceparent of the current span, for a CloudEvent's distributed-tracing extension."""
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return carrier.get("traceparent")


def context_from_traceparent(traceparent: str | None) -> otel_context.Context | None:
    if not traceparent:
        return None
    return _PROPAGATOR.extract({"traceparent": traceparent})


def traceparent_of_payload(payload: str) -> str | None:
    """The traceparent of a serialized CloudEvent without parsing the whole JSON (relay hot path)."""
    found = _TRACEPARENT_IN_JSON.search(payload)
    return found.group(1) if found else None


def kafka_trace_headers(payload: str) -> list[tuple[str, bytes]]:
    """The event's traceparent as a Kafka header too (CloudEvents Kafka binding: extension as header)."""
    traceparent = traceparent_of_payload(payload)
    return [("traceparent", traceparent.encode())] if traceparent else []


@contextlib.contextmanager
def producer_span(service: str, topic: str, payload: str) -> Iterator[None]:
    parent = context_from_traceparent(traceparent_of_payload(payload))
    if parent is None:
        yield
        return
    with tracer(service).start_as_current_span(
        f"publish {topic}",
        context=parent,
        kind=SpanKind.PRODUCER,
        attributes={"messaging.system": "kafka", "messaging.destination.name": topic},
    ):
        yield


@contextlib.contextmanager
def consumer_span(
    service: str, handler: str, event_id: str, event_type: str, traceparent: str | None, topic: str
) -> Iterator[None]:
    """CONSUMER span of one handler run, continuing the event's trace; ``event:<id>`` as request id."""
    with (
        tracer(service).start_as_current_span(
            f"consume {event_type}",
            context=context_from_traceparent(traceparent),
            kind=SpanKind.CONSUMER,
            attributes={
                "messaging.system": "kafka",
                "messaging.destination.name": topic,
                "messaging.message.id": event_id,
                "cg.handler": handler,
            },
        ),
        bound_request_id(f"event:{event_id}"),
    ):
        yield


# ------------------------------------------------------------------------------------ HTTP


class TracingMiddleware:
    """Request id per HTTP request, and the SERVER span when nothing made one yet.

    FastAPI (>= 0.16x) opens the SERVER span itself once a tracer provider is installed (continuing an
    incoming ``traceparent``) before any middleware runs; this middleware then only binds the request id,
    tags that span with it and answers with ``X-Request-ID`` and ``traceparent``. Without FastAPI's span
    (its telemetry turned off) it opens one of its own.
    """

    def __init__(self, app: ASGIApp, *, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        incoming = headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _SANE_REQUEST_ID.match(incoming) else str(uuid.uuid4())
        method = scope.get("method", "GET")
        with contextlib.ExitStack() as stack:
            span = trace.get_current_span()
            if not span.get_span_context().is_valid:
                span = stack.enter_context(
                    tracer(self.service).start_as_current_span(
                        f"{method} {scope.get('path', '')}",
                        context=_PROPAGATOR.extract(headers),
                        kind=SpanKind.SERVER,
                        attributes={"http.request.method": method, "url.path": scope.get("path", "")},
                    )
                )
            span.set_attribute("cg.request_id", request_id)
            stack.enter_context(bound_request_id(request_id))
            traceparent = current_traceparent()

            async def send_wrapper(message: Message) -> None:
                if message["type"] == "http.response.start":
                    extra = [(b"x-request-id", request_id.encode())]
                    if traceparent:
                        extra.append((b"traceparent", traceparent.encode()))
                    message = {**message, "headers": [*message.get("headers", []), *extra]}
                await send(message)

            await self.app(scope, receive, send_wrapper)


# ------------------------------------------------------------------------------------ database


def instrument_engine(engine: AsyncEngine, service: str) -> None:
    """A CLIENT span per SQL statement, child of whatever span is current."""
    sync_engine = engine.sync_engine
    db_system = sync_engine.dialect.name

    @event.listens_for(sync_engine, "before_cursor_execute")
    def _before(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
    ) -> None:
        if not _exporting or not trace.get_current_span().get_span_context().is_valid:
            return  # nobody receives it, or no request or handler around it (relay polling, sweeps): not worth a trace of its own
        operation = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "SQL"
        span = tracer(service).start_span(
            f"{operation} {db_system}",
            kind=SpanKind.CLIENT,
            attributes={"db.system": db_system, "db.query.text": statement[:1000]},
        )
        conn.info.setdefault("cg_spans", []).append(span)

    @event.listens_for(sync_engine, "after_cursor_execute")
    def _after(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
    ) -> None:
        spans = conn.info.get("cg_spans")
        if spans:
            spans.pop().end()

    @event.listens_for(sync_engine, "handle_error")
    def _error(exception_context: Any) -> None:
        conn = exception_context.connection
        spans = conn.info.get("cg_spans") if conn is not None else None
        if spans:
            span = spans.pop()
            span.set_status(Status(StatusCode.ERROR, type(exception_context.original_exception).__name__))
            span.end()


# ------------------------------------------------------------------------------------ relay & batches


def start_producer_spans(service: str, rows: list[Any]) -> list[trace.Span]:
    """One PRODUCER span per outbox row (``topic``, ``payload``) under its event's traceparent; the relay
    ends them when the broker acknowledged the batch (``end_spans``)."""
    spans: list[trace.Span] = []
    if not _exporting:
        return spans
    for row in rows:
        parent = context_from_traceparent(traceparent_of_payload(row.payload))
        if parent is not None:
            spans.append(
                tracer(service).start_span(
                    f"publish {row.topic}",
                    context=parent,
                    kind=SpanKind.PRODUCER,
                    attributes={"messaging.system": "kafka", "messaging.destination.name": row.topic},
                )
            )
    return spans


def end_spans(spans: list[trace.Span]) -> None:
    for span in spans:
        span.end()


@contextlib.contextmanager
def batch_consumer_span(service: str, events: list[Any], topic: str) -> Iterator[None]:
    """One CONSUMER span for a batch applied in one transaction: child of the first event's trace,
    linked to every event's (a span has one parent; links keep the others followable)."""
    contexts = [
        trace.get_current_span(context_from_traceparent(e.traceparent)).get_span_context() for e in events
    ]
    links = [trace.Link(c) for c in contexts if c.is_valid]
    parent = context_from_traceparent(events[0].traceparent) if events else None
    with (
        tracer(service).start_as_current_span(
            f"consume batch {topic}",
            context=parent,
            kind=SpanKind.CONSUMER,
            links=links,
            attributes={"messaging.system": "kafka", "messaging.batch.message_count": len(events)},
        ),
        bound_request_id(f"event:{events[0].id}" if events else "batch"),
    ):
        yield
