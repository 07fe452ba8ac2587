"""Ballot validation against an election's rules (pure).

A ballot is a list of project keys (``choices``) and, for cumulative and score ballots, the points given
to each (``points``, aligned with ``choices``). Approval: a set of at least ``min_length`` and at most
``max_length`` projects. Ordinal: a ranking (most preferred first) of ``min_length``..``max_length``
distinct projects. Cumulative: positive points summing to at most ``max_points_total``, each at most
``max_points_per_project``. Scoring: 0..``max_points_per_project`` points per listed project.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum


class BallotType(StrEnum):
    APPROVAL = "approval"
    CUMULATIVE = "cumulative"
    ORDINAL = "ordinal"
    SCORING = "scoring"


POINT_TYPES = frozenset({BallotType.CUMULATIVE, BallotType.SCORING})


@dataclass(frozen=True, slots=True)
class BallotRules:
    ballot_type: BallotType
    project_keys: Collection[str]
    min_length: int = 1
    max_length: int | None = None
    max_points_total: int | None = None
    max_points_per_project: int | None = None


def check_ballot(rules: BallotRules, choices: Sequence[str], points: Sequence[int] | None) -> list[str]:
    """Every reason the ballot is invalid (empty list = valid)."""
    errors: list[str] = []
    unknown = [c for c in choices if c not in rules.project_keys]
    if unknown:
        errors.append(f"unknown projects: {', '.join(unknown[:5])}")
    if len(set(choices)) != len(choices):
        errors.append("a project appears more than once")
    if len(choices) < rules.min_length:
        errors.append(f"choose at least {rules.min_length} project(s)")
    if rules.max_length is not None and len(choices) > rules.max_length:
        noun = "rank" if rules.ballot_type is BallotType.ORDINAL else "choose"
        errors.append(f"{noun} at most {rules.max_length} project(s); got {len(choices)}")
    if rules.ballot_type in POINT_TYPES:
        if points is None or len(points) != len(choices):
            errors.append("points must be given for every chosen project, in the same order")
        else:
            low = 1 if rules.ballot_type is BallotType.CUMULATIVE else 0
            if any(p < low for p in points):
                errors.append(f"points must be at least {low}")
            cap = rules.max_points_per_project
            if cap is not None and any(p > cap for p in points):
                errors.append(f"at most {cap} points per project")
            total = rules.max_points_total
            if total is not None and sum(points) > total:
                errors.append(f"at most {total} points in total; got {sum(points)}")
    elif points is not None:
        errors.append(f"{rules.ballot_type.value} ballots carry no points")
    return errors


def as_points(
    ballot_type: BallotType, choices: Sequence[str], points: Sequence[int] | None
) -> dict[str, int]:
    """The engine's view of a ballot: 1 per approved or ranked project, the points otherwise."""
    if ballot_type in POINT_TYPES and points is not None:
        return {c: int(p) for c, p in zip(choices, points, strict=True) if p > 0}
    return dict.fromkeys(choices, 1)
