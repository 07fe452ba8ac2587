"""The periodic background sweep (create_service_app background task) reports each ended term once."""

from __future__ import annotations

import asyncio
from typing import Any

from cg_committee.main import create_app
from cg_committee.settings import CommitteeSettings
from cg_shared.testing.helpers import auth, eventually, migrate, running_app
from cg_shared.testing.kit import outbox_rows

WRITER = auth("committee_secretary", "11680", sub="secretary-11680")


async def test_background_sweep_reports_each_ended_term_once(database_factory: Any) -> None:
    url = await database_factory("sqlite")
    await migrate("committee", url)
    settings = CommitteeSettings(
        database_url=url,
        log_json=False,
        run_relay=False,  # no broker here: the outbox row is the observable effect
        run_consumer=False,
        term_sweep_interval_s=0.05,
        term_sweep_initial_delay_s=0,
    )
    app = create_app(settings)
    async with running_app(app) as client:
        committee = (
            await client.post(
                "/v1/committees",
                json={
                    "sgg_code": "11680",
                    "name_ko": "강남구 민관협치위원회",
                    "established_on": "2019-01-01",
                },
                headers=WRITER,
            )
        ).json()
        member = (
            await client.post(
                f"/v1/committees/{committee['id']}/members",
                json={"name_ko": "임기만료", "seat_kind": "civilian_appointed", "term_start": "2021-03-01"},
                headers=WRITER,
            )
        ).json()

        async def reported() -> list[dict[str, Any]]:
            return [e["data"] for e in await outbox_rows(app, ".member.term_ended.v1")]

        found = await eventually(reported, until=lambda r: len(r) >= 1, timeout_s=10, what="term_ended")
        await asyncio.sleep(0.3)  # several more sweeps
        assert await reported() == found
        assert found == [
            {
                "committee_id": committee["id"],
                "member_id": member["id"],
                "sgg_code": "11680",
                "term_end": "2023-02-28",
                "carry_over": True,
            }
        ]
