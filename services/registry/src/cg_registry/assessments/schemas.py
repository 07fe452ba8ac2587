"""API models of CG assessments."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from cg_registry.assessments.rubric import Iap2Level

Score = Annotated[int, Field(ge=0, le=4)]


class AssessmentScores(BaseModel):
    model_config = ConfigDict(extra="forbid")
    participation_depth: Score | None = Field(
        default=None, description="Scored by the IAP2 level; omit to take iap2_level"
    )
    decision_power: Score
    starting_conditions: Score
    institutional_design: Score
    facilitative_leadership: Score
    process: Score
    feedback: Score


class AssessmentCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "iap2_level": 1,
                    "arnstein_rung": 4,
                    "scores": {
                        "decision_power": 1,
                        "starting_conditions": 2,
                        "institutional_design": 2,
                        "facilitative_leadership": 1,
                        "process": 2,
                        "feedback": 0,
                    },
                    "note": "설명회 2회 개최, 주민 의견 반영 기록 없음",
                }
            ]
        },
    )
    iap2_level: Iap2Level = Field(description="0 inform, 1 consult, 2 involve, 3 collaborate, 4 empower")
    arnstein_rung: int = Field(
        ge=1, le=8, description="1–2 non-participation, 3–5 tokenism, 6–8 citizen power"
    )
    scores: AssessmentScores
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""

    @model_validator(mode="after")
    def _depth_is_iap2(self) -> AssessmentCreate:
        depth = self.scores.participation_depth
        if depth is not None and depth != int(self.iap2_level):
            raise ValueError("scores.participation_depth is the IAP2 level; it must equal iap2_level")
        return self


class AssessmentRead(BaseModel):
    id: str
    project_id: str
    iap2_level: int
    iap2_name: str
    arnstein_rung: int
    arnstein_band: str
    scores: dict[str, int]
    tokenism_risk: bool = Field(description="participation depth ≤ 2 and feedback = 0")
    public_led: bool = Field(description="origin = department and no civilian partner")
    note: str
    assessed_by: str
    assessed_at: datetime
