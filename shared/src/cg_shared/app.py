"""The FastAPI application shape every service shares.

``create_service_app`` wires settings, database, auth, problem+json errors, CORS, body limit +
Idempotency-Key middleware, metrics, health endpoints, the audit/dead-letter admin routes, and a
lifespan that runs the outbox relay and the event consumer as background tasks (each switchable by
settings so Kubernetes can scale them apart).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Mapping, Sequence
from typing import Any

import anyio
from aiokafka import AIOKafkaProducer
from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from sqlalchemy.orm import configure_mappers

from cg_shared.audit import admin_router
from cg_shared.auth import TokenVerifier
from cg_shared.db import create_engine, make_sessionmaker
from cg_shared.devauth import dev_token_router
from cg_shared.events import topics as topic_names
from cg_shared.guards import RequestGuardMiddleware
from cg_shared.http import install_problem_handlers
from cg_shared.idempotency import BodyLimitAndIdempotencyMiddleware
from cg_shared.messaging.broker import bounded, broker_reachable, client_kwargs, ensure_topics, make_producer
from cg_shared.messaging.consumer import EventConsumer
from cg_shared.messaging.handlers import HandlerMap
from cg_shared.messaging.outbox import OutboxRelay
from cg_shared.observability import MetricsMiddleware, configure_logging, health_router
from cg_shared.openapi import install_openapi, operation_id_function
from cg_shared.settings import AuthMode, Environment, ServiceSettings
from cg_shared.tracing import TracingMiddleware, configure_tracing, instrument_engine

log = logging.getLogger(__name__)

BackgroundTask = Callable[[FastAPI], Coroutine[Any, Any, None]]

_heap_frozen = False


def freeze_startup_heap() -> None:
    """Move everything allocated so far (modules, app, routes, models) out of the garbage collector's reach.

    A service's startup heap is a few hundred thousand long-lived objects; while they sit in the oldest
    generation every full collection walks them all — 80–160 ms each, dozens of times a minute under load,
    which was the registry's whole p99 (bench/rest: p99 83 ms → 13 ms with the heap frozen). Frozen objects
    are still freed by reference counting; only cycles among them would stay (startup objects live for the
    process anyway). Once per process (test runs start many apps).
    """
    global _heap_frozen
    if _heap_frozen:
        return
    _heap_frozen = True
    gc.collect()
    gc.freeze()


class BrokerHealth:
    """Cached broker reachability for /readyz (a probe every few seconds must not hammer Kafka)."""

    def __init__(self, settings: ServiceSettings, ttl_s: float = 3.0) -> None:
        self.settings = settings
        self.ttl_s = ttl_s
        self._checked_at = 0.0
        self._ok = False
        self._lock = asyncio.Lock()

    async def ok(self) -> bool:
        async with self._lock:
            if time.monotonic() - self._checked_at > self.ttl_s:
                self._ok = await broker_reachable(self.settings)
                self._checked_at = time.monotonic()
            return self._ok


def service_topics(settings: ServiceSettings) -> list[str]:
    """Topics this service needs to exist: its own, its DLQ and the ones it consumes."""
    own = [t for t in topic_names.EVENT_TOPICS if t.startswith(f"cg.{settings.service_name}.")]
    return [*own, settings.dlq_topic, *topic_names.CONSUMES.get(settings.service_name, ())]


async def run_relay(app: FastAPI) -> None:
    settings: ServiceSettings = app.state.settings
    backoff = 0.5
    while True:
        producer = make_producer(settings)
        try:
            await bounded(producer.start(), 15)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("broker unavailable for the relay; retrying", extra={"error": repr(exc)})
            with contextlib.suppress(Exception):
                await producer.stop()
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 5.0)
            continue

        async def recreate_topics() -> None:
            await ensure_topics(settings, service_topics(settings))

        if settings.kafka_create_topics:
            with contextlib.suppress(Exception):
                await recreate_topics()
        # The producer learns a topic's partitions on the first send to it (a metadata round trip):
        # ask now, so the first event after a start does not wait for it.
        for topic in service_topics(settings):
            with contextlib.suppress(Exception):
                await bounded(producer.partitions_for(topic), 5)

        async def renew_producer(old: AIOKafkaProducer) -> AIOKafkaProducer:
            with contextlib.suppress(Exception):
                await bounded(old.stop(), 10)
            fresh = make_producer(settings)
            try:
                await bounded(fresh.start(), 15)
            except BaseException:
                with contextlib.suppress(Exception):
                    await bounded(fresh.stop(), 5)
                raise
            return fresh

        relay = OutboxRelay(
            service=settings.service_name,
            sessions=app.state.sessions,
            producer=producer,
            batch_size=settings.relay_batch_size,
            idle_interval_s=settings.relay_idle_interval_s,
            on_unknown_topic=recreate_topics if settings.kafka_create_topics else None,
            renew_producer=renew_producer,
            requeue_window_s=settings.relay_requeue_window_s,
            retention_s=settings.outbox_retention_s or None,
            reader_kwargs=client_kwargs(settings),
        )
        app.state.relay = relay
        try:
            await relay.run()
            return
        finally:
            with contextlib.suppress(Exception):
                await relay.producer.stop()


def warm_first_request(app: FastAPI) -> None:
    """Do at start what the first request would otherwise do (issue 19, cold start: the first
    registration after a start took 0.8–3 s, 69 % of it building the OpenAPI document — the request
    guard reads the upload routes from it on the first write — and 16 % importing anyio's asyncio
    backend). Runs while the relay and the consumer wait for the broker, before the process answers."""
    app.openapi()
    anyio.CancelScope()  # imports the event loop backend the request's dependency scopes use
    configure_mappers()


def _install_task_dump() -> None:
    """``kill -USR1 <pid>`` logs the stack of every asyncio task (where is the relay/consumer waiting?)."""
    import io
    import signal

    def dump() -> None:
        out = io.StringIO()
        for task in asyncio.all_tasks():
            out.write(f"--- task {task.get_name()}\n")
            task.print_stack(limit=25, file=out)
        log.warning("asyncio task dump:\n%s", out.getvalue())

    try:
        asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, dump)
    except (NotImplementedError, RuntimeError, ValueError) as exc:
        # Not a missing feature: an event loop that is not the main thread's (an app run inside a test
        # client or a worker thread) or one without Unix signals cannot take the handler; the service
        # runs the same without the dump.
        log.debug("no SIGUSR1 task dump in this event loop: %r", exc)


async def run_consumer(app: FastAPI) -> None:
    settings: ServiceSettings = app.state.settings
    handlers: HandlerMap = app.state.handlers
    if not handlers.subscriptions:
        return
    if settings.kafka_create_topics:
        for _ in range(50):
            try:
                await ensure_topics(settings, handlers.topics())
                break
            except Exception:
                await asyncio.sleep(1.0)
    consumer = EventConsumer(settings=settings, sessions=app.state.sessions, handlers=handlers)
    app.state.consumer = consumer
    await consumer.run()


def _lifespan(
    settings: ServiceSettings, engine: Any, background: Sequence[BackgroundTask]
) -> Callable[[FastAPI], contextlib.AbstractAsyncContextManager[None]]:
    """Relay, consumer and the service's own tasks run beside the app; all stop, then the engine closes."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        tasks: list[asyncio.Task[None]] = []
        _install_task_dump()
        if settings.run_relay:
            tasks.append(asyncio.create_task(run_relay(app), name="outbox-relay"))
        if settings.run_consumer:
            tasks.append(asyncio.create_task(run_consumer(app), name="event-consumer"))
        tasks.extend(
            asyncio.create_task(task(app), name=getattr(task, "__name__", "task")) for task in background
        )
        warm_first_request(app)
        freeze_startup_heap()
        try:
            yield
        finally:
            if app.state.consumer is not None:
                app.state.consumer.stop()
            if app.state.relay is not None:
                app.state.relay.stop()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await engine.dispose()

    return lifespan


def _add_middleware(
    app: FastAPI, settings: ServiceSettings, write_roles: Mapping[tuple[str, str], Iterable[str]] | None
) -> None:
    # Starlette applies the last-added middleware outermost.
    app.add_middleware(BodyLimitAndIdempotencyMiddleware, max_body_bytes=settings.max_body_bytes)
    # Outside it: the JSON cap and the rate limits refuse before anything reads or parses the body.
    app.add_middleware(RequestGuardMiddleware, settings=settings, write_roles=write_roles)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "If-Match", "Idempotency-Key"],
            expose_headers=["ETag", "Location", "Idempotent-Replayed"],
            max_age=600,
        )
    app.add_middleware(MetricsMiddleware, service=settings.service_name)
    # Outermost: the request id and the SERVER span cover everything below, errors included.
    app.add_middleware(TracingMiddleware, service=settings.service_name)


def create_service_app(
    settings: ServiceSettings,
    *,
    title: str,
    description: str,
    routers: Sequence[APIRouter],
    handlers: HandlerMap | None = None,
    version: str = "0.1.0",
    background: Sequence[BackgroundTask] = (),
    openapi_tags: list[dict[str, Any]] | None = None,
    write_roles: Mapping[tuple[str, str], Iterable[str]] | None = None,
) -> FastAPI:
    configure_logging(settings.service_name, level=settings.log_level, json_logs=settings.log_json)
    engine = create_engine(
        settings.database_url, pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow
    )
    configure_tracing(settings.service_name)
    instrument_engine(engine, settings.service_name)
    app = FastAPI(
        title=title,
        description=description,
        version=version,
        lifespan=_lifespan(settings, engine, background),
        openapi_tags=openapi_tags,
        # uvicorn passes CG_ROOT_PATH as the ASGI root_path (service_cli); naming it here as well puts it
        # into every OpenAPI document, also one exported without a request (generated clients).
        servers=[{"url": settings.root_path}] if settings.root_path else None,
        generate_unique_id_function=operation_id_function(settings.service_name),
    )
    install_openapi(app)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = make_sessionmaker(engine)
    app.state.verifier = TokenVerifier(settings)
    app.state.handlers = handlers or HandlerMap()
    app.state.broker_health = BrokerHealth(settings)
    app.state.relay = None
    app.state.consumer = None

    install_problem_handlers(app)
    app.include_router(health_router())
    app.include_router(admin_router())
    for router in routers:
        app.include_router(router)
    if settings.auth_mode is AuthMode.DEV and settings.env is Environment.DEV:
        app.include_router(dev_token_router())
    _add_middleware(app, settings, write_roles)
    return app
