"""One PB rule vocabulary: the election rules are a named subset of ``pb-outcome``'s rules."""

from __future__ import annotations

from cg_budget.allocation import commands as pb
from cg_budget.elections import engine


def test_every_election_rule_is_a_pb_rule_with_the_same_name_and_spelling() -> None:
    for rule in engine.Rule:
        assert pb.Rule[rule.name].value == rule.value


def test_election_rules_read_and_write_the_same_pabulib_meta_names_as_pb_outcome() -> None:
    for meta, rule in engine.PABULIB_RULES.items():
        assert pb.PABULIB_RULES[meta].value == rule.value
        assert engine.RULE_TO_PABULIB[rule] == meta
    # Every rule an election can use has its META spelling (exports write it into the .pb file).
    assert set(engine.RULE_TO_PABULIB) == set(engine.Rule)
