"""The CG assessment rubric and the public-led rule (DOMAIN.md) as pure rules."""

from __future__ import annotations

import pytest

from cg_registry.assessments.rubric import arnstein_band, tokenism_risk
from cg_registry.assessments.schemas import AssessmentCreate
from cg_registry.domain import is_public_led


@pytest.mark.parametrize(
    ("depth", "feedback", "expected"),
    [(0, 0, True), (2, 0, True), (2, 1, False), (3, 0, False), (4, 0, False), (1, 4, False)],
)
def test_tokenism_risk_is_shallow_participation_without_feedback(
    depth: int, feedback: int, expected: bool
) -> None:
    assert tokenism_risk(participation_depth=depth, feedback=feedback) is expected


@pytest.mark.parametrize(
    ("rung", "band"),
    [
        (1, "non_participation"),
        (2, "non_participation"),
        (3, "tokenism"),
        (5, "tokenism"),
        (6, "citizen_power"),
        (8, "citizen_power"),
    ],
)
def test_arnstein_bands(rung: int, band: str) -> None:
    assert arnstein_band(rung) == band


def test_arnstein_rung_out_of_range() -> None:
    with pytest.raises(ValueError):
        arnstein_band(9)


def test_public_led_needs_department_origin_and_no_civilian_partner() -> None:
    public = [{"name": "성동구 복지재단", "kind": "public_institution"}]
    civic = [{"name": "성수마을넷", "kind": "civic_group"}]
    assert is_public_led("department", [])
    assert is_public_led("department", public)
    assert not is_public_led("department", public + civic)
    assert not is_public_led("civic_group", [])
    assert not is_public_led("resident", public)


def test_participation_depth_is_the_iap2_level() -> None:
    scores = {
        "decision_power": 1,
        "starting_conditions": 1,
        "institutional_design": 1,
        "facilitative_leadership": 1,
        "process": 1,
        "feedback": 0,
    }
    assert AssessmentCreate(iap2_level=2, arnstein_rung=4, scores=scores).scores.participation_depth is None
    with pytest.raises(ValueError, match="participation_depth"):
        AssessmentCreate(iap2_level=2, arnstein_rung=4, scores={**scores, "participation_depth": 3})
    with pytest.raises(ValueError):
        AssessmentCreate(iap2_level=5, arnstein_rung=4, scores=scores)
