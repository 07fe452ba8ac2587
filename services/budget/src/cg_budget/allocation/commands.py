"""Entry points of the allocation engine: ``cg-budget pb-outcome`` and plain functions for the API layer.

``pb-outcome FILE.pb --rule greedy|mes|mes-add1|mes-add1-comparison`` prints one JSON object on stdout:
``{"selected": [...], "cost": total}``. ``selected`` lists the funded project ids in the order of the
file's PROJECTS section (the ballot-paper order), not in selection order. With ``--explain`` the object
also carries ``"explanations"`` (one entry per project, in the same order, with ``reason_code`` and Korean
and English text) and ``"notes"``. Errors go to stderr with exit code 2.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from .model import Outcome
from .pabulib import Instance, PabulibError, Profile, load, to_election
from .rules import greedy, mes_add1, mes_add1_comparison, method_of_equal_shares


class Rule(StrEnum):
    """Rules of ``pb-outcome`` (the ``rule`` names of Pabulib's META, in CLI spelling)."""

    GREEDY = "greedy"
    MES = "mes"
    MES_ADD1 = "mes-add1"
    MES_ADD1_COMPARISON = "mes-add1-comparison"


def outcome_for_instance(instance: Instance, profile: Profile, rule: Rule | str) -> Outcome:
    """The outcome of ``rule`` on a parsed Pabulib election (pabutools-compatible defaults)."""
    election = to_election(instance, profile)
    match Rule(rule):
        case Rule.GREEDY:
            return greedy(election)
        case Rule.MES:
            return method_of_equal_shares(election)
        case Rule.MES_ADD1:
            return mes_add1(election)
        case Rule.MES_ADD1_COMPARISON:
            return mes_add1_comparison(election)


def outcome_document(instance: Instance, outcome: Outcome, *, explain: bool = False) -> dict[str, object]:
    """The JSON document of ``pb-outcome``: funded ids in PROJECTS order and their total cost."""
    doc: dict[str, object] = {
        "selected": outcome.selected_in_paper_order(list(instance.projects)),
        "cost": outcome.cost,
    }
    if explain:
        doc["explanations"] = [outcome.explanations[pid].to_dict() for pid in instance.projects]
        doc["notes"] = list(outcome.notes)
        if outcome.per_voter_budget is not None:
            doc["per_voter_budget"] = str(outcome.per_voter_budget)
    return doc


def pb_outcome(path: str | Path, rule: Rule | str, *, explain: bool = False) -> dict[str, object]:
    """Parse a ``.pb`` file and return the ``pb-outcome`` document (raises ``PabulibError``)."""
    instance, profile = load(path)
    return outcome_document(instance, outcome_for_instance(instance, profile, rule), explain=explain)


def register(app: typer.Typer) -> None:
    """Add the ``pb-outcome`` command to the budget service's CLI."""

    @app.command("pb-outcome")
    def pb_outcome_command(
        file: Annotated[Path, typer.Argument(help="Pabulib .pb file", dir_okay=False)],
        rule: Annotated[Rule, typer.Option("--rule", help="allocation rule")] = Rule.GREEDY,
        explain: Annotated[
            bool, typer.Option("--explain", help="add per-project explanations (ko/en) to the JSON")
        ] = False,
    ) -> None:
        """Compute the outcome of a participatory-budgeting rule on a Pabulib file (JSON on stdout)."""
        try:
            doc = pb_outcome(file, rule, explain=explain)
        except (OSError, PabulibError) as exc:
            print(f"pb-outcome: {exc}", file=sys.stderr)
            raise typer.Exit(code=2) from exc
        sys.stdout.write(json.dumps(doc, ensure_ascii=False) + "\n")
