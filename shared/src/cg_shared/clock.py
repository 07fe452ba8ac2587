"""The one clock of the code base: instants in UTC, civil dates in Asia/Seoul.

Every "now" and every "today" goes through here, never the host clock's own now or today:
the host's zone is not Seoul's (a UTC machine is a day behind Seoul from 15:00 to 24:00 UTC), and tests
freeze this clock (``time_machine.travel``; see ``cg_shared.testing.clock``) so code and tests agree at
any hour.

Seoul has kept UTC+9 without daylight saving since 1988, so a fixed offset is exact for every date this
platform handles; ``SEOUL_TZ_NAME`` is what calendars and documents name.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

SEOUL = timezone(timedelta(hours=9), "KST")
SEOUL_TZ_NAME = "Asia/Seoul"


def now_utc() -> datetime:
    """The current instant, timezone-aware UTC."""
    return datetime.now(UTC)


def now_seoul() -> datetime:
    """The current instant on Seoul's wall clock."""
    return datetime.now(SEOUL)


def today_seoul() -> date:
    """Today's civil date in Seoul (what a resident or officer calls "today")."""
    return now_seoul().date()


def seoul_date(moment: datetime) -> date:
    """The civil date in Seoul of an instant (a naive instant is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(SEOUL).date()
