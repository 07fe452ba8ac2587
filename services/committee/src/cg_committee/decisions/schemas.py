"""Pydantic models of decisions."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from cg_committee.common import MemberId, Moment
from cg_committee.members.schemas import RuleCheckRead
from cg_committee.votes.schemas import VoteRead


class DecisionCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"agenda_item_id": "<agenda item id>"}]}
    )
    agenda_item_id: MemberId | None = None
    motion_id: MemberId | None = None
    voted_at: Moment | None = Field(
        default=None,
        description=(
            "When the vote was taken (quorum is checked at this time); default: when its last vote was "
            "cast. A vote taken outside the meeting's session makes the decision invalid"
        ),
    )

    @model_validator(mode="after")
    def _one_reference(self) -> DecisionCreate:
        if not (self.agenda_item_id or self.motion_id):
            raise ValueError("give agenda_item_id or motion_id")
        return self


class TallyRead(BaseModel):
    seated: int
    present: int
    yes: int
    no: int
    abstain: int
    recused: int
    recused_voted: int


class DecisionRead(BaseModel):
    id: str
    committee_id: str
    sgg_code: str
    meeting_id: str
    agenda_item_id: str
    motion_id: str
    subject_kind: str
    subject_id: str | None
    outcome: str = Field(description="adopted | rejected")
    valid: bool
    required_majority: str
    reasons: list[str]
    checks: list[RuleCheckRead]
    tally: TallyRead
    recused_member_ids: list[str]
    ordinance_id: str
    voted_at: datetime
    decided_at: datetime
    votes: list[VoteRead]
