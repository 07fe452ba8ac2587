"""``make run``: the whole system on embedded defaults, in the foreground, stopped by Ctrl-C.

Starts the Tansu broker, migrates each service's SQLite file under the data directory, seeds the
registry when its database is empty, starts the four services, waits until every ``/readyz`` answers
ready and prints where the API docs are. Ports and the data directory are overridable by environment
(``CG_DATA_DIR``, ``CG_BROKER_PORT``, ``CG_REGISTRY_PORT`` … ``CG_BUDGET_PORT``, ``CG_HOST``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

from cg_shared import webapp
from cg_shared.testing.tansu import TansuBroker, port_open

console = Console()


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    port: int


def _specs() -> list[ServiceSpec]:
    defaults = {"registry": 8001, "committee": 8002, "planning": 8003, "budget": 8004}
    return [ServiceSpec(n, int(os.environ.get(f"CG_{n.upper()}_PORT", p))) for n, p in defaults.items()]


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


def main() -> None:
    data_dir = Path(os.environ.get("CG_DATA_DIR", "var")).resolve()
    host = os.environ.get("CG_HOST", "127.0.0.1")
    broker_port = int(os.environ.get("CG_BROKER_PORT", "9092"))
    logs = data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    specs = _specs()
    for spec in specs:
        if port_open("127.0.0.1", spec.port):
            raise SystemExit(f"port {spec.port} ({spec.name}) is in use; set CG_{spec.name.upper()}_PORT")
    if port_open("127.0.0.1", broker_port):
        raise SystemExit(f"port {broker_port} (broker) is in use; set CG_BROKER_PORT")

    env = {
        **os.environ,
        "CG_DATA_DIR": str(data_dir),
        "CG_KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{broker_port}",
        "CG_LOG_JSON": os.environ.get("CG_LOG_JSON", "true"),
        "CG_CORS_ORIGINS": os.environ.get("CG_CORS_ORIGINS", webapp.web_origins(host)),
    }
    broker = TansuBroker(broker_port, log_path=logs / "broker.log")
    procs: list[tuple[ServiceSpec, subprocess.Popen[bytes]]] = []

    def shutdown(*_: object) -> None:
        console.print("\n[bold]stopping…[/bold]")
        for _spec, proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
        for _spec, proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        broker.stop()
        console.print("all stopped; data kept in " + str(data_dir))

    try:
        with console.status("starting the Tansu broker…"):
            broker.start()
        for spec in specs:
            with console.status(f"migrating {spec.name}…"):
                subprocess.run(
                    [_script(spec.name), "migrate"], env=env, check=True, stdout=subprocess.DEVNULL
                )
        with console.status("seeding the registry (first run only)…"):
            subprocess.run([_script("registry"), "seed", "--if-empty"], env=env, check=True)
        for spec in specs:
            log_file = open(logs / f"{spec.name}.log", "ab")  # noqa: SIM115 - lives as long as the process
            proc = subprocess.Popen(
                [_script(spec.name), "serve", "--host", host, "--port", str(spec.port), "--no-migrate"],
                env=env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
            procs.append((spec, proc))
        with console.status("waiting for every service to report ready…"):
            for spec, proc in procs:
                _wait_ready(f"http://127.0.0.1:{spec.port}/readyz", proc, 90)
        if web := webapp.start(
            host, {s.name: f"http://{host}:{s.port}" for s in specs}, logs / "web.log", env
        ):
            procs.append((ServiceSpec("web", int(env.get("CG_WEB_PORT", webapp.DEFAULT_PORT))), web))
    except BaseException:
        shutdown()
        raise

    table = Table(title="Seoul CG Platform is running", show_lines=False)
    table.add_column("service")
    table.add_column("API docs")
    table.add_column("OpenAPI")
    for spec in specs:
        base = f"http://{host}:{spec.port}"
        table.add_row(spec.name, f"{base}/docs", f"{base}/openapi.json")
    console.print(table)
    console.print(f"web app: [bold]http://{host}:{os.environ.get('CG_WEB_PORT', webapp.DEFAULT_PORT)}[/bold]")
    console.print(f"broker: 127.0.0.1:{broker_port} (Tansu)   data: {data_dir}   logs: {logs}")
    console.print(
        "token for writes: [bold].venv/bin/cg-dev-token --role borough_officer --sgg-code 11200[/bold]"
    )
    console.print("try [bold]make demo[/bold] in another terminal; Ctrl-C stops everything.")

    stop = False

    def on_signal(*_: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        while not stop:
            for spec, proc in procs:
                if proc.poll() is not None:
                    console.print(
                        f"[red]{spec.name} exited with {proc.returncode}; see {logs / spec.name}.log[/red]"
                    )
                    stop = True
            time.sleep(0.5)
    finally:
        shutdown()


if __name__ == "__main__":
    main()
