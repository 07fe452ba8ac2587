"""Kafka connection settings, topic administration and the shared producer."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import Iterable
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

from cg_shared.events.topics import TOPIC_SPECS
from cg_shared.settings import ServiceSettings

log = logging.getLogger(__name__)


async def bounded(awaitable: Any, timeout_s: float) -> Any:
    """Await with a deadline that holds even if the awaited coroutine swallows its cancellation.

    ``asyncio.wait_for`` waits for the cancelled task to finish; aiokafka's start/stop can keep
    retrying a coordinator through a cancellation right after a broker restart, which hung a relay and
    a consumer for good in the dev stack. Here the task is cancelled and abandoned."""
    task = asyncio.ensure_future(awaitable)
    done, _ = await asyncio.wait({task}, timeout=timeout_s)
    if not done:
        task.cancel()
        task.add_done_callback(lambda t: t.cancelled() or t.exception())
        raise TimeoutError(f"no answer within {timeout_s:.0f} s")
    if task.cancelled():
        # Not our cancellation (that would have interrupted asyncio.wait above): aiokafka cancelled its
        # own operation, e.g. consumer.stop() right after a broker restart. Re-raised as CancelledError
        # it ended the consumer's task for good; as an ordinary error the caller retries.
        raise RuntimeError("the Kafka client cancelled its own operation")
    return task.result()


def client_kwargs(settings: ServiceSettings) -> dict[str, Any]:
    """Connection options shared by producers, consumers and the admin client."""
    kwargs: dict[str, Any] = {
        "bootstrap_servers": settings.kafka_bootstrap_servers,
        "security_protocol": settings.kafka_security_protocol,
        "client_id": f"cg-{settings.service_name}",
    }
    if settings.kafka_security_protocol in {"SSL", "SASL_SSL"}:
        kwargs["ssl_context"] = ssl.create_default_context(cafile=settings.kafka_ssl_cafile)
    if settings.kafka_security_protocol.startswith("SASL"):
        kwargs["sasl_mechanism"] = settings.kafka_sasl_mechanism or "SCRAM-SHA-512"
        kwargs["sasl_plain_username"] = settings.kafka_sasl_username
        if settings.kafka_sasl_password is not None:
            kwargs["sasl_plain_password"] = settings.kafka_sasl_password.get_secret_value()
    return kwargs


PRODUCER_BATCH_BYTES = 128 * 1024


def make_producer(settings: ServiceSettings) -> AIOKafkaProducer:
    # acks=all with the idempotent consumer downstream: at-least-once delivery, effectively-once
    # effects. The idempotent producer also keeps a retried batch from being written twice (and its
    # order within a partition) on Kafka; Tansu rejects it, so its fixture sets kafka_idempotence=False.
    return AIOKafkaProducer(
        **client_kwargs(settings),
        acks="all",
        enable_idempotence=settings.kafka_idempotence,
        linger_ms=2,
        # aiokafka keeps one record batch per partition waiting and one request per broker in flight:
        # 16 KiB batches (the default, ~12 events) capped a drain at ~100 events per round trip.
        max_batch_size=PRODUCER_BATCH_BYTES,
        request_timeout_ms=10_000,
        retry_backoff_ms=100,
    )


async def ensure_topics(settings: ServiceSettings, topics: Iterable[str], *, timeout_s: float = 10.0) -> None:
    """Create missing topics (idempotent) with their declared partitions and configs
    (:data:`cg_shared.events.topics.TOPIC_SPECS`). Tansu's memory engine forgets topics on restart."""
    wanted = sorted(set(topics))
    admin = AIOKafkaAdminClient(**client_kwargs(settings), request_timeout_ms=int(timeout_s * 1000))
    await bounded(admin.start(), timeout_s)
    try:
        existing = set(await bounded(admin.list_topics(), timeout_s))
        missing = [t for t in wanted if t not in existing]
        if not missing:
            return
        new = [
            new_topic(t, settings.kafka_topic_replication, settings.kafka_topic_partitions) for t in missing
        ]
        # Another service may create the same topic between our list and create.
        with contextlib.suppress(TopicAlreadyExistsError):
            await bounded(admin.create_topics(new), timeout_s)
        log.info("created topics", extra={"topics": missing})
    finally:
        await admin.close()


def new_topic(name: str, replication: int, default_partitions: int) -> NewTopic:
    """A declared topic with its partitions and configs; an undeclared one (tests) with the defaults."""
    spec = TOPIC_SPECS.get(name)
    if spec is None:
        return NewTopic(name, default_partitions, replication)
    return NewTopic(name, spec.partitions, replication, topic_configs=spec.configs(replication))


async def broker_reachable(settings: ServiceSettings, *, timeout_s: float = 2.0) -> bool:
    admin = AIOKafkaAdminClient(**client_kwargs(settings), request_timeout_ms=int(timeout_s * 1000))
    try:
        await asyncio.wait_for(admin.start(), timeout_s)
        await asyncio.wait_for(admin.list_topics(), timeout_s)
        return True
    except (KafkaError, OSError, TimeoutError):
        return False
    finally:
        try:
            await admin.close()
        except Exception:
            log.debug("admin close failed", exc_info=True)
