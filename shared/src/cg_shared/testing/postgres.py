"""Find (or start) a PostgreSQL server for tests and hand out fresh databases.

Order: the server on 127.0.0.1:5432 when one answers; else a throwaway cluster (initdb + pg_ctl on a
free port) when PostgreSQL binaries exist; else ``None`` — the caller falls back to SQLite loudly, and
with ``CI=true`` that is an error, never a silent skip.
"""

from __future__ import annotations

import asyncio
import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import asyncpg

from cg_shared.testing.tansu import free_port, port_open


async def _can_connect(dsn: str) -> bool:
    try:
        conn = await asyncio.wait_for(asyncpg.connect(dsn), 3)
    except Exception:
        return False
    await conn.close()
    return True


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    return candidates[0] if candidates else None


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
        pg_ctl = _pg_bin("pg_ctl")
        if pg_ctl:
            _as_postgres([pg_ctl, "-D", str(self.cluster_dir / "data"), "-m", "fast", "stop"], check=False)
        shutil.rmtree(self.cluster_dir, ignore_errors=True)


def _as_postgres(cmd: list[str], *, check: bool = True) -> None:
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    subprocess.run(cmd, check=check, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)


async def find_or_start_postgres() -> PostgresServer | None:
    explicit = os.environ.get("CG_TEST_POSTGRES_DSN")
    candidates = [explicit] if explicit else []
    if port_open("127.0.0.1", 5432):
        candidates += [
            "postgresql://postgres@127.0.0.1:5432/postgres",
            f"postgresql://{os.environ.get('USER', 'root')}@127.0.0.1:5432/postgres",
        ]
    for dsn in candidates:
        if dsn and await _can_connect(dsn):
            return PostgresServer(dsn)
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not (initdb and pg_ctl):
        return None
    cluster = Path(tempfile.mkdtemp(prefix="cg-pg-"))
    os.chmod(cluster, 0o777)  # noqa: S103 - the postgres user must write its throwaway cluster here
    data = cluster / "data"
    port = free_port()
    _as_postgres([initdb, "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8"])
    _as_postgres(
        [
            pg_ctl,
            "-D",
            str(data),
            "-o",
            f"-p {port} -k {cluster} -c listen_addresses=127.0.0.1",
            "-w",
            "start",
        ]
    )
    server = PostgresServer(
        f"postgresql://postgres@127.0.0.1:{port}/postgres", cluster_dir=cluster, port=port
    )
    if not await _can_connect(server.admin_dsn):
        server.stop()
        return None
    return server
