"""Shared machinery of the REST, event-bus and scale benchmarks.

Every benchmark starts what it measures itself (Tansu broker, fresh PostgreSQL databases, the service
processes as `cg-<svc> serve` subprocesses) inside one :class:`contextlib.AsyncExitStack`, so a failure,
Ctrl-C or SIGTERM still stops every process it started and drops every database it created.
Only loopback addresses are used. Statistics are medians of rounds; latency percentiles use the
nearest-rank definition (p99 of 1,000 samples is the 990th smallest), which never interpolates a
latency nobody observed.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import math
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = ROOT / ".venv" / "bin"
PYTHON = VENV_BIN / "python"

T = TypeVar("T")


# --------------------------------------------------------------------------- statistics


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (``pct`` in 0..100) of ``values``; NaN for an empty sample."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


# --------------------------------------------------------------------------- output


def print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """A plain fixed-width table (readable in a terminal and pasteable into Markdown)."""
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    print(f"\n{title}")
    print("| " + " | ".join(h.ljust(w) for h, w in zip(cells[0], widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in cells[1:]:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
    sys.stdout.flush()


def note(message: str) -> None:
    """Progress on stderr, so stdout stays the result tables and the headline line."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def machine_summary() -> str:
    mem_kb = 0
    with contextlib.suppress(OSError), open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    one, five, _ = os.getloadavg()
    return (
        f"{os.cpu_count()} cores ({cpu}), {mem_kb / 1024 / 1024:.1f} GiB RAM, "
        f"Python {platform.python_version()}, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, "
        f"load average {one:.1f} (1 min) / {five:.1f} (5 min) at the end"
    )


# --------------------------------------------------------------------------- processes


def free_port() -> int:
    from cg_shared.testing.tansu import free_port as _free_port

    return int(_free_port())


def _stop_process_group(proc: subprocess.Popen[bytes], *, timeout_s: float = 15.0) -> None:
    """SIGTERM the child's process group (uvicorn shuts down gracefully), SIGKILL if it lingers."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


def read_status_kb(pid: int, key: str) -> int | None:
    """A ``/proc/<pid>/status`` field in kB (VmHWM = peak resident set, VmRSS = current)."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


@dataclass
class ServiceProcess:
    """One ``cg-<service> serve`` subprocess on a loopback port."""

    service: str
    port: int
    env: dict[str, str]
    log_path: Path
    cwd: Path
    proc: subprocess.Popen[bytes] | None = None
    peak_rss_kb: int | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [
                    str(VENV_BIN / f"cg-{self.service}"),
                    "serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                ],
                env=self.env,
                cwd=self.cwd,  # never pick up a developer's .env from the repository root
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: we can stop it and nothing else
            )

    async def wait_ready(self, *, timeout_s: float = 60.0, path: str = "/healthz") -> None:
        deadline = time.monotonic() + timeout_s
        async with httpx.AsyncClient(base_url=self.base_url, timeout=2.0) as client:
            while time.monotonic() < deadline:
                if self.proc is None or self.proc.poll() is not None:
                    raise RuntimeError(f"{self.service} exited early; log:\n{self.log_tail()}")
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(path)).status_code == 200:
                        return
                await asyncio.sleep(0.1)
        raise RuntimeError(f"{self.service} not ready within {timeout_s}s; log:\n{self.log_tail()}")

    def sample_peak_rss(self) -> int | None:
        """Remember VmHWM (peak RSS over the process's life) while the process still exists."""
        if self.proc is not None and self.proc.poll() is None:
            value = read_status_kb(self.proc.pid, "VmHWM")
            if value is not None:
                self.peak_rss_kb = max(self.peak_rss_kb or 0, value)
        return self.peak_rss_kb

    def stop(self) -> None:
        if self.proc is None:
            return
        self.sample_peak_rss()
        _stop_process_group(self.proc)
        self.proc = None

    def log_tail(self, lines: int = 40) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return "(no log)"


@dataclass
class Bench:
    """Owns everything a benchmark starts; ``async with Bench("events") as bench: ...``."""

    name: str
    stack: contextlib.AsyncExitStack = field(default_factory=contextlib.AsyncExitStack)
    workdir: Path = field(init=False)
    broker_bootstrap: str | None = None
    broker_kind: str = "kafka"
    services: list[ServiceProcess] = field(default_factory=list)
    _pg: Any = None
    _failed: bool = False

    async def __aenter__(self) -> Bench:
        self.workdir = Path(tempfile.mkdtemp(prefix=f"cg-bench-{self.name}-"))
        await self.stack.__aenter__()
        self.stack.callback(self._cleanup_workdir)
        return self

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> bool | None:
        self._failed = exc_type is not None
        return await self.stack.__aexit__(exc_type, exc, tb)

    def _cleanup_workdir(self) -> None:
        if self._failed:
            note(f"{self.name}: failed; logs kept in {self.workdir}")
        else:
            shutil.rmtree(self.workdir, ignore_errors=True)

    # -- infrastructure

    async def postgres(self) -> Any:
        if self._pg is None:
            from cg_shared.testing.postgres import find_or_start_postgres

            try:
                server = await find_or_start_postgres(durable=True)
            except Exception as exc:
                raise SystemExit(f"{self.name}: no PostgreSQL: {exc}") from exc
            self.stack.callback(server.stop)  # stops only a throwaway cluster we started
            self._pg = server
        return self._pg

    async def database(self, service: str) -> str:
        """A brand-new database for ``service`` (migrated by its ``serve``); dropped at the end."""
        server = await self.postgres()
        name = await server.create_database(prefix=f"cg_bench_{service}")
        self.stack.push_async_callback(server.drop_database, name)
        return str(server.url_for(name))

    def broker(self, kind: str = "kafka") -> str:
        """Start the broker once: ``kafka`` = single-node Apache Kafka (what ``make run`` uses, from
        ``cg_shared.testing.kafka``), ``tansu`` = the Tansu broker (no idempotent producer: the services
        get ``CG_KAFKA_IDEMPOTENCE=false`` as in its test fixture)."""
        if self.broker_bootstrap is None:
            self.broker_kind = kind
            if kind == "tansu":
                from cg_shared.testing.tansu import TansuBroker

                tansu = TansuBroker(log_path=self.workdir / "tansu.log")
                tansu.start()
                self.stack.callback(tansu.stop)
                self.broker_bootstrap = tansu.bootstrap
            else:
                from cg_shared.testing.kafka import KafkaCluster, fetch

                fetch()
                cluster = KafkaCluster(self.workdir / "kafka", nodes=1)
                cluster.start()
                self.stack.callback(cluster.stop)
                self.broker_bootstrap = cluster.bootstrap
        return self.broker_bootstrap

    def service(self, service: str, *, database_url: str, **settings: str) -> ServiceProcess:
        """Start ``cg-<service> serve`` (migrations first) with CG_* settings; stopped at the end."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("CG_") and k not in {"VIRTUAL_ENV"}}
        env.update(
            {
                "CG_DATABASE_URL": database_url,
                "CG_KAFKA_BOOTSTRAP_SERVERS": self.broker_bootstrap or "127.0.0.1:1",
                "CG_LOG_LEVEL": os.environ.get("CG_BENCH_LOG_LEVEL", "WARNING"),
                "CG_LOG_JSON": "false",
                "CG_DATA_DIR": str(self.workdir / "var"),
                **({"CG_KAFKA_IDEMPOTENCE": "false"} if self.broker_kind == "tansu" else {}),
                **{f"CG_{k.upper()}": v for k, v in settings.items()},
            }
        )
        proc = ServiceProcess(
            service=service,
            port=free_port(),
            env=env,
            log_path=self.workdir / f"{service}-{len(self.services)}.log",
            cwd=self.workdir,
        )
        proc.start()
        self.services.append(proc)
        self.stack.callback(proc.stop)
        return proc

    def popen(self, args: Sequence[str], **kwargs: Any) -> subprocess.Popen[bytes]:
        """A helper subprocess in its own process group, stopped at the end if still running."""
        proc: subprocess.Popen[bytes] = subprocess.Popen(list(args), start_new_session=True, **kwargs)
        self.stack.callback(_stop_process_group, proc, timeout_s=5.0)
        return proc

    async def spawn(self, args: Sequence[str], **kwargs: Any) -> asyncio.subprocess.Process:
        """An asyncio subprocess (pipes as given) in its own process group, stopped at the end."""
        proc = await asyncio.create_subprocess_exec(*args, start_new_session=True, **kwargs)
        self.stack.push_async_callback(_stop_async_process, proc)
        return proc


async def _stop_async_process(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        await asyncio.wait_for(proc.wait(), 5)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        await proc.wait()


async def read_line(proc: asyncio.subprocess.Process, *, timeout_s: float, what: str) -> str:
    """The next stdout line of ``proc`` (bounded wait)."""
    assert proc.stdout is not None
    try:
        raw = await asyncio.wait_for(proc.stdout.readline(), timeout_s)
    except TimeoutError as exc:
        raise RuntimeError(f"no {what} within {timeout_s}s") from exc
    if not raw:
        raise RuntimeError(f"{what}: process ended (exit {await proc.wait()})")
    return raw.decode().strip()


def run_cli(
    args: Sequence[str], *, env: dict[str, str], cwd: Path, timeout_s: float = 600.0
) -> tuple[str, float, int]:
    """Run a CLI to completion: (stdout, wall seconds, peak RSS of that process in kB).

    ``os.wait4`` reports the resource usage of exactly this child (ru_maxrss = its peak RSS), unlike
    RUSAGE_CHILDREN, which is the maximum over every child ever reaped.
    """
    out_path = cwd / f"cli-{time.monotonic_ns()}.out"
    err_path = out_path.with_suffix(".err")
    started = time.perf_counter()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        proc = subprocess.Popen(list(args), env=env, cwd=cwd, stdout=out, stderr=err, start_new_session=True)
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid == proc.pid:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"{' '.join(args)} still running after {timeout_s}s")
            time.sleep(0.02)
    except BaseException:
        _stop_process_group(proc, timeout_s=5.0)
        raise
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    stdout = out_path.read_text(errors="replace")
    if proc.returncode != 0:
        raise RuntimeError(
            f"{' '.join(args)} failed ({proc.returncode}):\n{err_path.read_text(errors='replace')}"
        )
    return stdout, wall, int(usage.ru_maxrss)


def run_main(main: Callable[[], Awaitable[int | None]]) -> None:
    """``asyncio.run`` with SIGTERM turned into cancellation, so cleanup code always runs."""

    async def runner() -> int | None:
        task = asyncio.current_task()
        loop = asyncio.get_running_loop()
        if task is not None:
            loop.add_signal_handler(signal.SIGTERM, task.cancel)
        return await main()

    try:
        code = asyncio.run(runner())
    except (KeyboardInterrupt, asyncio.CancelledError):
        note("interrupted; everything started was stopped")
        code = 130
    sys.exit(code or 0)


async def poll_until(
    probe: Callable[[], Awaitable[T]],
    until: Callable[[T], bool],
    *,
    timeout_s: float,
    interval_s: float = 0.02,
    what: str,
) -> T:
    """Bounded polling: the probe's value once ``until`` holds; RuntimeError after the deadline."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = await probe()
        if until(value):
            return value
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout_s}s waiting for {what}; last value {value!r}")
        await asyncio.sleep(interval_s)


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


# --------------------------------------------------------------------------- profiling


def py_spy_record(bench: Bench, py_spy: str, pid: int, *, seconds: float, name: str) -> tuple[Any, Path]:
    """Sample ``pid`` with py-spy for ``seconds`` (collapsed stacks); returns (process, output path)."""
    out = bench.workdir / f"profile-{name}.txt"
    proc = bench.popen(
        [
            py_spy,
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(int(seconds)),
            "--rate",
            "200",
            "--format",
            "raw",
            "--nonblocking",
            "--subprocesses",  # CG_WORKERS > 1: the worker processes too
            "--output",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return proc, out


def spy_prefix(py_spy: str, out: Path) -> list[str]:
    """Prefix that runs a command under ``py-spy record`` (collapsed stacks written to ``out``)."""
    return [py_spy, "record", "--rate", "100", "--format", "raw", "--output", str(out), "--"]


def profile_summary(path: Path, *, top: int = 12) -> list[tuple[str, float, float]]:
    """(frame, inclusive %, self %) of the hottest frames in py-spy's collapsed-stack output."""
    inclusive: dict[str, int] = {}
    own: dict[str, int] = {}
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = stack.split(";")
        for frame in set(frames):
            inclusive[frame] = inclusive.get(frame, 0) + count
        own[frames[-1]] = own.get(frames[-1], 0) + count
    if not total:
        return []
    hottest = sorted(own, key=lambda f: -own[f])[:top]
    return [(f, 100 * inclusive[f] / total, 100 * own[f] / total) for f in hottest]


def interesting_frames(path: Path, *, marker: str = "cg_", top: int = 12) -> list[tuple[str, float]]:
    """Inclusive % of the hottest frames from our own packages (``cg_*``) in collapsed stacks."""
    inclusive: dict[str, int] = {}
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        total += int(count_text)
        for frame in {f for f in stack.split(";") if marker in f}:
            inclusive[frame] = inclusive.get(frame, 0) + int(count_text)
    return sorted(((f, 100 * n / total) for f, n in inclusive.items()), key=lambda x: -x[1])[:top]
