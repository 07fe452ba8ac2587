"""Entry points of the allocation engine: ``cg-budget pb-outcome`` and plain functions for the API layer.

``pb-outcome FILE.pb [--rule RULE]`` prints one JSON object on stdout: ``{"selected": [...], "cost": total}``.
``selected`` lists the funded project ids in the order of the file's PROJECTS section (the ballot-paper
order), not in selection order; ``cost`` is exact: a JSON integer for whole amounts, a decimal string
(``"1647263.73"``) otherwise. With ``--explain`` the object also carries ``"rule"``, ``"explanations"``
(one entry per project, in the same order, with ``reason_code`` and Korean and English text) and
``"notes"``.

Rules (``--rule``, default ``auto``): ``auto`` takes the file's META ``rule``; the Pabulib names map to
``greedy``, ``greedy-threshold``, ``greedy-no-skip``, ``greedy-exclusive``, ``mes`` (``equalshares``),
``mes-add1`` (``equalshares/add1``) and ``mes-add1-comparison`` (``equalshares/add1-comparison``). Every
greedy variant honours the META ``min_project_score_threshold`` when the file has one (projects below it
take no part); ``greedy-threshold`` requires it. ``greedy-exclusive`` takes the mutually exclusive
projects from ``--exclusive A,B`` (repeatable); a file's META cannot state them, so without the option it
is plain greedy and the notes say so. What a file's META cannot express (``greedy-custom``, ``unknown``,
any other name) is refused with a one-line reason.

Errors go to stderr as one line (``pb-outcome: line 12: cost '-5' is negative``) with exit code 2, never a
traceback. This module imports neither FastAPI, SQLAlchemy nor the service's settings: the console script
dispatches ``pb-outcome`` here before anything else is loaded.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from .model import Outcome, json_amount
from .pabulib import Instance, PabulibError, Profile, load, to_election
from .rules import greedy, mes_add1, mes_add1_comparison, method_of_equal_shares

if TYPE_CHECKING:
    pass


class Rule(StrEnum):
    """Rules of ``pb-outcome`` (the ``rule`` names of Pabulib's META, in CLI spelling)."""

    AUTO = "auto"
    GREEDY = "greedy"
    GREEDY_THRESHOLD = "greedy-threshold"
    GREEDY_NO_SKIP = "greedy-no-skip"
    GREEDY_EXCLUSIVE = "greedy-exclusive"
    MES = "mes"
    MES_ADD1 = "mes-add1"
    MES_ADD1_COMPARISON = "mes-add1-comparison"


#: Pabulib META ``rule`` values this engine computes.
PABULIB_RULES: dict[str, Rule] = {
    "greedy": Rule.GREEDY,
    "greedy-threshold": Rule.GREEDY_THRESHOLD,
    "greedy-no-skip": Rule.GREEDY_NO_SKIP,
    "greedy-exclusive": Rule.GREEDY_EXCLUSIVE,
    "equalshares": Rule.MES,
    "equalshares/add1": Rule.MES_ADD1,
    "equalshares/add1-comparison": Rule.MES_ADD1_COMPARISON,
}
#: META ``rule`` values a file cannot define well enough to compute, with the reason.
REFUSED_RULES: dict[str, str] = {
    "greedy-custom": "a city-specific greedy variant described only in the META comment",
    "unknown": "the rule that produced the official outcome is not known",
}
THRESHOLD_KEY = "min_project_score_threshold"


class RuleError(PabulibError):
    """The file's rule cannot be computed (one-line reason)."""


def resolve_rule(instance: Instance, rule: Rule | str) -> Rule:
    """The concrete rule: ``auto`` becomes the file's META rule, or a one-line :class:`RuleError`."""
    chosen = Rule(rule)
    if chosen is not Rule.AUTO:
        return chosen
    name = instance.rule
    if not name:
        raise RuleError("--rule auto: the file's META has no rule; choose one with --rule")
    if name in PABULIB_RULES:
        return PABULIB_RULES[name]
    reason = REFUSED_RULES.get(name, "not a rule of the Pabulib format this engine implements")
    raise RuleError(f"--rule auto: the file's rule {name!r} is refused: {reason}; choose one with --rule")


def meta_threshold(instance: Instance) -> int | None:
    """META ``min_project_score_threshold`` as the least integer support that passes it."""
    raw = instance.meta.get(THRESHOLD_KEY, "").strip()
    if not raw:
        return None
    try:
        value = Decimal(raw.replace(",", "."))
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or len(raw) > 30:
        raise RuleError(f"META {THRESHOLD_KEY} {raw[:24]!r} is not a number")
    return math.ceil(value)


def outcome_for_instance(
    instance: Instance,
    profile: Profile,
    rule: Rule | str,
    *,
    exclusions: Sequence[Sequence[str]] = (),
) -> Outcome:
    """The outcome of ``rule`` on a parsed Pabulib election (pabutools-compatible defaults)."""
    chosen = resolve_rule(instance, rule)
    unknown = sorted({pid for group in exclusions for pid in group} - instance.projects.keys())
    if unknown:
        raise RuleError(f"--exclusive names unknown project(s) {', '.join(unknown[:3])}")
    election = to_election(instance, profile)
    if chosen in (Rule.GREEDY, Rule.GREEDY_THRESHOLD, Rule.GREEDY_NO_SKIP, Rule.GREEDY_EXCLUSIVE):
        threshold = meta_threshold(instance)
        if chosen is Rule.GREEDY_THRESHOLD and threshold is None:
            raise RuleError(f"greedy-threshold needs META {THRESHOLD_KEY}")
        groups: Mapping[str, Sequence[str]] = {}
        if chosen is Rule.GREEDY_EXCLUSIVE:
            groups = {g[0]: g[1:] for g in exclusions if g}
        outcome = greedy(
            election,
            threshold=threshold,
            skip=chosen is not Rule.GREEDY_NO_SKIP,
            exclusions=groups,
            rule=chosen.value,
        )
        notes = list(outcome.notes)
        if threshold is not None:
            notes.append(f"projects with support below {threshold:,} ({THRESHOLD_KEY}) take no part")
        if chosen is Rule.GREEDY_EXCLUSIVE and not groups:
            notes.append(
                "no mutually exclusive projects were given (--exclusive): greedy-exclusive is greedy"
            )
        return _with_notes(outcome, notes)
    if chosen is Rule.MES:
        return method_of_equal_shares(election)
    if chosen is Rule.MES_ADD1:
        return mes_add1(election)
    return mes_add1_comparison(election)


def _with_notes(outcome: Outcome, notes: list[str]) -> Outcome:
    return Outcome(
        rule=outcome.rule,
        selected=outcome.selected,
        cost=outcome.cost,
        explanations=outcome.explanations,
        per_voter_budget=outcome.per_voter_budget,
        notes=tuple(notes),
        scale=outcome.scale,
    )


def outcome_document(instance: Instance, outcome: Outcome, *, explain: bool = False) -> dict[str, object]:
    """The JSON document of ``pb-outcome``: funded ids in PROJECTS order and their exact total cost."""
    doc: dict[str, object] = {
        "selected": outcome.selected_in_paper_order(list(instance.projects)),
        "cost": json_amount(outcome.amount),
    }
    if explain:
        doc["rule"] = outcome.rule
        doc["explanations"] = [outcome.explanations[pid].to_dict() for pid in instance.projects]
        doc["notes"] = list(outcome.notes)
        if outcome.per_voter_budget is not None:
            doc["per_voter_budget"] = str(outcome.per_voter_budget)
    return doc


def pb_outcome(
    path: str | Path,
    rule: Rule | str = Rule.AUTO,
    *,
    explain: bool = False,
    exclusions: Sequence[Sequence[str]] = (),
) -> dict[str, object]:
    """Parse a ``.pb`` file and return the ``pb-outcome`` document (raises ``PabulibError``)."""
    instance, profile = load(path, keep_voters=False)
    outcome = outcome_for_instance(instance, profile, rule, exclusions=exclusions)
    return outcome_document(instance, outcome, explain=explain)


# ------------------------------------------------------------------------------------------------ CLI


def run(file: str | Path, rule: str, *, explain: bool, exclusive: Sequence[str]) -> int:
    """Run ``pb-outcome``: JSON on stdout and 0, or one line on stderr and 2 (never a traceback)."""
    groups = [[pid.strip() for pid in group.split(",") if pid.strip()] for group in exclusive]
    try:
        doc = pb_outcome(file, rule, explain=explain, exclusions=groups)
    except PabulibError as exc:
        return _fail(f"{file}: {exc}")
    except OSError as exc:
        return _fail(f"cannot read {file}: {exc.strerror or exc}")
    except MemoryError:
        return _fail(f"{file}: out of memory")
    except Exception as exc:
        return _fail(f"{file}: {type(exc).__name__}: {str(exc)[:200]}")
    sys.stdout.write(json.dumps(doc, ensure_ascii=False) + "\n")
    return 0


def _fail(message: str) -> int:
    print(f"pb-outcome: {message}".replace("\n", " "), file=sys.stderr)
    return 2
