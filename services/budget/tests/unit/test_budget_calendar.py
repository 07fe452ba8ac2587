"""The legal calendar and the cycle state machine as pure rules."""

from __future__ import annotations

from datetime import date

import pytest

from cg_budget.cycles import calendar as cal
from cg_budget.cycles.calendar import CycleDates, CycleStatus, DeadlineState, Level

S = CycleStatus


def test_legal_dates_of_boroughs_and_smg() -> None:
    borough = cal.legal_dates(Level.BOROUGH, 2027)
    assert (borough.bill_due, borough.enactment_due) == (date(2026, 11, 21), date(2026, 12, 21))
    smg = cal.legal_dates(Level.SMG, 2027)
    assert (smg.bill_due, smg.enactment_due) == (date(2026, 11, 11), date(2026, 12, 16))
    assert borough.provisional_from == date(2027, 1, 1)
    # 80 days after 31 Dec: 21 Mar, or 20 Mar when February of the next year has 29 days.
    assert cal.legal_dates(Level.BOROUGH, 2026).settlement_due == date(2027, 3, 21)
    assert cal.legal_dates(Level.BOROUGH, 2027).settlement_due == date(2028, 3, 20)


def test_every_state_is_reachable_and_settled_is_final() -> None:
    reached = {S.OPEN}
    frontier = [S.OPEN]
    while frontier:
        for nxt in cal.TRANSITIONS[frontier.pop()]:
            if nxt not in reached:
                reached.add(nxt)
                frontier.append(nxt)
    assert reached == set(S)
    assert cal.TRANSITIONS[S.SETTLED] == ()
    assert not cal.can_move(S.OPEN, S.ENACTED)
    assert cal.allowed_moves(S.BILL_SUBMITTED) == ["ENACTED", "PROVISIONAL"]
    assert cal.allowed_moves(S.PROVISIONAL) == ["ENACTED"]


@pytest.mark.parametrize(
    ("current", "target", "on", "refused"),
    [
        (S.BILL_SUBMITTED, S.PROVISIONAL, date(2026, 12, 31), True),
        (S.BILL_SUBMITTED, S.PROVISIONAL, date(2027, 1, 1), False),
        (S.ENACTED, S.EXECUTION, date(2026, 12, 31), True),
        (S.ENACTED, S.EXECUTION, date(2027, 1, 1), False),
        (S.EXECUTION, S.SETTLED, date(2027, 12, 31), True),
        (S.EXECUTION, S.SETTLED, date(2028, 2, 1), False),
        (S.ALLOCATION, S.BILL_SUBMITTED, date(2026, 12, 1), False),
    ],
)
def test_date_guards(current: CycleStatus, target: CycleStatus, on: date, refused: bool) -> None:
    assert (cal.move_guard(current, target, fiscal_year=2027, on=on) is not None) is refused


def test_deadline_states() -> None:
    def states(recorded: CycleDates, as_of: date) -> dict[str, tuple[DeadlineState, int]]:
        return {
            d.key: (d.state, d.days_left)
            for d in cal.deadlines(Level.BOROUGH, 2027, recorded, as_of=as_of, warn_days=14)
        }

    far = states(CycleDates(), date(2026, 9, 1))
    assert far["bill_to_council"] == (DeadlineState.PENDING, 81)
    near = states(CycleDates(), date(2026, 11, 7))
    assert near["bill_to_council"] == (DeadlineState.DUE_SOON, 14)
    past = states(CycleDates(), date(2026, 11, 22))
    assert past["bill_to_council"] == (DeadlineState.OVERDUE, -1)
    done = states(
        CycleDates(bill_submitted_on=date(2026, 11, 20), enacted_on=date(2026, 12, 22)), date(2027, 1, 2)
    )
    assert done["bill_to_council"][0] is DeadlineState.MET
    assert done["council_enactment"][0] is DeadlineState.MET_LATE
    assert done["budget_in_force"][0] is DeadlineState.MET
    assert done["settlement"] == (DeadlineState.PENDING, (date(2028, 3, 20) - date(2027, 1, 2)).days)


def test_provisional_budget_and_automatic_moves() -> None:
    assert cal.provisional_in_force(S.BILL_SUBMITTED, 2027, date(2027, 1, 1))
    assert not cal.provisional_in_force(S.BILL_SUBMITTED, 2027, date(2026, 12, 31))
    assert not cal.provisional_in_force(S.ENACTED, 2027, date(2027, 1, 1))
    assert cal.automatic_move(S.REQUESTS, 2027, date(2027, 1, 1)) is S.PROVISIONAL
    assert cal.automatic_move(S.ENACTED, 2027, date(2027, 1, 1)) is S.EXECUTION
    assert cal.automatic_move(S.ENACTED, 2027, date(2026, 12, 31)) is None
    assert cal.automatic_move(S.PROVISIONAL, 2027, date(2027, 3, 1)) is None
    assert cal.automatic_move(S.EXECUTION, 2027, date(2027, 3, 1)) is None
