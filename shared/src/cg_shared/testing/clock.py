"""Freeze the one clock (``cg_shared.clock``) at the moments where UTC and Seoul disagree.

From 15:00 to 24:00 UTC Seoul is already on the next civil date, and on 31 December from 15:00 UTC in the
next year (the fiscal year). Every service's date-sensitive paths run at each of these moments in its
``test_*_any_hour.py``, so a civil date taken from the host's zone (UTC on CI) cannot come back.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime

import time_machine

from cg_shared.clock import seoul_date

# id -> instant (UTC). 14:59 UTC is 23:59 KST on the same date; one minute past 15:00 UTC Seoul is a day on.
MOMENTS: dict[str, datetime] = {
    "23:59 KST = 14:59 UTC, same date": datetime(2026, 12, 7, 14, 59, tzinfo=UTC),
    "00:01 KST = 15:01 UTC, Seoul a day on": datetime(2026, 12, 7, 15, 1, tzinfo=UTC),
    "08:59 KST = 23:59 UTC, Seoul a day on": datetime(2026, 12, 7, 23, 59, tzinfo=UTC),
    "new year in Seoul, 31 Dec in UTC": datetime(2026, 12, 31, 15, 1, tzinfo=UTC),
}


@contextlib.contextmanager
def frozen_at(moment: datetime) -> Iterator[datetime]:
    """Move every clock of the process (``datetime.now``, ``time.time``…) to ``moment``; it then ticks on.

    Tokens minted inside are dated at ``moment`` too, so authentication agrees with the frozen clock.
    """
    with time_machine.travel(moment, tick=True):
        yield moment


def seoul_day(moment: datetime) -> str:
    """The ISO civil date in Seoul at ``moment`` — what the services must call "today" then."""
    return seoul_date(moment).isoformat()
