"""The whole system as real processes: Tansu + four uvicorn services, each on its own PostgreSQL
database. Session-scoped: the scenarios run against one system, as a frontend would."""

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

from cg_shared.testing.tansu import TansuBroker, free_port

SERVICES = ("registry", "committee", "planning", "budget")


@dataclass
class RunningSystem:
    urls: dict[str, str]
    broker: TansuBroker
    database_urls: dict[str, str]
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    log_dir: Path | None = None

    def client(self, service: str, **kwargs) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.urls[service], timeout=30, **kwargs)


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
                "CG_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap,
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
