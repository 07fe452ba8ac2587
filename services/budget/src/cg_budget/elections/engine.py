"""Bridge between stored elections and the pure allocation engine (:mod:`cg_budget.allocation`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from enum import StrEnum
from typing import Any

from cg_budget.allocation import (
    Election,
    Outcome,
    TieBreaking,
    greedy,
    mes_add1,
    mes_add1_comparison,
    method_of_equal_shares,
)
from cg_budget.allocation import commands as pb
from cg_budget.allocation.model import BallotKind


# The rules an election may be computed with: a subset of the one PB rule vocabulary,
# cg_budget.allocation.commands.Rule (same names, same spellings; a unit test ties them). A comment, not
# a docstring: the enum is in the API and a docstring would become its OpenAPI description.
class Rule(StrEnum):
    GREEDY = pb.Rule.GREEDY.value
    MES = pb.Rule.MES.value
    MES_ADD1 = pb.Rule.MES_ADD1.value
    MES_ADD1_COMPARISON = pb.Rule.MES_ADD1_COMPARISON.value


_RULES: dict[Rule, Callable[..., Outcome]] = {
    Rule.GREEDY: greedy,
    Rule.MES: method_of_equal_shares,
    Rule.MES_ADD1: mes_add1,
    Rule.MES_ADD1_COMPARISON: mes_add1_comparison,
}

# Pabulib META ``rule`` values and ours: the vocabulary's own table, cut to the election rules.
PABULIB_RULES: dict[str, Rule] = {
    meta: Rule(rule.value) for meta, rule in pb.PABULIB_RULES.items() if rule.value in set(Rule)
}
RULE_TO_PABULIB: dict[Rule, str] = {v: k for k, v in PABULIB_RULES.items()}


def compute(
    *,
    budget: int,
    costs: Mapping[str, int],
    ballots: Sequence[Mapping[str, int]],
    kind: str,
    rule: Rule,
    tie_breaking: TieBreaking,
) -> Outcome:
    """Run ``rule`` exactly on the election; ``costs`` is in ballot-paper order."""
    election = Election(budget=budget, costs=dict(costs), ballots=list(ballots), kind=_kind(kind))
    return _RULES[rule](election, tie_breaking=tie_breaking)


def _kind(kind: str) -> BallotKind:
    if kind not in ("approval", "cumulative", "scoring", "ordinal"):
        raise ValueError(f"unknown ballot kind {kind!r}")
    return kind  # type: ignore[return-value]


def explanation_dicts(
    outcome: Outcome, names: Mapping[str, str], requests: Mapping[str, str | None]
) -> list[dict[str, Any]]:
    """JSON form of the per-project explanations, in ballot-paper order, with names and request ids."""
    out = []
    for key, explanation in outcome.explanations.items():
        doc = explanation.to_dict()
        doc["name"] = names.get(key, "")
        doc["request_id"] = requests.get(key)
        out.append(doc)
    return out
