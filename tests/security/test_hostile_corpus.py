"""Hostile-input corpus (issue 20): no request may freeze a service, exhaust its memory or get a 500.

Every case is sent to the service in-process (its own PostgreSQL database and seeded world) while a
probe asks ``/healthz`` of the same event loop every 50 ms and a sampler records the process's RSS. Each
case must answer its 4xx problem, write nothing, finish within ``CASE_BUDGET_S``, keep every ``/healthz``
answer under ``HEALTH_BUDGET_S`` (a parse on the event loop would stall it for the whole parse) and grow
RSS by less than ``RSS_BUDGET_MB``. The bounds are the issue's acceptance criteria — generous guards
against a freeze (the reproduced cases took 26–91 s and up to 3.9 GB), not benchmarks.

``CG_HOSTILE_REPORT=1`` prints one line per case: status, time, slowest /healthz, RSS growth and peak.
The hostile files are built in memory by :mod:`tests.security.hostile_files` (nothing large is committed).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import psutil
import pytest

from tests.contract.apps import ROLE_HEADERS, SGG
from tests.security import hostile_files as hf
from tests.security.conftest import ServiceUnderTest

pytestmark = [pytest.mark.postgres]

CASE_BUDGET_S = 5.0
HEALTH_BUDGET_S = 1.0
RSS_BUDGET_MB = 256
PROBLEM = "application/problem+json"
OFFICER = ROLE_HEADERS["borough_officer"]
RESIDENT = ROLE_HEADERS["resident"]


@dataclass
class Case:
    service: str
    method: str
    path: str
    who: dict[str, str]
    statuses: tuple[int, ...]
    body: Callable[[], dict[str, Any]]  # httpx request keyword arguments, built just before sending
    params: dict[str, str] = field(default_factory=dict)
    # A word the problem must contain (the field, line or limit it names).
    names: str = ""


def upload(name: str, data: bytes, media: str) -> Callable[[], dict[str, Any]]:
    return lambda: {"files": {"file": (name, data, media)}}


def lazy_upload(name: str, build: Callable[[], bytes], media: str) -> Callable[[], dict[str, Any]]:
    return lambda: {"files": {"file": (name, build(), media)}}


def raw(content: bytes, media: str) -> Callable[[], dict[str, Any]]:
    return lambda: {"content": content, "headers": {"Content-Type": media}}


def many_keys(n: int) -> bytes:
    return ("{" + ",".join(f'"k{i}":1' for i in range(n)) + "}").encode()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IMPORT = "/v1/imports/projects"
PB = "/v1/pb/outcome"
PB_LONG = f'META\nkey;value\ndescription;"{"가" * 140_000}"\n'.encode()

CASES: dict[str, Case] = {
    # --- registry: XLSX that froze the service on main (216fff8) -------------------------------------
    "xlsx 4,000,000 inline cells": Case(
        "registry",
        "POST",
        IMPORT,
        OFFICER,
        (422,),
        lazy_upload("w.xlsx", hf.wide_row_xlsx, XLSX),
        names="columns",
    ),
    "xlsx 11.2M shared strings": Case(
        "registry",
        "POST",
        IMPORT,
        OFFICER,
        (422,),
        lazy_upload("s.xlsx", hf.many_shared_strings_xlsx, XLSX),
        names="shared strings",
    ),
    "xlsx 11.2M shared strings, size undeclared": Case(
        "registry",
        "POST",
        IMPORT,
        OFFICER,
        (422,),
        lazy_upload("s.xlsx", lambda: hf.many_shared_strings_xlsx(declared=False), XLSX),
        names="shared strings",
    ),
    "xlsx 2.8M blank rows": Case(
        "registry",
        "POST",
        IMPORT,
        OFFICER,
        (422,),
        lazy_upload("b.xlsx", hf.blank_rows_xlsx, XLSX),
        names="rows",
    ),
    "xlsx row 1,048,576": Case(
        "registry", "POST", IMPORT, OFFICER, (422,), lazy_upload("f.xlsx", hf.far_row_xlsx, XLSX), names="row"
    ),
    "xlsx shared string past the table": Case(
        "registry",
        "POST",
        IMPORT,
        OFFICER,
        (422,),
        lazy_upload("p.xlsx", hf.shared_string_past_table_xlsx, XLSX),
        names="past the table",
    ),
    "xlsx entity expansion": Case(
        "registry",
        "POST",
        IMPORT,
        OFFICER,
        (422,),
        lazy_upload("e.xlsx", hf.entity_bomb_xlsx, XLSX),
        names="DTD",
    ),
    # --- registry: CSV ------------------------------------------------------------------------------
    "csv header over 131,072 chars": Case(
        "registry",
        "POST",
        IMPORT,
        OFFICER,
        (413, 422),
        upload("h.csv", hf.long_csv_header(), "text/csv"),
        names="header",
    ),
    "csv field over 131,072 chars": Case(
        "registry",
        "POST",
        IMPORT,
        OFFICER,
        (413, 422),
        upload("f.csv", hf.long_csv_field("title_ko,sgg_code", "11200,"), "text/csv"),
        names="line 2",
    ),
    "csv 2,000,000 blank lines": Case(
        "registry",
        "POST",
        IMPORT,
        OFFICER,
        (413, 422),
        upload("b.csv", hf.blank_lines_csv(), "text/csv"),
        names="lines",
    ),
    # --- registry: JSON -----------------------------------------------------------------------------
    "json 1,000,000 unknown keys, officer": Case(
        "registry", "POST", "/v1/projects", OFFICER, (413,), raw(many_keys(1_000_000), "application/json")
    ),
    "json 1,000,000 unknown keys, resident": Case(
        "registry",
        "POST",
        "/v1/projects",
        RESIDENT,
        (403, 413),
        raw(many_keys(1_000_000), "application/json"),
    ),
    "json 70,000 unknown keys under the cap": Case(
        "registry",
        "POST",
        "/v1/projects",
        OFFICER,
        (422,),
        raw(many_keys(70_000), "application/json"),
        names="members",
    ),
    "json resident, invalid body of an officer endpoint": Case(
        "registry", "POST", "/v1/projects", RESIDENT, (403,), raw(b'{"sgg_code": 1}', "application/json")
    ),
    **{
        f"patch {name} null": Case(
            "registry",
            "PATCH",
            "/v1/projects/{project_id}",
            OFFICER,
            (422,),
            lambda name=name: {"json": {name: None}, "headers": {"If-Match": "*"}},
            names=f"body.{name}",
        )
        for name in ("funding_lines", "partners", "target_groups")
    },
    # --- budget: CSV uploads ------------------------------------------------------------------------
    "budget import csv header over 131,072 chars": Case(
        "budget",
        "POST",
        "/v1/imports",
        OFFICER,
        (413, 422),
        upload("a.csv", hf.long_csv_header(), "text/csv"),
        params={"kind": "appropriation", "sgg_code": SGG, "fiscal_year": "2027"},
        names="line 1 (the header)",
    ),
    "budget ballots csv field over 131,072 chars": Case(
        "budget",
        "POST",
        "/v1/elections/{election_id}/ballots/imports",
        OFFICER,
        (413, 422),
        upload("b.csv", hf.long_csv_field("voter_id,vote", "P-1,"), "text/csv"),
        names="line 2",
    ),
    "budget pb outcome field over 131,072 chars, resident": Case(
        "budget",
        "POST",
        PB,
        RESIDENT,
        (413, 422),
        upload("x.pb", PB_LONG, "text/plain"),
        params={"rule": "greedy"},
    ),
    "budget resident, invalid body of an officer endpoint": Case(
        "budget", "POST", "/v1/requests", RESIDENT, (403,), raw(b'{"amount_krw": "many"}', "application/json")
    ),
}


@dataclass
class Measured:
    status: int
    seconds: float
    slowest_health_s: float
    health_checks: int
    rss_growth_mb: float
    rss_peak_mb: float


class RssSampler:
    """Peak RSS of this process, sampled every 10 ms from a thread (it runs while the loop is busy)."""

    def __init__(self) -> None:
        self.process = psutil.Process()
        self.baseline = self.peak = self.process.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, self.process.memory_info().rss)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.process.memory_info().rss)


async def measure(client: httpx.AsyncClient, request: Callable[[], Any]) -> tuple[httpx.Response, Measured]:
    health: list[float] = []
    done = asyncio.Event()

    async def probe() -> None:
        while not done.is_set():
            started = time.perf_counter()
            answer = await client.get("/healthz")
            health.append(time.perf_counter() - started)
            assert answer.status_code == 200, answer.text
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), 0.05)

    with RssSampler() as rss:
        prober = asyncio.create_task(probe())
        await asyncio.sleep(0)
        started = time.perf_counter()
        try:
            response = await request()
        finally:
            seconds = time.perf_counter() - started
            done.set()
            await prober
    return response, Measured(
        status=response.status_code,
        seconds=seconds,
        slowest_health_s=max(health, default=0.0),
        health_checks=len(health),
        rss_growth_mb=(rss.peak - rss.baseline) / 2**20,
        rss_peak_mb=rss.peak / 2**20,
    )


def fill(path: str, world: dict[str, Any]) -> str:
    for key, value in world.items():
        path = path.replace("{" + key + "}", str(value))
    return path


@pytest.mark.parametrize("name", list(CASES))
async def test_hostile_request_is_refused_quickly_while_the_service_keeps_answering(
    service_under_test, name: str
) -> None:
    case = CASES[name]
    sut: ServiceUnderTest = await service_under_test(case.service)
    kwargs = case.body()  # built before measuring: the test's own payload is not the service's memory
    # English answers, so the names checked below are the code's own words (Korean is the default).
    headers = {
        **case.who,
        "Idempotency-Key": str(uuid.uuid4()),
        "Accept-Language": "en",
        **kwargs.pop("headers", {}),
    }
    url = fill(case.path, sut.world)
    params = {k: fill(v, sut.world) for k, v in case.params.items()}
    before = await sut.snapshot()

    response, measured = await measure(
        sut.client, lambda: sut.client.request(case.method, url, params=params, headers=headers, **kwargs)
    )
    if os.environ.get("CG_HOSTILE_REPORT"):
        print(
            f"\n{name}: {measured.status} in {measured.seconds:.2f} s; slowest /healthz "
            f"{measured.slowest_health_s * 1000:.0f} ms over {measured.health_checks} checks; RSS +"
            f"{measured.rss_growth_mb:.0f} MB (peak {measured.rss_peak_mb:.0f} MB)"
        )
    assert response.status_code in case.statuses, f"{response.status_code}: {response.text[:500]}"
    assert response.headers["content-type"].startswith(PROBLEM)
    problem = response.json()
    if case.names:
        assert case.names in response.text, problem
    assert len(response.content) < 16_384, "the refusal must be bounded, not an echo of the input"
    assert measured.seconds < CASE_BUDGET_S, measured
    assert measured.slowest_health_s < HEALTH_BUDGET_S, measured
    assert measured.rss_growth_mb < RSS_BUDGET_MB, measured
    assert await sut.snapshot() == before
