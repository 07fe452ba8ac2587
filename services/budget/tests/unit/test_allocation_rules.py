"""Allocation rules on small elections: hand-checked cases and property tests against pabutools."""

from __future__ import annotations

from decimal import Decimal
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
from pabutools.election.satisfaction import AdditiveSatisfaction
from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares

from cg_budget.allocation import (
    Election,
    ReasonCode,
    TieBreaking,
    greedy,
    mes_add1,
    mes_add1_comparison,
    parse,
    to_election,
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


# ------------------------------------------------------------------------------------ greedy variants


class _PointsTimesCost(AdditiveSatisfaction):
    """Greedy by total points in pabutools: satisfaction points * cost, so the density is the points."""

    def __init__(self, instance, profile, ballot) -> None:  # type: ignore[no-untyped-def]
        super().__init__(instance, profile, ballot, lambda i, p, b, proj, pre: b.get(proj, 0) * proj.cost)


def _pabutools_greedy(election: Election, keep: set[str] | None = None) -> list[str]:
    """pabutools' greedy on the election (restricted to ``keep``): Cost_Sat, or points for point ballots."""
    costs = {p: c for p, c in election.costs.items() if keep is None or p in keep}
    ballots = [{p: v for p, v in b.items() if p in costs} for b in election.ballots]
    restricted = Election(budget=election.budget, costs=costs, ballots=ballots, kind=election.kind)
    if election.kind == "approval":
        instance, profile = to_pabutools(restricted)
        return [p.name for p in greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)]
    as_points = Election(budget=restricted.budget, costs=costs, ballots=ballots, kind="cumulative")
    instance, profile = to_pabutools(as_points)
    return [p.name for p in greedy_utilitarian_welfare(instance, profile, sat_class=_PointsTimesCost)]


@st.composite
def ordinal_elections(draw: st.DrawFn) -> Election:
    """Ordinal ballots with position points L, L-1, ... (Kraków's scheme)."""
    base = draw(elections("approval"))
    length = draw(st.integers(1, 4))
    ballots = []
    for ballot in base.ballots:
        ranking = draw(st.permutations(list(ballot)))[:length]
        ballots.append({pid: length - i for i, pid in enumerate(ranking)})
    return Election(budget=base.budget, costs=base.costs, ballots=ballots, kind="ordinal")


point_elections = st.one_of(elections("cumulative"), ordinal_elections())


@SETTINGS
@given(election=st.one_of(elections("approval"), point_elections))
def test_greedy_by_votes_and_by_points_equals_pabutools(election: Election) -> None:
    assert list(greedy(election).selected) == _pabutools_greedy(election)


@SETTINGS
@given(election=st.one_of(elections("approval"), point_elections), threshold=st.integers(0, 12))
def test_greedy_threshold_is_pabutools_greedy_over_the_projects_that_pass(
    election: Election, threshold: int
) -> None:
    scores = election.scores()
    passing = {p for p, s in scores.items() if s >= threshold}
    outcome = greedy(election, threshold=threshold)
    assert list(outcome.selected) == _pabutools_greedy(election, passing)
    for pid, note in outcome.explanations.items():
        if pid not in passing:
            assert note.reason_code is ReasonCode.GREEDY_BELOW_THRESHOLD and not note.selected


@SETTINGS
@given(election=st.one_of(elections("approval"), point_elections), threshold=st.integers(0, 6))
def test_greedy_no_skip_funds_the_longest_prefix_that_fits(election: Election, threshold: int) -> None:
    scores = election.scores()
    ranked = sorted((p for p in election.costs if scores[p] >= threshold), key=lambda p: (-scores[p], p))
    expected: list[str] = []
    spent = 0
    for pid in ranked:
        if spent + election.costs[pid] > election.budget:
            break
        spent += election.costs[pid]
        expected.append(pid)
    outcome = greedy(election, threshold=threshold, skip=False)
    assert list(outcome.selected) == expected and outcome.cost == spent
    stopped = [n for n in outcome.explanations.values() if n.reason_code is ReasonCode.GREEDY_STOPPED]
    assert len(stopped) == max(0, len(ranked) - len(expected) - 1)


@SETTINGS
@given(election=elections("approval"), data=st.data())
def test_greedy_exclusive_never_funds_two_exclusive_projects(election: Election, data: st.DataObject) -> None:
    ids = list(election.costs)
    pairs = data.draw(st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids)), max_size=4))
    exclusions: dict[str, list[str]] = {}
    for a, b in pairs:
        if a != b:
            exclusions.setdefault(a, []).append(b)
    outcome = greedy(election, exclusions=exclusions)
    chosen = set(outcome.selected)
    for a, b in pairs:
        assert a == b or not {a, b} <= chosen
    if not exclusions:
        assert list(outcome.selected) == _pabutools_greedy(election)
    for pid, note in outcome.explanations.items():
        if note.reason_code is ReasonCode.GREEDY_EXCLUDED:
            assert any({pid, other} == {a, b} for a, b in pairs for other in chosen)


# ------------------------------------------------------------------------------------ decimal money


@st.composite
def decimal_files(draw: st.DrawFn, kind: str) -> str:
    """A .pb text whose costs and budget have up to two decimal places."""
    base = draw(elections(kind))
    cents = {pid: draw(st.integers(1, 4000)) for pid in base.costs}
    budget = draw(st.integers(1, 12000))
    lines = ["META", "key;value", f"budget;{Decimal(budget).scaleb(-2)}", f"vote_type;{kind}", "PROJECTS"]
    lines.append("project_id;cost")
    lines += [f"{pid};{Decimal(c).scaleb(-2)}" for pid, c in cents.items()]
    lines += ["VOTES", "voter_id;vote" + (";points" if kind == "cumulative" else "")]
    for n, ballot in enumerate(base.ballots):
        row = f"{n};{','.join(ballot)}"
        if kind == "cumulative":
            row += ";" + ",".join(str(v) for v in ballot.values())
        lines.append(row)
    return "\n".join(lines) + "\n"


def _pabutools_from_file(text: str) -> tuple[Instance, ApprovalProfile | CumulativeProfile]:
    instance, profile = parse(text)
    projects = {pid: Project(pid, Fraction(p.cost)) for pid, p in instance.projects.items()}
    p_instance = Instance(projects.values(), budget_limit=Fraction(instance.budget))
    if profile.vote_type == "approval":
        return p_instance, ApprovalProfile(
            [ApprovalBallot([projects[p] for p in b]) for b in profile.ballots]
        )
    return p_instance, CumulativeProfile(
        [CumulativeBallot({projects[p]: v for p, v in b.items()}) for b in profile.points()]
    )


@SETTINGS
@given(text=st.one_of(decimal_files("approval"), decimal_files("cumulative")))
def test_decimal_money_is_exact_and_equals_pabutools(text: str) -> None:
    instance, profile = parse(text)
    election = to_election(instance, profile)
    p_instance, p_profile = _pabutools_from_file(text)
    sat = Cost_Sat if election.kind == "approval" else Additive_Cardinal_Sat
    expected = [p.name for p in method_of_equal_shares(p_instance, p_profile, sat_class=sat)]
    assert list(our_mes(election).selected) == expected
    add1 = [
        p.name for p in method_of_equal_shares(p_instance, p_profile, sat_class=sat, voter_budget_increment=1)
    ]
    outcome = mes_add1(election)
    assert list(outcome.selected) == add1
    # the total is the exact decimal sum of the funded costs
    assert outcome.amount == sum((instance.projects[p].cost for p in outcome.selected), Decimal(0))
    if election.kind == "approval":
        g = [p.name for p in greedy_utilitarian_welfare(p_instance, p_profile, sat_class=Cost_Sat)]
        assert list(greedy(election).selected) == g
