"""The Korean local-finance calendar and the budget-cycle state machine (pure rules, no I/O).

Fiscal year N runs 1 Jan – 31 Dec N (Local Finance Act). A borough's executive sends the budget bill
to its council by 21 Nov of N-1 (40 days before the year) and the council decides by 21 Dec (10 days
before); for SMG the dates are 11 Nov and 16 Dec (50 / 15 days). Without an enacted budget on 1 Jan a
provisional budget (준예산) applies: only statutory and continuing spending. The settlement is due within
80 days of the year's closing (31 Dec N → 21 Mar N+1, or 20 Mar in a leap year).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from cg_shared.i18n import Msg, msg


class Level(StrEnum):
    BOROUGH = "borough"
    SMG = "smg"


class CycleStatus(StrEnum):
    OPEN = "OPEN"  # cycle exists; envelopes can be set
    REQUESTS = "REQUESTS"  # budget requests from adopted plan items are reviewed
    ALLOCATION = "ALLOCATION"  # participatory votes and formula allocations are finalised
    BILL_SUBMITTED = "BILL_SUBMITTED"  # the budget bill is before the council
    ENACTED = "ENACTED"  # the council passed the budget
    PROVISIONAL = "PROVISIONAL"  # 준예산: no budget by 1 Jan
    EXECUTION = "EXECUTION"  # the fiscal year is running on the enacted budget
    SETTLED = "SETTLED"  # the settlement (결산) was submitted; the cycle is closed


S = CycleStatus
PRE_ENACTMENT = frozenset({S.OPEN, S.REQUESTS, S.ALLOCATION, S.BILL_SUBMITTED})

# Allowed moves. A provisional budget can start from any state before enactment (the law does not wait
# for the bill), and it ends when the council finally enacts the budget.
TRANSITIONS: dict[CycleStatus, tuple[CycleStatus, ...]] = {
    S.OPEN: (S.REQUESTS, S.PROVISIONAL),
    S.REQUESTS: (S.ALLOCATION, S.PROVISIONAL),
    S.ALLOCATION: (S.BILL_SUBMITTED, S.PROVISIONAL),
    S.BILL_SUBMITTED: (S.ENACTED, S.PROVISIONAL),
    S.PROVISIONAL: (S.ENACTED,),
    S.ENACTED: (S.EXECUTION,),
    S.EXECUTION: (S.SETTLED,),
    S.SETTLED: (),
}

# Where money may be (re)distributed: before the bill, or in a supplementary budget being drafted.
ALLOCATION_WINDOW = frozenset({S.ALLOCATION})
ENVELOPE_WINDOW = frozenset({S.OPEN, S.REQUESTS, S.ALLOCATION})
ELECTION_WINDOW = frozenset({S.OPEN, S.REQUESTS, S.ALLOCATION})
SUPPLEMENTARY_STATES = frozenset({S.ENACTED, S.EXECUTION})


def allowed_moves(status: CycleStatus) -> list[str]:
    return [s.value for s in TRANSITIONS[status]]


def can_move(current: CycleStatus, target: CycleStatus) -> bool:
    return target in TRANSITIONS[current]


def fiscal_year_start(fiscal_year: int) -> date:
    return date(fiscal_year, 1, 1)


def move_guard(current: CycleStatus, target: CycleStatus, *, fiscal_year: int, on: date) -> Msg | None:
    """Why a structurally allowed move cannot happen on ``on`` (``None`` when it can); a translatable
    message, since it is the answer's detail and the message on the date field."""
    start = fiscal_year_start(fiscal_year)
    if target is S.PROVISIONAL and on < start:
        return msg(
            "a provisional budget only applies from {start} (no budget by 1 Jan)", start=start.isoformat()
        )
    if target is S.EXECUTION and on < start:
        return msg("execution starts with the fiscal year on {start}", start=start.isoformat())
    if target is S.SETTLED and on < date(fiscal_year + 1, 1, 1):
        return msg(
            "the settlement follows the closing of fiscal year {fiscal_year} (from {next_start})",
            fiscal_year=fiscal_year,
            next_start=date(fiscal_year + 1, 1, 1).isoformat(),
        )
    return None


@dataclass(frozen=True, slots=True)
class LegalDates:
    bill_due: date
    enactment_due: date
    provisional_from: date
    year_end: date
    settlement_due: date


def legal_dates(level: Level, fiscal_year: int) -> LegalDates:
    prior = fiscal_year - 1
    if level is Level.SMG:
        bill, enact = date(prior, 11, 11), date(prior, 12, 16)
    else:
        bill, enact = date(prior, 11, 21), date(prior, 12, 21)
    year_end = date(fiscal_year, 12, 31)
    return LegalDates(
        bill_due=bill,
        enactment_due=enact,
        provisional_from=fiscal_year_start(fiscal_year),
        year_end=year_end,
        settlement_due=year_end + timedelta(days=80),
    )


class DeadlineState(StrEnum):
    MET = "met"
    MET_LATE = "met_late"
    PENDING = "pending"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"


@dataclass(frozen=True, slots=True)
class Deadline:
    key: str
    label_ko: str
    label_en: str
    due: date
    met_on: date | None
    days_left: int
    overdue: bool
    warning: bool
    state: DeadlineState


def _deadline(
    key: str, ko: str, en: str, due: date, met_on: date | None, as_of: date, warn_days: int
) -> Deadline:
    days_left = (due - as_of).days
    if met_on is not None:
        state = DeadlineState.MET if met_on <= due else DeadlineState.MET_LATE
    elif as_of > due:
        state = DeadlineState.OVERDUE
    elif days_left <= warn_days:
        state = DeadlineState.DUE_SOON
    else:
        state = DeadlineState.PENDING
    return Deadline(
        key=key,
        label_ko=ko,
        label_en=en,
        due=due,
        met_on=met_on,
        days_left=days_left,
        overdue=state is DeadlineState.OVERDUE,
        warning=state in (DeadlineState.DUE_SOON, DeadlineState.OVERDUE),
        state=state,
    )


@dataclass(frozen=True, slots=True)
class CycleDates:
    """What the cycle recorded so far (all optional)."""

    bill_submitted_on: date | None = None
    enacted_on: date | None = None
    provisional_since: date | None = None
    settled_on: date | None = None


def deadlines(
    level: Level, fiscal_year: int, recorded: CycleDates, *, as_of: date, warn_days: int
) -> list[Deadline]:
    """Each legal deadline of the cycle with days left, overdue and warning flags as of ``as_of``."""
    d = legal_dates(level, fiscal_year)
    # Met by having a budget before 1 Jan; when it is overdue the provisional budget (준예산) is in force.
    provisional = _deadline(
        "budget_in_force",
        "회계연도 개시 전 예산 성립 (미성립 시 준예산)",
        "Budget in force by 1 Jan (else provisional budget)",
        d.provisional_from - timedelta(days=1),
        recorded.enacted_on,
        as_of,
        warn_days,
    )
    return [
        _deadline(
            "bill_to_council",
            "예산안 의회 제출",
            "Budget bill to the council",
            d.bill_due,
            recorded.bill_submitted_on,
            as_of,
            warn_days,
        ),
        _deadline(
            "council_enactment",
            "의회 예산 의결",
            "Council decision on the budget",
            d.enactment_due,
            recorded.enacted_on,
            as_of,
            warn_days,
        ),
        provisional,
        _deadline(
            "settlement",
            "결산 (출납폐쇄 후 80일 이내)",
            "Settlement within 80 days of closing",
            d.settlement_due,
            recorded.settled_on,
            as_of,
            warn_days,
        ),
    ]


def provisional_in_force(status: CycleStatus, fiscal_year: int, as_of: date) -> bool:
    """True when, as of ``as_of``, the fiscal year has begun without an enacted budget."""
    if as_of < fiscal_year_start(fiscal_year) or as_of > date(fiscal_year, 12, 31):
        return False
    return status is CycleStatus.PROVISIONAL or status in PRE_ENACTMENT


def automatic_move(status: CycleStatus, fiscal_year: int, today: date) -> CycleStatus | None:
    """The move the calendar itself makes on ``today``: 준예산 on 1 Jan, execution of an enacted budget."""
    if today < fiscal_year_start(fiscal_year):
        return None
    if status in PRE_ENACTMENT:
        return CycleStatus.PROVISIONAL
    if status is CycleStatus.ENACTED:
        return CycleStatus.EXECUTION
    return None
