"""``make demo`` ends with the 25-borough tables: the four services' ``GET /v1/boroughs`` read through the
demo's own client (in-process apps on fresh SQLite databases, one registry project) and rendered."""

from __future__ import annotations

from typing import Any

import httpx
from rich.console import Console

from cg_budget.main import create_app as budget_app
from cg_budget.settings import BudgetSettings
from cg_committee.main import create_app as committee_app
from cg_committee.settings import CommitteeSettings
from cg_planning.main import create_app as planning_app
from cg_planning.settings import PlanningSettings
from cg_registry.main import create_app as registry_app
from cg_registry.settings import RegistrySettings
from cg_shared.testing.helpers import migrate
from demo import boroughs
from demo.scenario import SERVICES, CgApi, ServiceUrls

NO_BROKER = "127.0.0.1:9"  # never dialled: the apps run without their lifespan


class _ByHost(httpx.AsyncBaseTransport):
    """One ASGI app per service host, as ``make run`` serves them on four ports."""

    def __init__(self, apps: dict[str, Any]) -> None:
        self.transports = {host: httpx.ASGITransport(app=app) for host, app in apps.items()}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.transports[request.url.host].handle_async_request(request)


async def test_demo_prints_the_four_services_borough_tables(database_factory: Any) -> None:
    urls = {name: await database_factory("sqlite") for name in SERVICES}
    for name, url in urls.items():
        await migrate(name, url)
    common = {"kafka_bootstrap_servers": NO_BROKER, "log_json": False}
    apps = {
        "registry": registry_app(RegistrySettings(database_url=urls["registry"], **common)),
        "committee": committee_app(CommitteeSettings(database_url=urls["committee"], **common)),
        "planning": planning_app(PlanningSettings(database_url=urls["planning"], **common)),
        "budget": budget_app(
            BudgetSettings(database_url=urls["budget"], calendar_sweep_enabled=False, **common)
        ),
    }
    service_urls = ServiceUrls(**{name: f"http://{name}" for name in SERVICES})
    try:
        async with CgApi(service_urls, transport=_ByHost({name: app for name, app in apps.items()})) as api:
            project = {
                "title_ko": "성수동 어르신 공유부엌",
                "sgg_code": "11200",
                "funding_lines": [{"source": "smg_grant", "fiscal_year": 2026, "amount_krw": 250_000_000}],
            }
            await api.post("registry", "/v1/projects", project, headers=api.tokens.officer("11200"))
            data = await boroughs.fetch(api)
    finally:
        for app in apps.values():
            await app.state.engine.dispose()
    assert set(data) == set(SERVICES) and all(len(rows) == 25 for rows in data.values())
    seongdong = data["registry"]["11200"]
    assert (seongdong["project_count"], seongdong["smg_grant_krw_share"]) == (1, 1.0)
    console = Console(record=True, width=200)
    for table in boroughs.tables(data):
        console.print(table)
    text = console.export_text()
    assert "25 boroughs — registry and committee" in text and "25 boroughs — planning and budget" in text
    for district in ("종로구", "성동구", "강동구"):
        assert text.count(district) == 2
    assert "2.5" in text  # ₩250M in 억원
