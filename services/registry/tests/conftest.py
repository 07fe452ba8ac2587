"""Fixtures of the registry tests: migrated (and seeded) databases per backend, API clients, events."""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from aiokafka.structs import ConsumerRecord
from fastapi import FastAPI
from sqlalchemy import select

from cg_registry.consumers import handlers
from cg_registry.main import create_app
from cg_registry.seed.loader import seed_database
from cg_registry.settings import RegistrySettings
from cg_shared.events import CloudEvent, EventPayload, make_event
from cg_shared.messaging import EventConsumer
from cg_shared.messaging.tables import OutboxMessage
from cg_shared.testing.helpers import auth, migrate

SGG = "11200"  # 성동구
OTHER_SGG = "11620"  # 관악구
OFFICER = auth("borough_officer", SGG, sub="officer-seongdong")
OTHER_OFFICER = auth("borough_officer", OTHER_SGG, sub="officer-gwanak")
SECRETARY = auth("committee_secretary", SGG, sub="secretary-seongdong")
ADMIN = auth("smg_admin", sub="smg-admin")
RESIDENT = auth("resident", sub="resident-kim")
UNUSED_BROKER = "127.0.0.1:9"  # never dialled: these apps run without their lifespan


@pytest.fixture
def reg() -> Any:
    """This module, so test files reach the helpers as ``reg.OFFICER`` (importlib mode: no sibling imports)."""
    return sys.modules[__name__]


def make_app(url: str) -> FastAPI:
    return create_app(
        RegistrySettings(database_url=url, kafka_bootstrap_servers=UNUSED_BROKER, log_json=False)
    )


@asynccontextmanager
async def api(url: str) -> AsyncIterator[httpx.AsyncClient]:
    """An in-process client of a registry app on ``url`` (no relay/consumer); disposes the engine after."""
    app = make_app(url)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://registry", timeout=60) as client:
            client.app = app  # type: ignore[attr-defined]
            yield client
    finally:
        await app.state.engine.dispose()


FreshDb = Callable[[str], Awaitable[str]]


@pytest.fixture(scope="session")
def fresh_db(database_factory: Any) -> FreshDb:
    """``await fresh_db("postgresql" | "sqlite")`` → URL of a new migrated, empty registry database."""

    async def make(backend: str) -> str:
        url: str = await database_factory(backend)
        await migrate("registry", url)
        return url

    return make


@pytest.fixture(scope="session")
def seeded_db(fresh_db: FreshDb) -> Callable[[str], Awaitable[str]]:
    """``await seeded_db(backend)`` → a migrated database holding the default seed, made once per session.

    Read-only by convention: tests that write use :func:`fresh_db` (the seed's figures must stay exact).
    """
    cache: dict[str, str] = {}

    async def get(backend: str) -> str:
        if backend not in cache:
            url = await fresh_db(backend)
            result = await seed_database(url)
            assert result.projects == 1126
            cache[backend] = url
        return cache[backend]

    return get


def project_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title_ko": "성수동 청년 마을활동가 양성 지원사업",
        "title_en": "Seongsu-dong young village activist training",
        "summary_ko": "성수동 청년이 마을활동가로 성장하도록 돕는 사업",
        "sgg_code": SGG,
        "lead_department": "성동구 청년정책과",
        "partners": [
            {"name": "성수마을넷", "kind": "civic_group", "role": "operator"},
            {"name": "성동구 자원봉사센터", "kind": "public_institution", "role": "advisor"},
        ],
        "origin": "civic_group",
        "policy_field": "youth",
        "target_groups": ["청년"],
        "start_date": "2025-03-01",
        "end_date": "2026-02-28",
        "status": "planned",
        "funding_lines": [
            {"source": "smg_grant", "fiscal_year": 2025, "amount_krw": 120_000_000},
            {"source": "borough", "fiscal_year": 2025, "amount_krw": 30_000_000},
        ],
    }
    body.update(overrides)
    return body


# --- events ---------------------------------------------------------------------------------------


def record_of(event: CloudEvent, *, topic: str, offset: int = 0) -> ConsumerRecord[Any, Any]:
    raw = event.to_json()
    return ConsumerRecord(
        topic=topic,
        partition=0,
        offset=offset,
        timestamp=0,
        timestamp_type=0,
        key=(event.subject or "").encode(),
        value=raw,
        checksum=None,
        serialized_key_size=len(event.subject or ""),
        serialized_value_size=len(raw),
        headers=[],
    )


def consumer_for(app: FastAPI) -> EventConsumer:
    """The real idempotent consumer of the registry (inbox, retries, DLQ) without a broker connection."""
    return EventConsumer(settings=app.state.settings, sessions=app.state.sessions, handlers=handlers)


async def deliver(
    app: FastAPI, payload: EventPayload, *, subject: str, event: CloudEvent | None = None
) -> CloudEvent:
    event = event or make_event(payload, subject=subject)
    await consumer_for(app).process(record_of(event, topic=payload.topic))
    return event


async def deliver_allocation(
    app: FastAPI,
    *,
    plan_item_id: str,
    amount_krw: int,
    allocation_id: str = "alloc-1",
    request_id: str = "req-1",
) -> CloudEvent:
    """A finalised 2026 borough allocation of one line naming ``plan_item_id`` (the registry adds a line)."""
    from cg_shared.events.budget import AllocationFinalized, AllocationLine

    allocation = AllocationFinalized(
        allocation_id=allocation_id,
        cycle_id="cycle-2026",
        sgg_code=SGG,
        fiscal_year=2026,
        method="election:mes",
        total_krw=amount_krw,
        lines=[
            AllocationLine(
                request_id=request_id, plan_item_id=plan_item_id, source="borough", amount_krw=amount_krw
            )
        ],
    )
    return await deliver(app, allocation, subject=allocation_id)


async def outbox_events(app: FastAPI, event_type_suffix: str) -> list[dict[str, Any]]:
    async with app.state.sessions() as session:
        rows = (
            await session.execute(
                select(OutboxMessage.payload)
                .where(OutboxMessage.event_type.like(f"%{event_type_suffix}%"))
                .order_by(OutboxMessage.id)
            )
        ).scalars()
        return [json.loads(r) for r in rows]
