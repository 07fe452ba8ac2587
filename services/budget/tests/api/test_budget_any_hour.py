"""The budget cycle's civil dates follow Seoul at any hour of the host's UTC clock.

A transition without ``effective_on`` is dated Seoul's today, the calendar is read as of Seoul's today,
and a provisional budget (준예산) may start on 1 January of the fiscal year — which in Seoul begins at
15:00 UTC on 31 December.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from cg_shared.clock import seoul_date
from cg_shared.testing.clock import MOMENTS, frozen_at, seoul_day
from cg_shared.testing.helpers import auth

from ..conftest import BOROUGH, Kit


@pytest.mark.parametrize("moment", list(MOMENTS.values()), ids=list(MOMENTS))
async def test_cycle_dates_follow_seoul(kit: Kit, moment: datetime) -> None:
    with frozen_at(moment):
        today = seoul_day(moment)
        officer = auth("borough_officer", BOROUGH, sub="officer-any-hour")  # dated at the frozen moment
        year = seoul_date(moment).year
        cycle = await kit.open_cycle(fiscal_year=year, headers=officer)

        calendar = (await kit.client.get(f"/v1/cycles/{cycle['id']}/calendar")).json()
        assert calendar["as_of"] == today

        # The fiscal year has begun in Seoul, so a provisional budget may start today (the default date).
        moved = await kit.move(cycle["id"], "PROVISIONAL", headers=officer)
        assert moved.status_code == 200, moved.text
        after = (await kit.client.get(f"/v1/cycles/{cycle['id']}/calendar")).json()
        assert after["transitions"][-1]["effective_on"] == today
