"""Official outcomes of the shared Pabulib files, and agreement with pabutools on the others."""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction
from functools import cache
from pathlib import Path

import pytest
import typer
from pabutools.election import Additive_Cardinal_Sat, Cost_Sat, parse_pabulib
from pabutools.election.satisfaction import AdditiveSatisfaction
from pabutools.fractions import frac
from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares
from pabutools.rules.mes.mes_rule import method_of_equal_shares_scheme
from pabutools.tiebreaking import lexico_tie_breaking
from typer.testing import CliRunner

from cg_budget.allocation import (
    ReasonCode,
    greedy,
    load,
    mes_add1,
    mes_add1_comparison,
    to_election,
)
from cg_budget.allocation import (
    method_of_equal_shares as our_mes,
)
from cg_budget.allocation.commands import PABULIB_RULES, Rule, outcome_for_instance, pb_outcome
from cg_budget.allocation.typer_command import register
from cg_shared.testing.shared_data import shared_file, shared_files

WARSAW = [
    "Poland_Warszawa_2017_Mlynow",
    "Poland_Warszawa_2019_Chomiczowka",
    "Poland_Warszawa_2020_Mokotow",
    "Poland_Warszawa_2021_Bialoleka",
]
NO_SELECTED = [
    "France_Toulouse_2019",
    "Poland_Czestochowa_2020",
    "Poland_Czestochowa_2020_Bleszno",
    "Poland_Czestochowa_2020_Czestochowka_-_Parkitka",
]


def pb_file(stem: str) -> Path:
    """A shared Pabulib file; the test skips (naming CG_SHARED_DATA) when it is absent."""
    return shared_file("pabulib", f"{stem}.pb")


@cache
def ours(stem: str):  # type: ignore[no-untyped-def]
    instance, profile = load(pb_file(stem))
    return instance, profile, to_election(instance, profile)


@cache
def theirs(stem: str):  # type: ignore[no-untyped-def]
    return parse_pabulib(str(pb_file(stem)))


def names(allocation) -> list[str]:  # type: ignore[no-untyped-def]
    return [p.name for p in allocation]


# ------------------------------------------------------------------------------------ official outcomes


@pytest.mark.parametrize("stem", WARSAW)
def test_greedy_reproduces_the_official_warsaw_outcome(stem: str) -> None:
    instance, _, election = ours(stem)
    assert instance.rule == "greedy"
    outcome = greedy(election)
    assert set(outcome.selected) == set(instance.official_selection() or [])
    assert outcome.cost == sum(election.costs[p] for p in outcome.selected) <= election.budget


def test_mes_add1_reproduces_swiecie() -> None:
    instance, _, election = ours("Poland_Swiecie_2023")
    assert instance.rule == "equalshares/add1"
    outcome = mes_add1(election)
    assert set(outcome.selected) == set(instance.official_selection() or [])
    assert outcome.cost == 1_040_337
    # the completion stopped at a share of budget / n + 226
    assert outcome.per_voter_budget is not None
    assert outcome.per_voter_budget - Fraction(election.budget, len(election.ballots)) == 226


def test_add1_comparison_reproduces_wieliczka() -> None:
    instance, _, election = ours("Poland_Wieliczka_2023_Green_Budget")
    assert instance.rule == "equalshares/add1-comparison"
    official = set(instance.official_selection() or [])
    outcome = mes_add1_comparison(election)
    assert set(outcome.selected) == official
    assert (len(outcome.selected), outcome.cost) == (30, 995_079)
    assert "the MES+add1 outcome is kept" in outcome.notes
    # pabutools' add1 stops at the first exhaustive outcome, which is not Wieliczka's
    assert set(mes_add1(election).selected) != official
    assert set(greedy(election).selected) != official


# ------------------------------------------------------------------------------------ against pabutools


def pabutools_sat(stem: str) -> type:
    instance, _ = theirs(stem)
    return Cost_Sat if instance.meta["vote_type"] == "approval" else Additive_Cardinal_Sat


@pytest.mark.parametrize("stem", [*NO_SELECTED, "Poland_Swiecie_2023", "Poland_Wieliczka_2023_Green_Budget"])
def test_mes_equals_pabutools_in_selection_order(stem: str) -> None:
    p_instance, p_profile = theirs(stem)
    expected = names(method_of_equal_shares(p_instance, p_profile, sat_class=pabutools_sat(stem)))
    assert list(our_mes(ours(stem)[2]).selected) == expected


@pytest.mark.parametrize(
    "stem", ["Poland_Czestochowa_2020_Bleszno", "Poland_Czestochowa_2020_Czestochowka_-_Parkitka"]
)
def test_mes_add1_equals_pabutools(stem: str) -> None:
    p_instance, p_profile = theirs(stem)
    expected = method_of_equal_shares(
        p_instance, p_profile, sat_class=pabutools_sat(stem), voter_budget_increment=1
    )
    assert list(mes_add1(ours(stem)[2]).selected) == names(expected)


def _pabutools_mes_at(stem: str, step: int):  # type: ignore[no-untyped-def]
    p_instance, p_profile = theirs(stem)
    share = frac(p_instance.budget_limit, p_profile.num_ballots()) + step
    sat_profile = p_profile.as_sat_profile(pabutools_sat(stem))
    return method_of_equal_shares_scheme(
        p_instance, p_profile, sat_profile, share, [], lexico_tie_breaking, resoluteness=True
    )


@pytest.mark.parametrize("stem", ["France_Toulouse_2019", "Poland_Czestochowa_2020"])
def test_mes_add1_stops_where_pabutools_stops(stem: str) -> None:
    # pabutools' full add1 takes 14 s / 38 s here (bench/pb runs it); check the stopping point with
    # pabutools' own MES: the outcome at our final share, and why the completion stops there
    _, _, election = ours(stem)
    outcome = mes_add1(election)
    assert outcome.per_voter_budget is not None
    step = outcome.per_voter_budget - Fraction(election.budget, len(election.ballots))
    assert step.denominator == 1
    p_instance, _ = theirs(stem)
    at_final = _pabutools_mes_at(stem, int(step))
    assert names(at_final) == list(outcome.selected)
    exhaustive = p_instance.is_exhaustive(at_final, available_projects=[p for p in p_instance])
    if not exhaustive:
        nxt = _pabutools_mes_at(stem, int(step) + 1)
        assert not p_instance.is_feasible(nxt)


class _PointsTimesCost(AdditiveSatisfaction):
    """Greedy by total points in pabutools: satisfaction points * cost, density = points."""

    def __init__(self, instance, profile, ballot) -> None:  # type: ignore[no-untyped-def]
        super().__init__(instance, profile, ballot, lambda i, p, b, proj, pre: b.get(proj, 0) * proj.cost)


@pytest.mark.parametrize(
    "stem",
    [
        "Poland_Warszawa_2017_Mlynow",
        "Poland_Swiecie_2023",
        "France_Toulouse_2019",
        "Poland_Czestochowa_2020_Bleszno",
    ],
)
def test_greedy_equals_pabutools(stem: str) -> None:
    p_instance, p_profile = theirs(stem)
    sat = Cost_Sat if p_instance.meta["vote_type"] == "approval" else _PointsTimesCost
    expected = names(greedy_utilitarian_welfare(p_instance, p_profile, sat_class=sat))
    assert list(greedy(ours(stem)[2]).selected) == expected


# ------------------------------------------------------------------------------------ explanations, CLI


def test_explanations_cover_every_project_with_consistent_codes() -> None:
    instance, _, election = ours("Poland_Swiecie_2023")
    outcome = mes_add1(election)
    assert list(outcome.explanations) == list(instance.projects)
    for pid, note in outcome.explanations.items():
        assert note.selected == (pid in outcome.selected)
        if note.selected:
            assert note.reason_code is ReasonCode.MES_FUNDED
            assert note.round is not None and note.max_payment is not None and note.max_payment > 0
        else:
            assert note.reason_code is ReasonCode.MES_SUPPORTERS_SHORT
            assert note.available is not None and note.available < note.cost
        assert note.text_en and note.text_ko and "라운드" in note.text_ko
    greedy_notes = greedy(election).explanations
    skipped = [n for n in greedy_notes.values() if not n.selected]
    assert skipped and all(n.reason_code is ReasonCode.GREEDY_DID_NOT_FIT for n in skipped)
    assert all(n.remaining_budget is not None and n.cost > n.remaining_budget for n in skipped)


@pytest.mark.parametrize(
    ("stem", "rule"),
    [
        ("Poland_Warszawa_2017_Mlynow", Rule.GREEDY),
        ("Poland_Swiecie_2023", Rule.MES_ADD1),
        ("Poland_Swiecie_2023", Rule.MES),
        ("Poland_Wieliczka_2023_Green_Budget", Rule.MES_ADD1_COMPARISON),
    ],
)
def test_pb_outcome_lists_the_funded_ids_in_projects_order(stem: str, rule: Rule) -> None:
    instance, profile, _ = ours(stem)
    doc = pb_outcome(pb_file(stem), rule)
    outcome = outcome_for_instance(instance, profile, rule)
    assert doc == {"selected": [p for p in instance.projects if p in outcome.selected], "cost": outcome.cost}
    if rule is not Rule.MES:
        assert set(doc["selected"]) == set(instance.official_selection() or [])  # type: ignore[arg-type]


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.callback()
    def main() -> None:
        """Throwaway app: keeps pb-outcome a subcommand as in cg-budget."""

    return app


def test_cli_prints_only_json(tmp_path: Path) -> None:
    runner = CliRunner()
    path = pb_file("Poland_Warszawa_2019_Chomiczowka")
    result = runner.invoke(_app(), ["pb-outcome", str(path), "--rule", "greedy"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert set(doc) == {"selected", "cost"}
    assert doc["selected"] == load(path)[0].official_selection()

    explained = runner.invoke(_app(), ["pb-outcome", str(path), "--rule", "mes", "--explain"])
    assert explained.exit_code == 0, explained.output
    doc = json.loads(explained.stdout)
    assert {"selected", "cost", "explanations", "notes", "per_voter_budget"} <= set(doc)
    assert [e["project_id"] for e in doc["explanations"]] == list(load(path)[0].projects)

    broken = tmp_path / "broken.pb"
    broken.write_text("META\nkey;value\n", encoding="utf-8")
    failed = runner.invoke(_app(), ["pb-outcome", str(broken)])
    assert failed.exit_code == 2
    assert failed.stdout == ""


# ------------------------------------------------------------------------------------ --rule auto


@pytest.mark.parametrize("path", shared_files("pabulib", "*.pb"), ids=lambda p: getattr(p, "stem", str(p)))
def test_rule_auto_reproduces_every_official_outcome(path: Path) -> None:
    instance, _ = load(path)
    official = instance.official_selection()
    if official is None:
        pytest.skip(f"{path.stem} has no selected column")
    doc = pb_outcome(path, Rule.AUTO, explain=True)
    assert doc["selected"] == official, instance.rule
    assert doc["rule"] == PABULIB_RULES[instance.rule].value
    total = sum((instance.projects[p].cost for p in official), Decimal(0))
    assert Decimal(str(doc["cost"])) == total <= instance.budget


def test_krakow_ranks_by_position_points_and_keeps_decimals() -> None:
    instance, profile, election = ours("Poland_Krakow_2023_Bronowice")
    assert instance.budget == Decimal("1647263.73") and election.scale == 2
    scores = election.scores()
    assert all(scores[pid] == p.score for pid, p in instance.projects.items())  # 3-2-1 points = score
    votes_only = greedy(to_election(instance, type(profile)(**_as_approval(profile))))
    assert set(votes_only.selected) != set(instance.official_selection() or [])


def _as_approval(profile):  # type: ignore[no-untyped-def]
    return {
        "vote_type": "approval",
        "voter_ids": profile.voter_ids,
        "ballots": [frozenset(b) for b in profile.ballots],
        "voter_fields": profile.voter_fields,
        "vote_columns": profile.vote_columns,
    }
