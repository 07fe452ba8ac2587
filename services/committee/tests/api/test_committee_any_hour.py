"""The committee's civil dates follow Seoul at any hour of the host's UTC clock (cg_shared.testing.clock).

Terms start "today", a meeting's public notice defaults to "today" and may not come after the meeting
day, and composition is judged "today": at 00:01 KST (15:01 UTC) today is already the next day.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from cg_shared.clock import seoul_date
from cg_shared.testing.clock import MOMENTS, frozen_at, seoul_day


@pytest.mark.parametrize("moment", list(MOMENTS.values()), ids=list(MOMENTS))
async def test_committee_dates_follow_seoul(kit: Any, boroughs: Any, moment: datetime) -> None:
    with frozen_at(moment):
        today = seoul_day(moment)
        sgg = next(boroughs)
        committee = await kit.committee(sgg)
        civ, off = await kit.seat(committee, 3, 2)
        assert {m["term_start"] for m in [*civ, *off]} == {today}

        # Noticed today (the default) for a meeting ten Seoul days on: the notice is not after the day.
        meeting = await kit.meeting(committee, days_ahead=10)
        assert meeting["notice_on"] == today
        day = seoul_date(moment) + timedelta(days=10)
        assert (
            meeting["starts_at"].startswith(day.isoformat())
            or seoul_date(datetime.fromisoformat(meeting["starts_at"])) == day
        )

        # A notice dated tomorrow (Seoul) for a meeting today (Seoul) is refused, whatever UTC says.
        tomorrow = (seoul_date(moment) + timedelta(days=1)).isoformat()
        refused = await kit.client.post(
            f"/v1/committees/{committee['id']}/meetings",
            json={
                "title_ko": "임시회의",
                "starts_at": f"{today}T23:30:00+09:00",
                "notice_on": tomorrow,
                "location": "구청 소회의실",
            },
            headers=kit.writer(sgg),
        )
        assert refused.status_code == 422, refused.text

        # Today's composition is as of Seoul's today and counts the members whose terms started today.
        composition = (await kit.client.get(f"/v1/committees/{committee['id']}/composition")).json()
        assert composition["as_of"] == today
        assert composition["seated_count"] == 5 and composition["civilian_count"] == 3
