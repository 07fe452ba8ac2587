"""The plan state machine as a pure module: allowed moves, triggers, guards, actors."""

from __future__ import annotations

import itertools

import pytest

from cg_planning.plans.workflow import (
    EDITABLE_STATES,
    TRANSITIONS,
    Actor,
    DecisionFacts,
    GuardFailed,
    IllegalTransition,
    ItemRef,
    PlanFacts,
    PlanState,
    Trigger,
    allowed_moves,
    decision_target,
    plan_move,
)

S = PlanState
READY = PlanFacts(item_count=2)
ADOPTING = DecisionFacts("d1", "adopted", True)


def test_happy_path_through_every_state() -> None:
    path = [
        (S.DISCOVERY, S.DELIBERATION, Trigger.MANUAL, READY),
        (S.DELIBERATION, S.DRAFTING, Trigger.MANUAL, READY),
        (S.DRAFTING, S.COMMITTEE_REVIEW, Trigger.SUBMIT, READY),
        (
            S.COMMITTEE_REVIEW,
            S.ADOPTED,
            Trigger.COMMITTEE_DECISION,
            PlanFacts(item_count=2, decision=ADOPTING),
        ),
        (S.ADOPTED, S.IN_EXECUTION, Trigger.MANUAL, READY),
        (S.IN_EXECUTION, S.EVALUATED, Trigger.EVALUATION, READY),
        (S.EVALUATED, S.CLOSED, Trigger.MANUAL, READY),
    ]
    for source, target, trigger, facts in path:
        assert plan_move(source, target, trigger, facts).target is target


def test_every_state_is_reachable_and_closed_is_final() -> None:
    reached = {S.DISCOVERY} | {t.target for t in TRANSITIONS}
    assert reached == set(PlanState)
    assert allowed_moves(S.CLOSED) == []


def test_illegal_move_names_current_state_and_allowed_moves() -> None:
    with pytest.raises(IllegalTransition) as exc:
        plan_move(S.DISCOVERY, S.ADOPTED, Trigger.MANUAL, READY)
    assert exc.value.current is S.DISCOVERY
    assert [t.target for t in exc.value.allowed] == [S.DELIBERATION]
    assert "DISCOVERY" in str(exc.value) and "DELIBERATION" in str(exc.value)


def test_nothing_outside_the_table_is_allowed() -> None:
    table = {(t.source, t.target, t.trigger) for t in TRANSITIONS}
    facts = PlanFacts(
        item_count=1, decision=ADOPTING, kind="master", term_end_year=2030, last_evaluated_year=2028
    )
    for source, target, trigger in itertools.product(PlanState, PlanState, Trigger):
        if (source, target, trigger) in table:
            continue
        with pytest.raises(IllegalTransition):
            plan_move(source, target, trigger, facts)


def test_committee_review_only_by_submit_and_adoption_only_by_the_committee() -> None:
    with pytest.raises(IllegalTransition) as exc:
        plan_move(S.DRAFTING, S.COMMITTEE_REVIEW, Trigger.MANUAL, READY)
    assert "submit" in str(exc.value)
    for target in (S.ADOPTED, S.REVISION):
        for trigger in (Trigger.MANUAL, Trigger.SUBMIT, Trigger.EVALUATION):
            with pytest.raises(IllegalTransition) as exc:
                plan_move(S.COMMITTEE_REVIEW, target, trigger, PlanFacts(decision=ADOPTING))
            assert "DecisionRecorded" in str(exc.value)
    committee_moves = [t for t in TRANSITIONS if t.actor is Actor.COMMITTEE]
    assert {t.target for t in committee_moves} == {S.ADOPTED, S.REVISION}
    assert all(t.trigger is Trigger.COMMITTEE_DECISION for t in committee_moves)


def test_submit_guard_names_items_without_deliberation() -> None:
    missing = (ItemRef("i-2", "청년 공간"), ItemRef("i-3", "어르신 돌봄"))
    with pytest.raises(GuardFailed) as exc:
        plan_move(
            S.DRAFTING,
            S.COMMITTEE_REVIEW,
            Trigger.SUBMIT,
            PlanFacts(item_count=3, items_without_deliberation=missing),
        )
    assert exc.value.items == missing
    assert "청년 공간 (i-2)" in str(exc.value) and "어르신 돌봄 (i-3)" in str(exc.value)
    with pytest.raises(GuardFailed):
        plan_move(S.DRAFTING, S.COMMITTEE_REVIEW, Trigger.SUBMIT, PlanFacts(item_count=0))


def test_discovery_needs_an_item_before_deliberation() -> None:
    with pytest.raises(GuardFailed):
        plan_move(S.DISCOVERY, S.DELIBERATION, Trigger.MANUAL, PlanFacts(item_count=0))


@pytest.mark.parametrize(
    ("outcome", "valid", "target"),
    [
        ("adopted", True, S.ADOPTED),
        ("adopted", False, S.REVISION),
        ("rejected", True, S.REVISION),
        ("rejected", False, S.REVISION),
    ],
)
def test_decision_sends_plan_to_adopted_only_when_valid_and_adopted(
    outcome: str, valid: bool, target: PlanState
) -> None:
    facts = DecisionFacts("d", outcome, valid)
    assert decision_target(facts) is target
    assert (
        plan_move(S.COMMITTEE_REVIEW, target, Trigger.COMMITTEE_DECISION, PlanFacts(decision=facts)).target
        is target
    )
    other = S.REVISION if target is S.ADOPTED else S.ADOPTED
    with pytest.raises(GuardFailed):
        plan_move(S.COMMITTEE_REVIEW, other, Trigger.COMMITTEE_DECISION, PlanFacts(decision=facts))


def test_revision_goes_back_to_drafting() -> None:
    assert [t.target for t in allowed_moves(S.REVISION)] == [S.DRAFTING]
    assert S.REVISION in EDITABLE_STATES and S.COMMITTEE_REVIEW not in EDITABLE_STATES


def test_master_plan_returns_to_execution_until_its_last_year() -> None:
    running = PlanFacts(kind="master", term_end_year=2028, last_evaluated_year=2027)
    assert plan_move(S.EVALUATED, S.IN_EXECUTION, Trigger.MANUAL, running).target is S.IN_EXECUTION
    for facts in (
        PlanFacts(kind="master", term_end_year=2028, last_evaluated_year=2028),
        PlanFacts(kind="annual", term_end_year=2027, last_evaluated_year=2026),
    ):
        with pytest.raises(GuardFailed):
            plan_move(S.EVALUATED, S.IN_EXECUTION, Trigger.MANUAL, facts)


def test_adoption_of_an_annual_plan_against_its_legal_window() -> None:
    from datetime import date

    from cg_planning.plans.workflow import AdoptionTiming, adoption_check

    def check(on: date) -> tuple[AdoptionTiming, int]:
        result = adoption_check(fiscal_year=2028, adopted_on=on)
        return result.timing, len(result.warnings)

    assert check(date(2027, 6, 30)) == (AdoptionTiming.EARLY, 0)
    assert check(date(2027, 7, 1)) == (AdoptionTiming.ON_TIME, 0)
    assert check(date(2027, 9, 30)) == (AdoptionTiming.ON_TIME, 0)
    assert check(date(2027, 10, 1)) == (AdoptionTiming.LATE, 1)  # after the window, before the bill
    assert check(date(2027, 11, 22)) == (AdoptionTiming.LATE, 2)  # and after the budget bill was due
    assert check(date(2028, 3, 1)) == (AdoptionTiming.LATE, 3)  # and within the year itself
    assert check(date(2028, 12, 31)) == (AdoptionTiming.LATE, 3)
    assert check(date(2029, 1, 1)) == (AdoptionTiming.TOO_LATE, 1)
    late = adoption_check(fiscal_year=2028, adopted_on=date(2027, 11, 22))
    assert late.budget_bill_due == date(2027, 11, 21) and "2027-11-21" in late.warnings[1]
