"""Real-process harness for the fault-injection and soak suites.

Each service runs as its own ``cg-<service> serve`` process on its own PostgreSQL database, against the
session's 3-broker Apache Kafka cluster or a Tansu broker the stack owns, so a test can SIGKILL a
service, freeze or kill brokers, or terminate a database's connections. Counters are read straight from the
services' databases: the point is to see what was *committed*, not what an API chooses to show.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from cg_shared.events import CloudEvent
from cg_shared.testing.tansu import TansuBroker, free_port

SERVICES = ("registry", "committee", "planning", "budget")

# Extra environment per service: the periodic sweeps are irrelevant here and would only add noise.
SERVICE_ENV: dict[str, dict[str, str]] = {
    "committee": {"CG_TERM_SWEEP_INTERVAL_S": "0"},
    "budget": {"CG_CALENDAR_SWEEP_ENABLED": "false", "CG_WEBHOOK_DELIVERY_ENABLED": "false"},
}


def _script(name: str) -> str:
    return str(Path(sys.executable).parent / f"cg-{name}")


def asyncpg_dsn(database_url: str) -> str:
    """``postgresql+asyncpg://…`` (SQLAlchemy) → ``postgresql://…`` (asyncpg)."""
    return database_url.replace("postgresql+asyncpg://", "postgresql://", 1)


def database_name(database_url: str) -> str:
    return database_url.rsplit("/", 1)[-1]


@dataclass
class ServiceProcess:
    """One service as a real OS process (``cg-<name> serve``), restartable on the same port."""

    name: str
    database_url: str
    bootstrap: str
    log_dir: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.log_dir / f"{self.name}.log"

    def start(self) -> None:
        env = {
            **os.environ,
            "CG_DATABASE_URL": self.database_url,
            "CG_KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
            "CG_LOG_JSON": "false",
            "CG_LOG_LEVEL": "WARNING",
            **SERVICE_ENV.get(self.name, {}),
            **self.extra_env,
        }
        self.starts += 1
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child, closed when it ends
        log.write(f"\n===== start #{self.starts} =====\n".encode())
        log.flush()
        self.proc = subprocess.Popen(
            [_script(self.name), "serve", "--port", str(self.port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()

    async def wait_healthy(self, timeout_s: float = 240) -> None:
        """Poll ``/healthz`` (not ``/readyz``: the broker may be down on purpose)."""
        deadline = time.monotonic() + timeout_s
        async with httpx.AsyncClient(timeout=2) as client:
            while time.monotonic() < deadline:
                if self.proc is None or self.proc.poll() is not None:
                    raise RuntimeError(f"{self.name} exited:\n{self.tail()}")
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(self.url + "/healthz")).status_code == 200:
                        return
                await asyncio.sleep(0.1)
        raise RuntimeError(f"{self.name} not healthy in {timeout_s}s:\n{self.tail()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no final offset commit, no graceful anything."""
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.proc = None

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
        self.proc = None

    def tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"

    def client(self, **kwargs: Any) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, timeout=30, **kwargs)


def freeze_broker(broker: TansuBroker) -> None:
    """SIGSTOP: connections stay open but nothing is answered (sends are never acknowledged)."""
    assert broker.process is not None
    broker.process.send_signal(signal.SIGSTOP)


def kill_broker(broker: TansuBroker) -> None:
    """SIGKILL the broker (works on a frozen process too); its memory engine loses everything."""
    assert broker.process is not None
    broker.process.send_signal(signal.SIGKILL)
    broker.process.wait(timeout=10)
    broker.process = None


def restart_broker_empty(broker: TansuBroker) -> None:
    deadline = time.monotonic() + 10
    while True:
        try:
            broker.start()
            return
        except (RuntimeError, OSError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


# --- database probes -------------------------------------------------------------------------------


class Db:
    """Direct read access to one service database (asyncpg, one short connection per probe)."""

    def __init__(self, database_url: str) -> None:
        self.dsn = asyncpg_dsn(database_url)
        self.name = database_name(database_url)

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(self.dsn)
        try:
            return list(await conn.fetch(sql, *args))
        finally:
            await conn.close()

    async def value(self, sql: str, *args: Any) -> Any:
        conn = await asyncpg.connect(self.dsn)
        try:
            return await conn.fetchval(sql, *args)
        finally:
            await conn.close()

    async def count(self, table: str, where: str = "TRUE", *args: Any) -> int:
        return int(await self.value(f"SELECT count(*) FROM {table} WHERE {where}", *args))

    async def dead_letters(self) -> list[asyncpg.Record]:
        return await self.fetch(
            "SELECT id, handler, event_id, event_type, error, raw FROM dead_letters ORDER BY id"
        )

    async def unpublished(self) -> int:
        return await self.count("outbox", "published_at IS NULL")

    async def terminate_backends(self, admin_dsn: str) -> int:
        """``pg_terminate_backend`` every connection to this database (the service's pool included)."""
        conn = await asyncpg.connect(admin_dsn)
        try:
            rows = await conn.fetch(
                "SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity "
                "WHERE datname = $1 AND pid <> pg_backend_pid()",
                self.name,
            )
        finally:
            await conn.close()
        return sum(1 for r in rows if r["killed"])


def admin_dsn_for(database_url: str) -> str:
    return asyncpg_dsn(database_url).rsplit("/", 1)[0] + "/postgres"


# --- the system under test -------------------------------------------------------------------------


@dataclass
class Stack:
    broker: TansuBroker | None  # None: the broker (a Kafka cluster) belongs to a fixture, not the stack
    services: dict[str, ServiceProcess]
    dbs: dict[str, Db]
    log_dir: Path
    bootstrap: str = ""

    def __getitem__(self, name: str) -> ServiceProcess:
        return self.services[name]

    async def start(self, names: Iterable[str] | None = None) -> None:
        chosen = list(names or self.services)
        for name in chosen:
            self.services[name].start()
        await asyncio.gather(*(self.services[n].wait_healthy() for n in chosen))

    def stop(self) -> None:
        for svc in self.services.values():
            with contextlib.suppress(Exception):
                svc.stop()
        if self.broker is None:
            return
        with contextlib.suppress(Exception):
            if self.broker.process is not None:
                # A frozen broker ignores SIGTERM until continued.
                self.broker.process.send_signal(signal.SIGCONT)
            self.broker.stop()

    def logs(self) -> str:
        return "\n".join(f"--- {n} ---\n{s.tail(2500)}" for n, s in self.services.items())


@contextlib.asynccontextmanager
async def running_stack(
    database_factory: Any,
    log_dir: Path,
    names: Sequence[str] = SERVICES,
    *,
    bootstrap: str | None = None,
    extra_env: dict[str, str] | None = None,
) -> AsyncIterator[Stack]:
    """The services on a Tansu broker of their own, or on ``bootstrap`` (a Kafka cluster) if given."""
    broker: TansuBroker | None = None
    if bootstrap is None:
        broker = TansuBroker(log_path=log_dir / "broker.log")
        broker.start()
        bootstrap = broker.bootstrap
        # Tansu rejects the idempotent producer.
        extra_env = {"CG_KAFKA_IDEMPOTENCE": "false", **(extra_env or {})}
    urls = {name: await database_factory("postgresql") for name in names}
    stack = Stack(
        broker=broker,
        services={n: ServiceProcess(n, urls[n], bootstrap, log_dir, dict(extra_env or {})) for n in names},
        dbs={n: Db(urls[n]) for n in names},
        log_dir=log_dir,
        bootstrap=bootstrap,
    )
    try:
        await stack.start()
        yield stack
    finally:
        stack.stop()


# --- HTTP and events --------------------------------------------------------------------------------


def project_body(title: str, *, sgg_code: str = "11200", lines: int = 0) -> dict[str, Any]:
    body: dict[str, Any] = {"title_ko": title, "title_en": "reliability", "sgg_code": sgg_code}
    if lines:
        body["funding_lines"] = [
            {"source": "borough", "fiscal_year": 2026 + i, "amount_krw": 1_000_000 * (i + 1)}
            for i in range(lines)
        ]
    else:
        body["total_krw"] = 1_000_000
    return body


def unique_title(prefix: str) -> str:
    # Unrelated words per project keep duplicate detection quiet (it is not what these tests measure).
    return f"{prefix} {uuid.uuid4().hex[:12]}"


async def produce(
    bootstrap: str, records: Sequence[tuple[str, CloudEvent, int | None]], *, key: str | None = None
) -> None:
    """Send CloudEvents as a foreign producer would: ``(topic, event, partition-or-None)`` in order."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    await producer.start()
    try:
        futures = [
            await producer.send(
                topic,
                event.to_json(),
                key=(key or event.subject or event.id).encode(),
                partition=partition,
            )
            for topic, event, partition in records
        ]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def topic_ids(bootstrap: str, topic: str) -> Counter[str]:
    """CloudEvent id → copies of it on the whole topic (read from the beginning, without a group)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        if not parts:
            await consumer._client.force_metadata_update()
            parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        ends = await consumer.end_offsets(parts)
        seen: Counter[str] = Counter()
        deadline = asyncio.get_running_loop().time() + 60

        async def behind() -> bool:
            return any([await consumer.position(tp) < ends[tp] for tp in parts])

        while await behind():
            assert asyncio.get_running_loop().time() < deadline, "topic not read to its end in 60 s"
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for record in records:
                    # Foreign producers' records (a test's deliberately poisoned ones) count too.
                    try:
                        seen[CloudEvent.from_json(record.value).id] += 1
                    except ValueError:
                        seen["(not a CloudEvent)"] += 1
        return seen
    finally:
        await consumer.stop()


_METRIC = re.compile(r'^cg_consumer_events_total\{handler="([^"]+)",outcome="([^"]+)"\} ([0-9.e+]+)$')


async def consumer_outcomes(svc: ServiceProcess) -> dict[tuple[str, str], float]:
    """The consumer counters (handler, outcome) → count of a running service process."""
    async with svc.client() as client:
        text = (await client.get("/metrics")).text
    result: dict[tuple[str, str], float] = {}
    for line in text.splitlines():
        m = _METRIC.match(line)
        if m:
            result[(m.group(1), m.group(2))] = float(m.group(3))
    return result


async def wait_for(
    probe: Any,
    until: Any,
    *,
    timeout_s: float,
    what: str,
    interval_s: float = 0.2,
    stack: Stack | None = None,
) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        last = await probe()
        if until(last):
            return last
        if time.monotonic() > deadline:
            logs = f"\n{stack.logs()}" if stack is not None else ""
            raise AssertionError(f"timed out after {timeout_s}s waiting for {what}; last: {last!r}{logs}")
        await asyncio.sleep(interval_s)
