"""The whole system as real processes: Tansu + four uvicorn services, each on its own PostgreSQL
database, the registry seeded like `make run` does. Session-scoped: the scenarios run against one
system, as a frontend would."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from cg_shared.events import CloudEvent
from cg_shared.testing.helpers import eventually
from cg_shared.testing.tansu import TansuBroker, free_port
from demo.scenario import CgApi, ServiceUrls

SERVICES = ("registry", "committee", "planning", "budget")


@dataclass(frozen=True)
class EventPosition:
    partition: TopicPartition
    offset: int


@dataclass
class RunningSystem:
    urls: dict[str, str]
    broker: TansuBroker
    database_urls: dict[str, str]
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    log_dir: Path | None = None
    seed_report: str = ""

    def client(self, service: str, **kwargs) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.urls[service], timeout=30, **kwargs)

    def api(self) -> CgApi:
        """The scenario library's client over this system's public REST APIs."""
        return CgApi(ServiceUrls(**self.urls))

    def logs(self, service: str, tail: int = 4000) -> str:
        assert self.log_dir is not None
        return (self.log_dir / f"{service}.log").read_text(errors="replace")[-tail:]

    async def find_event(
        self, topic: str, event_type: str, subject: str, timeout_s: float = 30
    ) -> EventPosition:
        """Read ``topic`` from the start until the event (type + subject) is there: where it is lets a
        test wait for consumers to pass it."""
        consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=self.broker.bootstrap,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        await consumer.start()
        try:
            deadline = time.monotonic() + timeout_s
            while time.monotonic() < deadline:
                batches = await consumer.getmany(timeout_ms=500)
                for tp, records in batches.items():
                    for record in records:
                        event = CloudEvent.model_validate_json(record.value)
                        if event.type == event_type and event.subject == subject:
                            return EventPosition(TopicPartition(tp.topic, tp.partition), record.offset)
        finally:
            await consumer.stop()
        raise AssertionError(f"{event_type} for {subject} never appeared on {topic}")

    async def wait_consumed(
        self, position: EventPosition, groups: tuple[str, ...], timeout_s: float = 30
    ) -> None:
        """Barrier: every consumer group has committed past ``position`` (a ``find_event`` result), so
        whatever its handlers do with that event (or did not do) is in their databases."""
        admin = AIOKafkaAdminClient(bootstrap_servers=self.broker.bootstrap)
        await admin.start()
        try:
            tp, offset = position.partition, position.offset
            for group in groups:

                async def committed(group: str = group) -> int:
                    offsets = await admin.list_consumer_group_offsets(group, partitions=[tp])
                    meta = offsets.get(tp)
                    return meta.offset if meta is not None else -1

                await eventually(
                    committed,
                    until=lambda got: got > offset,
                    timeout_s=timeout_s,
                    interval_s=0.2,
                    what=f"consumer group {group} to pass {tp}@{offset}",
                )
        finally:
            await admin.close()


def _script(name: str) -> str:
    return str(Path(sys.executable).parent / f"cg-{name}")


def _wait_ready(url: str, proc: subprocess.Popen[bytes], log: Path, timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url} exited {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url + "/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} not ready in {timeout_s}s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
async def system_databases(database_factory) -> dict[str, str]:
    return {name: await database_factory("postgresql") for name in SERVICES}


@pytest.fixture(scope="session")
def system(system_databases, tmp_path_factory) -> Iterator[RunningSystem]:
    log_dir = tmp_path_factory.mktemp("e2e-logs")
    broker = TansuBroker(log_path=log_dir / "broker.log")
    broker.start()
    running = RunningSystem(urls={}, broker=broker, database_urls=system_databases, log_dir=log_dir)
    try:
        for name in SERVICES:
            port = free_port()
            env = {
                **os.environ,
                "CG_DATABASE_URL": system_databases[name],
                **broker.service_env,
                "CG_LOG_JSON": "false",
                "CG_LOG_LEVEL": "WARNING",
            }
            log = log_dir / f"{name}.log"
            running.processes[name] = subprocess.Popen(
                [_script(name), "serve", "--port", str(port)],
                env=env,
                stdout=open(log, "wb"),  # noqa: SIM115 - closed when the process ends
                stderr=subprocess.STDOUT,
            )
            running.urls[name] = f"http://127.0.0.1:{port}"
        for name in SERVICES:
            _wait_ready(running.urls[name], running.processes[name], log_dir / f"{name}.log")
        # As `make run` does on a first start: the published Seoul seed (1,126 projects, with a
        # project.registered event each, so planning's and budget's read models fill over the bus).
        seeded = subprocess.run(
            [_script("registry"), "seed", "--if-empty"],
            env={**os.environ, "CG_DATABASE_URL": system_databases["registry"], "CG_LOG_JSON": "false"},
            capture_output=True,
            text=True,
            check=False,
        )
        if seeded.returncode != 0:
            raise RuntimeError(f"registry seed failed:\n{seeded.stdout}\n{seeded.stderr}")
        running.seed_report = seeded.stdout.strip()
        yield running
    finally:
        for proc in running.processes.values():
            proc.terminate()
        for proc in running.processes.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        broker.stop()
