"""Allocation rules on small elections: hand-checked cases and property tests against pabutools."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pabutools.election import (
    Additive_Cardinal_Sat,
    ApprovalBallot,
    ApprovalProfile,
    Cost_Sat,
    CumulativeBallot,
    CumulativeProfile,
    Instance,
    Project,
)
from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares

from cg_budget.allocation import (
    Election,
    ReasonCode,
    TieBreaking,
    greedy,
    mes_add1,
    mes_add1_comparison,
)
from cg_budget.allocation import (
    method_of_equal_shares as our_mes,
)
from cg_budget.allocation._mes import MesEngine


def approval(budget: int, costs: dict[str, int], ballots: list[set[str]]) -> Election:
    return Election(budget=budget, costs=costs, ballots=[dict.fromkeys(b, 1) for b in ballots])


# ------------------------------------------------------------------------------------ hand-checked


def test_mes_on_a_hand_computed_example() -> None:
    # 4 voters, budget 400: each holds 100. a (200) is backed by v1-v3 who pay 66.67 each; b (150) by
    # v3, v4: in round 2 they hold 33.33 + 100 < 150 -> b unaffordable; c (90) by v4 alone
    election = approval(400, {"a": 200, "b": 150, "c": 90}, [{"a"}, {"a"}, {"a", "b"}, {"b", "c"}])
    outcome = our_mes(election)
    assert outcome.selected == ("a", "c")
    assert outcome.cost == 290
    a = outcome.explanations["a"]
    assert a.reason_code is ReasonCode.MES_FUNDED and a.round == 1
    assert a.max_payment == Fraction(200, 3) and a.paid_in_full == 0
    c = outcome.explanations["c"]
    assert c.round == 2 and c.max_payment == 90
    b = outcome.explanations["b"]
    assert b.reason_code is ReasonCode.MES_SUPPORTERS_SHORT
    assert b.round == 2 and b.available == Fraction(100, 3) + 100
    assert outcome.per_voter_budget == 100


def test_mes_splits_a_cost_among_unequal_supporters() -> None:
    # 3 voters with 100 each. x (190: v1, v2 pay 95 each) and y (105: v1, v3, 52.50 each) tie at
    # rho = 1/2 and x wins the tie; then v1 has 5 left, so for y v1 pays 5 and v3 the other 100
    election = approval(300, {"x": 190, "y": 105}, [{"x", "y"}, {"x"}, {"y"}])
    outcome = our_mes(election)
    assert outcome.selected == ("x", "y")
    y = outcome.explanations["y"]
    assert y.max_payment == 100 and y.paid_in_full == 1


def test_identical_cumulative_ballots_count_as_separate_voters() -> None:
    # 4 voters with 10 each; v1 = v2 give a 1 point, v3 = v4 give it 3 points (the engine groups equal
    # ballots). a (36): rho 36/8 asks 13.50 of v3, v4, who pay their 10; v1, v2 pay (36 - 20) / 2 = 8;
    # b (30) is backed by v3, v4 alone, who have nothing left
    election = Election(
        budget=40,
        costs={"a": 36, "b": 30},
        ballots=[{"a": 1}, {"a": 1}, {"a": 3, "b": 1}, {"a": 3, "b": 1}],
        kind="cumulative",
    )
    outcome = our_mes(election)
    assert outcome.selected == ("a",)
    a = outcome.explanations["a"]
    assert a.support == 4 and a.paid_in_full == 2
    assert a.max_payment == 24  # rho 8 per point times the largest utility (3 points)
    b = outcome.explanations["b"]
    assert b.reason_code is ReasonCode.MES_SUPPORTERS_SHORT and b.available == 0 and b.support == 2
    engine = MesEngine(election, utility="points", tie_breaking=TieBreaking.LEXICOGRAPHIC)
    assert engine.groups == 2 and engine.n == 4


def test_ties_follow_the_documented_orders() -> None:
    # two identical projects: pabutools' lexicographic order compares ids as strings ("10" < "9")
    election = approval(10, {"9": 10, "10": 10}, [{"9", "10"}] * 2)
    assert our_mes(election).selected == ("10",)
    assert greedy(election).selected == ("10",)
    cheaper = approval(10, {"a": 10, "b": 9}, [{"a", "b"}])
    assert greedy(cheaper, tie_breaking=TieBreaking.MIN_COST_MAX_VOTES).selected == ("b",)
    assert greedy(cheaper).selected == ("a",)
    assert our_mes(cheaper, tie_breaking=TieBreaking.MIN_COST_MAX_VOTES).selected == ("b",)


def test_greedy_skips_what_does_not_fit_and_continues() -> None:
    election = approval(
        100, {"big": 80, "mid": 30, "small": 20}, [{"big", "mid", "small"}, {"big", "mid"}, {"big"}]
    )
    outcome = greedy(election)
    assert outcome.selected == ("big", "small")
    mid = outcome.explanations["mid"]
    assert mid.reason_code is ReasonCode.GREEDY_DID_NOT_FIT and mid.remaining_budget == 20
    assert "남은 예산" in mid.text_ko and "did not fit" in mid.text_en


def test_zero_cost_and_unsupported_projects() -> None:
    election = Election(
        budget=50,
        costs={"free": 0, "lonely": 10, "x": 40},
        ballots=[{"free": 2, "x": 1}, {"x": 3}],
        kind="cumulative",
    )
    outcome = our_mes(election)  # point utilities: the free project has utility, so it is funded first
    assert outcome.selected == ("free", "x")
    assert outcome.explanations["free"].reason_code is ReasonCode.MES_FUNDED_FREE
    assert outcome.explanations["lonely"].reason_code is ReasonCode.NO_SUPPORT
    # with cost utilities a free project is worth nothing, exactly as in pabutools
    assert "free" not in our_mes(election, utility="cost").selected


def test_ordinal_ballots_are_read_as_approvals() -> None:
    ranked = Election(
        budget=30, costs={"a": 10, "b": 20, "c": 25}, ballots=[{"c": 1, "a": 1}, {"a": 1}], kind="ordinal"
    )
    assert ranked.default_utility == "cost"
    # a: 2 ballots, c: 1 (25 no longer fits), b: none but it still fits
    assert greedy(ranked).selected == ("a", "b")
    assert our_mes(ranked).selected == ("a",)


def test_no_voters_and_empty_outcomes() -> None:
    election = approval(100, {"a": 10}, [])
    assert our_mes(election).selected == ()
    assert mes_add1(election).selected == ()
    assert greedy(election).selected == ("a",)


def test_comparison_switches_to_greedy_when_a_majority_prefers_it() -> None:
    # 3 voters like the expensive project, 2 voters two cheap ones; budget fits either side
    costs = {"big": 100, "c1": 50, "c2": 50}
    ballots = [{"big"}, {"big"}, {"big"}, {"c1", "c2"}, {"c1", "c2"}]
    election = approval(100, costs, ballots)
    outcome = mes_add1_comparison(election)
    assert set(outcome.selected) == set(greedy(election).selected) == {"big"}
    election2 = approval(100, costs, [{"big"}, {"c1", "c2"}, {"c1", "c2"}, {"c1"}, {"c2"}])
    outcome2 = mes_add1_comparison(election2, comparison="exclusion_ratio")
    assert set(outcome2.selected) == {"c1", "c2"}
    assert "the MES+add1 outcome is kept" in outcome2.notes


def test_invalid_elections_are_rejected() -> None:
    with pytest.raises(ValueError, match="unknown projects"):
        approval(10, {"a": 1}, [{"b"}])
    with pytest.raises(ValueError, match="negative cost"):
        Election(budget=10, costs={"a": -1}, ballots=[])
    with pytest.raises(ValueError, match="increment"):
        mes_add1(approval(10, {"a": 1}, [{"a"}]), increment=0)


# ------------------------------------------------------------------------------------ against pabutools


@st.composite
def elections(draw: st.DrawFn, kind: str) -> Election:
    n_projects = draw(st.integers(1, 6))
    ids = [f"p{i}" for i in range(n_projects)]
    costs = {pid: draw(st.integers(1, 40)) for pid in ids}
    n_voters = draw(st.integers(1, 9))
    ballots: list[dict[str, int]] = []
    for _ in range(n_voters):
        chosen = draw(st.lists(st.sampled_from(ids), unique=True, max_size=n_projects))
        if kind == "approval":
            ballots.append(dict.fromkeys(chosen, 1))
        else:
            ballots.append({pid: draw(st.integers(1, 4)) for pid in chosen})
    budget = draw(st.integers(1, 120))
    return Election(budget=budget, costs=costs, ballots=ballots, kind=kind)  # type: ignore[arg-type]


def to_pabutools(election: Election) -> tuple[Instance, ApprovalProfile | CumulativeProfile]:
    projects = {pid: Project(pid, cost) for pid, cost in election.costs.items()}
    instance = Instance(projects.values(), budget_limit=election.budget)
    if election.kind == "approval":
        return instance, ApprovalProfile([ApprovalBallot([projects[p] for p in b]) for b in election.ballots])
    return instance, CumulativeProfile(
        [CumulativeBallot({projects[p]: pts for p, pts in b.items()}) for b in election.ballots]
    )


SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(election=st.one_of(elections("approval"), elections("cumulative")))
def test_mes_and_add1_equal_pabutools(election: Election) -> None:
    instance, profile = to_pabutools(election)
    sat = Cost_Sat if election.kind == "approval" else Additive_Cardinal_Sat
    expected = [p.name for p in method_of_equal_shares(instance, profile, sat_class=sat)]
    assert list(our_mes(election).selected) == expected
    expected_add1 = [
        p.name for p in method_of_equal_shares(instance, profile, sat_class=sat, voter_budget_increment=1)
    ]
    assert list(mes_add1(election).selected) == expected_add1


@SETTINGS
@given(election=elections("approval"))
def test_greedy_equals_pabutools_and_never_overspends(election: Election) -> None:
    instance, profile = to_pabutools(election)
    expected = [p.name for p in greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)]
    outcome = greedy(election)
    assert list(outcome.selected) == expected
    assert outcome.cost == sum(election.costs[p] for p in outcome.selected) <= election.budget
    # greedy is exhaustive: nothing left out still fits
    assert all(
        outcome.cost + c > election.budget for p, c in election.costs.items() if p not in outcome.selected
    )


@SETTINGS
@given(election=st.one_of(elections("approval"), elections("cumulative")), k=st.integers(0, 30))
def test_mes_never_overspends_its_virtual_budget_and_certificates_hold(election: Election, k: int) -> None:
    outcome = our_mes(election)
    assert outcome.cost <= election.budget
    assert mes_add1(election).cost <= election.budget
    # every certified jump is real: the outcome is the same at each share it covers
    engine = MesEngine(election, utility=election.default_utility, tie_breaking=TieBreaking.LEXICOGRAPHIC)
    n = engine.n
    if n == 0:
        return
    share = election.budget + k * n
    run = engine.run(share, certify=True, step=n)
    steps = min(run.stable_steps if run.stable_steps is not None else 12, 12)
    for j in range(1, steps + 1):
        assert engine.run(share + j * n).selected == run.selected
    probe = engine.probe(share + 5 * n, run, share, step=n)
    if probe is not None:
        for j in range(1, 6):
            assert engine.run(share + j * n).selected == run.selected


@SETTINGS
@given(election=elections("approval"))
def test_add1_variants_stay_within_budget(election: Election) -> None:
    for integral in (False, True):
        for exhaustive in (False, True):
            outcome = mes_add1(election, integral_start=integral, stop_when_exhaustive=exhaustive)
            assert outcome.cost <= election.budget
            assert set(outcome.selected) <= set(election.costs)
