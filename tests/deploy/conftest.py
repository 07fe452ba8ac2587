"""Fixtures of the deploy tests: one real `deploy/check.sh` run and one render per overlay per session."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
DEPLOY_DIR = REPO_ROOT / "deploy"
CHECK_SH = DEPLOY_DIR / "check.sh"
TOOL_VENV = REPO_ROOT / ".venv-deploy"
SERVICES = ("registry", "committee", "planning", "budget")


# (exit code, combined output) of one deploy/check.sh run
CheckRun = tuple[int, str]


def run_check(env_overrides: dict[str, str] | None = None, timeout: float = 600) -> CheckRun:
    """Run deploy/check.sh the way `make deploy-check` does; stdout and stderr are one stream."""
    env = {**os.environ, **(env_overrides or {})}
    proc = subprocess.run(
        ["bash", str(CHECK_SH)],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
        check=False,
    )
    return proc.returncode, proc.stdout


@pytest.fixture(scope="session")
def deploy_check() -> Callable[..., CheckRun]:
    """The check runner itself, for tests that point it at a modified copy of deploy/."""
    return run_check


@pytest.fixture(scope="session")
def check_run() -> CheckRun:
    """The unmodified tree through check.sh (installs the tool venv on first use)."""
    return run_check()


@pytest.fixture(scope="session")
def kubectl(check_run: CheckRun) -> str:
    # check.sh installed the pinned kubectl (or decided to fall back to the one on PATH).
    candidate = TOOL_VENV / "bin" / "kubectl"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("kubectl")
    assert found, f"no kubectl after check.sh:\n{check_run[1]}"
    return found


Render = list[dict[str, Any]]


@pytest.fixture(scope="session")
def render(kubectl: str) -> Callable[[str], Render]:
    """`render("prod")` → parsed documents of deploy/k8s/overlays/prod, built once per session."""
    cache: dict[str, Render] = {}

    def _render(overlay: str) -> Render:
        if overlay not in cache:
            proc = subprocess.run(
                [kubectl, "kustomize", str(DEPLOY_DIR / "k8s" / "overlays" / overlay)],
                capture_output=True,
                text=True,
                check=True,
                timeout=120,
            )
            cache[overlay] = [d for d in yaml.safe_load_all(proc.stdout) if d]
        return cache[overlay]

    return _render
