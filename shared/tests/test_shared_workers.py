"""CG_WORKERS: ``cg-<svc> serve`` runs several uvicorn worker processes, each a whole app."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from cg_shared.service_cli import worker_app
from cg_shared.testing.tansu import free_port

BIN = Path(sys.executable).parent


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def test_worker_app_builds_the_serving_commands_app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("_CG_SERVE_APP_FACTORY", "cg_registry.main:create_app")
    monkeypatch.setenv("_CG_SERVE_SETTINGS_FACTORY", "cg_registry.settings:get_settings")
    monkeypatch.setenv("CG_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'r.db'}")
    app = worker_app()
    assert app.state.settings.service_name == "registry"
    assert "/v1/projects" in app.openapi()["paths"]


@pytest.mark.skipif(not Path("/proc").exists(), reason="counts worker processes through /proc")
def test_serve_with_two_workers_answers_from_two_processes(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CG_")}
    env.update(
        CG_WORKERS="2",
        CG_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}",
        CG_KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:9",
        CG_RUN_RELAY="false",
        CG_RUN_CONSUMER="false",
        CG_LOG_LEVEL="WARNING",
    )
    proc = subprocess.Popen(
        [str(BIN / "cg-registry"), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 180
        ready = False
        while time.monotonic() < deadline and not ready:
            assert proc.poll() is None, "serve exited"
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/v1/projects", timeout=5).status_code == 200
            except httpx.HTTPError:
                time.sleep(0.5)
        assert ready
        workers = [
            pid
            for pid in _children(proc.pid)
            if b"multiprocessing.spawn" in Path(f"/proc/{pid}/cmdline").read_bytes()
        ]
        assert len(workers) == 2
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    assert proc.returncode is not None
