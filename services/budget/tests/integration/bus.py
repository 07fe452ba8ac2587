"""The bus side of the budget service's Kafka tests: settings with relay and consumer on, publishing
planning's events, and reading what the outbox relay put on a topic."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from cg_budget.settings import BudgetSettings
from cg_shared.events import topics as topic_names
from cg_shared.events.envelope import CloudEvent
from cg_shared.messaging.broker import ensure_topics
from cg_shared.testing.helpers import eventually

from ..conftest import settings_for


async def bus_settings(budget_url: str, broker: Any) -> BudgetSettings:
    """Relay and consumer running against ``broker`` (webhooks off), with every event topic created."""
    settings = settings_for(
        budget_url,
        run_relay=True,
        run_consumer=True,
        kafka_bootstrap_servers=broker.bootstrap,
        webhook_delivery_enabled=False,
    )
    await ensure_topics(settings, [*topic_names.EVENT_TOPICS])
    return settings


async def publish(broker: Any, topic: str, key: str, events: Iterable[CloudEvent]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, acks="all")
    await producer.start()
    try:
        for event in events:
            await producer.send_and_wait(topic, value=event.to_json(), key=key.encode())
    finally:
        await producer.stop()


async def published(
    broker: Any, topic: str, match: Callable[[dict[str, Any]], bool], what: str
) -> dict[str, Any]:
    """The last CloudEvent on ``topic`` (read from the start by a fresh group) that ``match`` accepts."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=broker.bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=f"test-{uuid.uuid4().hex[:8]}",
    )
    await consumer.start()
    try:
        found: dict[str, Any] | None = None

        async def poll() -> dict[str, Any] | None:
            nonlocal found
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for record in records:
                    doc = json.loads(record.value or b"{}")
                    if match(doc):
                        found = doc
            return found

        result: dict[str, Any] = await eventually(poll, timeout_s=30, what=what)
        return result
    finally:
        await consumer.stop()
