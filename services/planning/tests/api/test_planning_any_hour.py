"""Planning's civil dates follow Seoul at any hour of the host's UTC clock.

A deliberation record may be dated today but not in the future, where "today" is Seoul's: at 00:01 KST
(15:01 UTC) a forum held that Seoul morning is today, not tomorrow.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from cg_shared.clock import seoul_date
from cg_shared.testing.clock import MOMENTS, frozen_at, seoul_day
from cg_shared.testing.helpers import auth

from ..conftest import SGG, add_item, create_annual, create_master, item_body


@pytest.mark.parametrize("moment", list(MOMENTS.values()), ids=list(MOMENTS))
async def test_deliberation_dates_follow_seoul(client: httpx.AsyncClient, moment: datetime) -> None:
    with frozen_at(moment):
        officer = auth("borough_officer", SGG, sub="officer-any-hour")  # dated at the frozen moment
        master = await create_master(client, headers=officer)
        annual = await create_annual(client, master, headers=officer)
        item = await add_item(
            client, annual["id"], item_body("주민 공유부엌", year=annual["fiscal_year"]), officer
        )
        body: dict[str, Any] = {
            "kind": "forum",
            "participants_count": 25,
            "summary": "동 주민포럼",
            "changed_item": False,
        }
        today = await client.post(
            f"/v1/items/{item['id']}/deliberations",
            json={**body, "held_on": seoul_day(moment)},
            headers=officer,
        )
        assert today.status_code == 201, today.text
        assert today.json()["held_on"] == seoul_day(moment)

        tomorrow = (seoul_date(moment) + timedelta(days=1)).isoformat()
        future = await client.post(
            f"/v1/items/{item['id']}/deliberations", json={**body, "held_on": tomorrow}, headers=officer
        )
        assert future.status_code == 422, future.text
        assert "held_on" in future.text
