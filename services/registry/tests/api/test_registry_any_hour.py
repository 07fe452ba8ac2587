"""The registry at any hour of the host's UTC clock.

The registry keeps instants, not civil dates: a registration and an export are stamped with the one
clock's UTC instant whatever the hour (timezone-aware, never the host's local time), and a project's own
dates are the civil dates the officer typed, unshifted.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from cg_shared.testing.clock import MOMENTS, frozen_at
from cg_shared.testing.helpers import auth


@pytest.fixture(scope="module")
async def url(fresh_db: Any) -> str:
    return str(await fresh_db("sqlite"))


def _close(stamp: str, moment: datetime) -> bool:
    at = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return at.utcoffset() is not None and timedelta(0) <= at - moment < timedelta(minutes=2)


@pytest.mark.parametrize("moment", list(MOMENTS.values()), ids=list(MOMENTS))
async def test_registration_and_export_stamped_with_the_instant(reg: Any, url: str, moment: datetime) -> None:
    with frozen_at(moment):
        officer = auth("borough_officer", reg.SGG, sub="officer-any-hour")  # dated at the frozen moment
        body = reg.project_body(
            title_ko=f"자정 무렵 등록한 마을 사업 {moment:%H%M%d}",
            start_date="2027-01-01",
            end_date="2027-12-31",
        )
        async with reg.api(url) as client:
            created = await client.post("/v1/projects", json=body, headers=officer)
            assert created.status_code == 201, created.text
            project = created.json()
            assert _close(project["created_at"], moment), project["created_at"]
            assert (project["start_date"], project["end_date"]) == ("2027-01-01", "2027-12-31")

            export = await client.get("/v1/exports/projects.json", params={"sgg_code": reg.SGG})
            assert export.status_code == 200
            assert _close(json.loads(export.text)["generated_at"], moment)
