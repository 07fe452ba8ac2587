"""One trace from a registry POST to planning's consumer (issue 22): HTTP -> SQL -> outbox -> Kafka ->
consumer -> SQL, with the CloudEvents distributed-tracing extension on the event, the traceparent as a
Kafka header, and the request id in the audit row and the log lines. Spans are collected with the
SDK's in-memory exporter; nothing is exported anywhere else (OTLP stays off without an endpoint)."""

from __future__ import annotations

import io
import json
import logging

import pytest
from aiokafka import AIOKafkaConsumer
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy import text

from cg_planning.main import create_app as create_planning
from cg_planning.settings import PlanningSettings
from cg_registry.main import create_app as create_registry
from cg_registry.settings import RegistrySettings
from cg_shared.events import topics
from cg_shared.events.envelope import CloudEvent
from cg_shared.observability import configure_logging
from cg_shared.testing.helpers import auth, eventually, migrate, running_app
from cg_shared.tracing import add_span_processor, bound_request_id, tracer

pytestmark = [pytest.mark.broker, pytest.mark.postgres]

OFFICER = auth("borough_officer", "11200")


@pytest.fixture(scope="module")
def spans() -> InMemorySpanExporter:
    exporter = InMemorySpanExporter()
    add_span_processor(SimpleSpanProcessor(exporter))
    return exporter


def trace_of(span: ReadableSpan) -> str:
    assert span.context is not None
    return format(span.context.trace_id, "032x")


async def test_one_trace_spans_a_registry_post_and_plannings_consumer(
    database_factory, broker, spans: InMemorySpanExporter
) -> None:
    reg_url, plan_url = await database_factory("postgresql"), await database_factory("postgresql")
    await migrate("registry", reg_url)
    await migrate("planning", plan_url)
    common = {"kafka_bootstrap_servers": broker.bootstrap, "log_json": False}
    registry = create_registry(RegistrySettings(database_url=reg_url, **common))
    planning = create_planning(PlanningSettings(database_url=plan_url, **common))
    async with running_app(registry) as reg:
        # Two events ahead of the traced one: planning starts after them, so its consumer may take all
        # three in one batch (what happens in the full run, where the broker holds other tests' events).
        for n in range(2):
            earlier = await reg.post(
                "/v1/projects",
                json={"title_ko": f"앞선 사업 {n}", "sgg_code": "11200", "total_krw": 1000},
                headers=OFFICER,
            )
            assert earlier.status_code == 201, earlier.text
        created = await reg.post(
            "/v1/projects",
            json={"title_ko": "추적 사업", "title_en": "traced", "sgg_code": "11200", "total_krw": 1000},
            headers={**OFFICER, "X-Request-ID": "req-trace-1"},
        )
        assert created.status_code == 201, created.text
        assert created.headers["x-request-id"] == "req-trace-1"
        project_id = created.json()["id"]
        async with running_app(planning) as plan:
            await eventually(
                lambda: plan.get(f"/v1/registry-projects/{project_id}"),
                until=lambda r: r.status_code == 200,
                timeout_s=30,
                what="planning applied the event",
            )

    finished = spans.get_finished_spans()
    # FastAPI's own SERVER span (native telemetry), tagged with our request id.
    (server,) = [
        s
        for s in finished
        if s.kind is SpanKind.SERVER and s.attributes and s.attributes.get("cg.request_id") == "req-trace-1"
    ]
    trace_id = trace_of(server)
    assert created.headers["traceparent"].split("-")[1] == trace_id
    in_trace = [s for s in finished if trace_of(s) == trace_id]
    kinds = {(s.kind, s.name.split(" ")[0]) for s in in_trace}
    # HTTP, the request's transaction writing the project (since issue 19 one statement of data-modifying
    # CTEs, "WITH … INSERT INTO projects …"), the relay's publish, planning's consumer. (A bare INSERT span
    # is in the trace only when the relay's checkpoint upsert runs under this trace: not always.)
    statements = [
        str((s.attributes or {}).get("db.query.text", "")) for s in in_trace if s.kind is SpanKind.CLIENT
    ]
    assert any('INSERT INTO "projects"' in statement for statement in statements), kinds
    producers = [s for s in in_trace if s.kind is SpanKind.PRODUCER]
    assert [p.name for p in producers] == [f"publish {topics.REGISTRY_PROJECT}"]
    # Planning's consumer continues the trace: a CONSUMER span per event whose parent is inside the HTTP
    # request's trace, or -- when the event came in one batch with others (the session's broker holds
    # other tests' registry events, which a new consumer group reads from the start) -- the batch span,
    # a child of the batch's first event and linked to ours.
    http_ids = {s.context.span_id for s in in_trace if s.context is not None}

    def continues_trace(span: ReadableSpan) -> bool:
        if trace_of(span) == trace_id:
            return span.parent is not None and span.parent.span_id in http_ids
        return any(format(link.context.trace_id, "032x") == trace_id for link in span.links)

    consumers = [s for s in finished if s.kind is SpanKind.CONSUMER and continues_trace(s)]
    assert consumers, [(s.name, trace_of(s)) for s in finished if s.kind is SpanKind.CONSUMER]
    for consumer_span in consumers:
        if consumer_span.name.startswith("consume batch"):
            assert consumer_span.name == f"consume batch {topics.REGISTRY_PROJECT}"
        else:
            assert consumer_span.name == "consume kr.seoul.cg.registry.project.registered.v1"
            assert consumer_span.attributes is not None
            assert str(consumer_span.attributes["cg.handler"]).startswith("planning.")
    # planning's SQL runs inside its consumer span: the trace reaches the other service's database.
    consumer_ids = {c.context.span_id for c in consumers if c.context is not None}
    assert any(s.kind is SpanKind.CLIENT and s.parent and s.parent.span_id in consumer_ids for s in finished)

    # The event itself carries the trace: CloudEvents traceparent extension and the Kafka header.
    consumer = AIOKafkaConsumer(
        topics.REGISTRY_PROJECT,
        bootstrap_servers=broker.bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        found = None
        for _ in range(40):
            for records in (await consumer.getmany(timeout_ms=250)).values():
                for record in records:
                    # The session's broker also holds other tests' records, poison ones included.
                    if project_id.encode() not in (record.value or b""):
                        continue
                    event = CloudEvent.from_json(record.value)
                    if event.subject == project_id:
                        found = (event, dict(record.headers))
            if found:
                break
    finally:
        await consumer.stop()
    assert found is not None
    event, headers = found
    assert event.traceparent is not None and event.traceparent.split("-")[1] == trace_id
    assert headers["traceparent"].decode() == event.traceparent

    # The audit row of the POST names the request.
    async with registry.state.engine.connect() as conn:
        request_ids = (
            (
                await conn.execute(
                    text("SELECT request_id FROM audit_log WHERE entity_id = :id"), {"id": project_id}
                )
            )
            .scalars()
            .all()
        )
    assert request_ids and set(request_ids) == {"req-trace-1"}


def test_every_log_line_names_its_request_and_trace() -> None:
    configure_logging("tracing-test", json_logs=True)
    stream = io.StringIO()
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)
    log = logging.getLogger("cg.test")
    log.warning("바깥")
    with tracer("tracing-test").start_as_current_span("work") as span, bound_request_id("req-42"):
        log.warning("안쪽")
    outside, inside = (json.loads(line) for line in stream.getvalue().splitlines())
    assert outside["request_id"] is None and outside["trace_id"] is None
    assert inside["request_id"] == "req-42" and inside["msg"] == "안쪽"
    assert inside["trace_id"] == format(span.get_span_context().trace_id, "032x")
