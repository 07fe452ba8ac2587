"""``make run`` (``cg-dev-stack``): the whole system on embedded defaults, in the foreground.

Starts a single-node Apache Kafka whose log lives under the data directory (so what it acknowledged
survives stop, SIGKILL and restart), migrates each service's SQLite file there, seeds the registry when
its database is empty, starts the four services, waits until every ``/readyz`` answers ready and
prints where the API docs are. It then supervises: a service or the broker that exits is reported and
started again (with a back-off when it keeps crashing); the rest of the stack keeps running. Ctrl-C
(or SIGTERM) stops the services first, each with one SIGTERM, so each finishes the requests it has in
flight, then the broker.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import httpx
from rich.console import Console
from rich.table import Table

from cg_shared import webapp
from cg_shared.testing.kafka import KafkaCluster, KafkaUnavailable
from cg_shared.testing.tansu import TansuBroker, port_open

console = Console()
SERVICES = {"registry": 8001, "committee": 8002, "planning": 8003, "budget": 8004}


@dataclass
class ServiceSpec:
    name: str
    port: int
    proc: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    crashes: list[float] = field(default_factory=list)
    restart_at: float | None = None


class DevBroker(Protocol):
    name: str
    bootstrap: str

    def start(self) -> None: ...
    def alive(self) -> bool: ...
    def shutdown(self) -> None: ...


class KafkaDevBroker:
    name = "Apache Kafka, single node"

    def __init__(self, data_dir: Path, port: int) -> None:
        self.cluster = KafkaCluster(data_dir / "kafka", nodes=1, ports=[port], fast_failover=False)
        self.bootstrap = self.cluster.bootstrap

    def start(self) -> None:
        self.cluster.start(timeout_s=180)

    def alive(self) -> bool:
        return self.cluster.nodes[0].running

    def shutdown(self) -> None:
        self.cluster.stop()


class TansuDevBroker:
    name = "Tansu, memory only: loses everything on restart"

    def __init__(self, data_dir: Path, port: int) -> None:
        self.broker = TansuBroker(port, log_path=data_dir / "logs" / "broker.log")
        self.bootstrap = self.broker.bootstrap

    def start(self) -> None:
        self.broker.start()

    def alive(self) -> bool:
        return self.broker.process is not None and self.broker.process.poll() is None

    def shutdown(self) -> None:
        self.broker.stop()


def _specs() -> list[ServiceSpec]:
    return [ServiceSpec(n, int(os.environ.get(f"CG_{n.upper()}_PORT", p))) for n, p in SERVICES.items()]


def _script(name: str) -> str:
    found = shutil.which(f"cg-{name}", path=str(Path(sys.executable).parent)) or shutil.which(f"cg-{name}")
    if not found:
        raise SystemExit(f"cg-{name} is not installed; run `make setup` first")
    return found


def _wait_ready(url: str, proc: subprocess.Popen[bytes], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url} process exited with {proc.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=1).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{url} not ready after {timeout_s}s")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="cg-dev-stack",
        description=(
            "Run the Seoul CG platform locally: a broker and the four services on SQLite files under the "
            "data directory, demo data seeded on the first run. Supervises the processes (restarts and "
            "reports whatever exits); Ctrl-C drains in-flight requests and stops everything."
        ),
        epilog=(
            "Environment: CG_DATA_DIR (default var/), CG_HOST, CG_BROKER_PORT (9092), CG_REGISTRY_PORT "
            "(8001), CG_COMMITTEE_PORT (8002), CG_PLANNING_PORT (8003), CG_BUDGET_PORT (8004), "
            "CG_DEV_BROKER (kafka|tansu), CG_KAFKA_HEAP (256m)."
        ),
    )
    parser.add_argument("--data-dir", default=os.environ.get("CG_DATA_DIR", "var"), help="state directory")
    parser.add_argument("--host", default=os.environ.get("CG_HOST", "127.0.0.1"), help="services bind here")
    parser.add_argument(
        "--broker-port", type=int, default=int(os.environ.get("CG_BROKER_PORT", "9092")), help="broker port"
    )
    parser.add_argument(
        "--broker",
        choices=("kafka", "tansu"),
        default=os.environ.get("CG_DEV_BROKER", "kafka"),
        help="kafka (default; its log lives under the data dir) or tansu (memory only: loses events on restart)",
    )
    return parser.parse_args(argv)


class Stack:
    def __init__(self, args: argparse.Namespace) -> None:
        self.data_dir = Path(args.data_dir).resolve()
        self.host: str = args.host
        self.logs = self.data_dir / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.specs = _specs()
        self.broker: DevBroker = (
            KafkaDevBroker(self.data_dir, args.broker_port)
            if args.broker == "kafka"
            else TansuDevBroker(self.data_dir, args.broker_port)
        )
        self.broker_restarts = 0
        self.env = {
            **os.environ,
            "CG_DATA_DIR": str(self.data_dir),
            "CG_KAFKA_BOOTSTRAP_SERVERS": self.broker.bootstrap,
            "CG_KAFKA_IDEMPOTENCE": "true" if args.broker == "kafka" else "false",
            "CG_LOG_JSON": os.environ.get("CG_LOG_JSON", "true"),
            "CG_CORS_ORIGINS": os.environ.get("CG_CORS_ORIGINS", webapp.web_origins(self.host)),
        }
        self.web: subprocess.Popen[bytes] | None = None
        self.web_port = int(os.environ.get("CG_WEB_PORT", webapp.DEFAULT_PORT))

    def spawn(self, spec: ServiceSpec) -> None:
        log_file = open(self.logs / f"{spec.name}.log", "ab")  # noqa: SIM115 - handed to the child
        spec.proc = subprocess.Popen(
            [_script(spec.name), "serve", "--host", self.host, "--port", str(spec.port), "--no-migrate"],
            env=self.env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            # Own process group: the terminal's Ctrl-C reaches only this supervisor, which then sends
            # each service exactly one SIGTERM (a second signal makes uvicorn abort in-flight requests).
            start_new_session=True,
        )
        log_file.close()

    def start(self) -> None:
        for spec in self.specs:
            if port_open("127.0.0.1", spec.port):
                raise SystemExit(f"port {spec.port} ({spec.name}) is in use; set CG_{spec.name.upper()}_PORT")
        if port_open("127.0.0.1", int(self.broker.bootstrap.rsplit(":", 1)[1])):
            raise SystemExit(f"the broker port of {self.broker.bootstrap} is in use; set CG_BROKER_PORT")
        began = time.monotonic()
        with console.status(f"starting the broker ({self.broker.name})…"):
            self.broker.start()
        console.print(f"broker ready in {time.monotonic() - began:.1f} s")
        for spec in self.specs:
            with console.status(f"migrating {spec.name}…"):
                subprocess.run(
                    [_script(spec.name), "migrate"], env=self.env, check=True, stdout=subprocess.DEVNULL
                )
        with console.status("seeding the registry (first run only)…"):
            subprocess.run([_script("registry"), "seed", "--if-empty"], env=self.env, check=True)
        for spec in self.specs:
            self.spawn(spec)
        with console.status("waiting for every service to report ready…"):
            for spec in self.specs:
                assert spec.proc is not None
                _wait_ready(f"http://127.0.0.1:{spec.port}/readyz", spec.proc, 120)
        self.start_web()

    def start_web(self) -> None:
        urls = {s.name: f"http://{self.host}:{s.port}" for s in self.specs}
        self.web = webapp.start(self.host, urls, self.logs / "web.log", self.env)

    def supervise_once(self) -> None:
        """Restart whatever exited (the broker first); a service that keeps crashing waits longer."""
        if not self.broker.alive():
            self.broker_restarts += 1
            console.print(f"[red]broker exited; restarting it (restart #{self.broker_restarts})[/red]")
            try:
                self.broker.start()
                console.print("[green]broker is back[/green]")
            except (RuntimeError, OSError) as exc:
                console.print(f"[red]broker restart failed: {exc}; trying again[/red]")
        if self.web is not None and self.web.poll() is not None:
            console.print(f"[red]web app exited with {self.web.returncode}; restarting it[/red]")
            self.start_web()
        now = time.monotonic()
        for spec in self.specs:
            if spec.proc is None or spec.proc.poll() is None:
                continue
            if spec.restart_at is None:  # an exit not handled yet
                spec.crashes = [t for t in spec.crashes if now - t < 60] + [now]
                delay = 0.0 if len(spec.crashes) < 3 else min(30.0, 2.0 ** len(spec.crashes))
                spec.restart_at = now + delay
                console.print(
                    f"[red]{spec.name} exited with {spec.proc.returncode}; restarting it"
                    f"{f' in {delay:.0f} s' if delay else ''} (restart #{spec.restarts + 1}); "
                    f"see {self.logs / spec.name}.log[/red]"
                )
            if now >= spec.restart_at:
                spec.restarts += 1
                spec.restart_at = None
                self.spawn(spec)

    def stop(self) -> None:
        console.print("\n[bold]stopping: services finish their in-flight requests first…[/bold]")
        if self.web is not None and self.web.poll() is None:
            self.web.terminate()
        for spec in self.specs:
            if spec.proc is not None and spec.proc.poll() is None:
                spec.proc.send_signal(signal.SIGTERM)
        for spec in self.specs:
            if spec.proc is None:
                continue
            try:
                spec.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                spec.proc.kill()
                spec.proc.wait(timeout=5)
        if self.web is not None:
            try:
                self.web.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.web.kill()
        self.broker.shutdown()
        console.print(f"all stopped; data kept in {self.data_dir}")

    def banner(self) -> None:
        table = Table(title="Seoul CG Platform is running", show_lines=False)
        table.add_column("service")
        table.add_column("API docs")
        table.add_column("OpenAPI")
        for spec in self.specs:
            base = f"http://{self.host}:{spec.port}"
            table.add_row(spec.name, f"{base}/docs", f"{base}/openapi.json")
        console.print(table)
        if self.web is not None:
            console.print(f"web app: [bold]http://{self.host}:{self.web_port}[/bold]")
        console.print(
            f"broker: {self.broker.bootstrap} ({self.broker.name})   data: {self.data_dir}   logs: {self.logs}"
        )
        console.print(
            "token for writes: [bold].venv/bin/cg-dev-token --role borough_officer --sgg-code 11200[/bold]"
        )
        console.print("try [bold]make demo[/bold] in another terminal; Ctrl-C stops everything.")


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    try:
        stack = Stack(args)
    except KafkaUnavailable as exc:
        raise SystemExit(f"cg-dev-stack: {exc}") from exc

    stop = False
    started = False

    def on_signal(*_: object) -> None:
        nonlocal stop
        stop = True
        if not started:
            raise KeyboardInterrupt  # interrupts the start-up; the finally below stops what runs

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        stack.start()
        started = True
        stack.banner()
        while not stop:
            stack.supervise_once()
            time.sleep(0.5)
    except KafkaUnavailable as exc:
        console.print(f"[red]cg-dev-stack: {exc}[/red]")
        raise SystemExit(1) from exc
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
