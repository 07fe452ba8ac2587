"""The first real flow: registry POST → outbox → Tansu → planning's read model (issue 2)."""

from __future__ import annotations

import pytest

from cg_planning.main import create_app as create_planning
from cg_planning.settings import PlanningSettings
from cg_registry.main import create_app as create_registry
from cg_registry.settings import RegistrySettings
from cg_shared.testing.helpers import auth, eventually, migrate, running_app

pytestmark = [pytest.mark.broker]

BODY = {
    "title_ko": "성수동 마을 협치",
    "title_en": "Seongsu village CG",
    "sgg_code": "11200",
    "total_krw": 1000000,
}


async def test_project_reaches_planning_read_model(database_factory, broker, db_backend) -> None:
    reg_url = await database_factory(db_backend)
    plan_url = await database_factory(db_backend)
    await migrate("registry", reg_url)
    await migrate("planning", plan_url)
    registry = create_registry(
        RegistrySettings(database_url=reg_url, kafka_bootstrap_servers=broker.bootstrap, log_json=False)
    )
    planning = create_planning(
        PlanningSettings(database_url=plan_url, kafka_bootstrap_servers=broker.bootstrap, log_json=False)
    )
    async with running_app(registry) as reg, running_app(planning) as plan:
        created = await reg.post("/v1/projects", json=BODY, headers=auth("borough_officer", "11200"))
        assert created.status_code == 201, created.text
        project_id = created.json()["id"]

        async def read_model():
            return await plan.get(f"/v1/registry-projects/{project_id}")

        found = await eventually(read_model, until=lambda r: r.status_code == 200, timeout_s=30)
        assert found.json()["title_ko"] == "성수동 마을 협치"
        assert found.json()["total_krw"] == 1000000
