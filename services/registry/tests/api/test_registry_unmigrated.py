"""A registry whose database was never migrated says so, in one line, instead of a traceback or a
misleading "briefly unavailable; retry"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cg_registry.cli import app as cli


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_http_names_the_missing_schema(reg: Any, database_factory: Any, backend: str) -> None:
    url = await database_factory(backend)  # empty: no migration ran
    async with reg.api(url) as client:
        r = await client.get("/v1/projects")
    assert r.status_code == 503
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "migrate" in r.json()["detail"] and "retry" not in r.json()["detail"]
    assert "Retry-After" not in r.headers


def test_seed_on_unmigrated_database_is_one_line(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("CG_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite'}")
    result = CliRunner().invoke(cli, ["seed"])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines == ["registry seed: the database has no schema yet; run `cg-registry migrate` first"]
