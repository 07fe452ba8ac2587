"""The CG assessment rubric (DOMAIN.md): IAP2 level, Arnstein rung, seven 0–4 dimensions, two flags."""

from __future__ import annotations

from enum import IntEnum


class Iap2Level(IntEnum):
    INFORM = 0
    CONSULT = 1
    INVOLVE = 2
    COLLABORATE = 3
    EMPOWER = 4


DIMENSIONS = (
    "participation_depth",  # scored by the IAP2 level
    "decision_power",  # civilian share of votes, agenda-setting
    "starting_conditions",  # capacity support, coordinator
    "institutional_design",  # open recruitment, published minutes, quorum met
    "facilitative_leadership",  # civilian co-chair or facilitator
    "process",  # sessions, participants
    "feedback",  # recorded effect of input on decisions
)

TOKENISM_MAX_DEPTH = 2


def arnstein_band(rung: int) -> str:
    """Arnstein's ladder: 1–2 non-participation, 3–5 tokenism, 6–8 citizen power."""
    if not 1 <= rung <= 8:
        raise ValueError("an Arnstein rung is between 1 and 8")
    if rung <= 2:
        return "non_participation"
    if rung <= 5:
        return "tokenism"
    return "citizen_power"


def tokenism_risk(*, participation_depth: int, feedback: int) -> bool:
    """Flag tokenism when depth ≤ 2 and feedback = 0: people were heard but nothing came of it."""
    return participation_depth <= TOKENISM_MAX_DEPTH and feedback == 0
