"""API models of resident proposals: what residents submit, what the public sees, what the proposer sees."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from cg_planning.items.schemas import ItemCreate
from cg_planning.timeline.schemas import Stage, TimelineEntryRead
from cg_planning.types import (
    Dong,
    Id,
    Krw,
    Name,
    OptionalShort,
    OptionalTitle,
    ProposalTitle,
    Reason,
    RequiredLongText,
    SggCode,
    ShortLine,
)


class ProposerKind(StrEnum):
    RESIDENT = "resident"
    CIVIC_GROUP = "civic_group"


class ProposalStatus(StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    MERGED = "merged"
    REJECTED = "rejected"


class ScreeningDecision(StrEnum):
    ACCEPT = "accept"
    MERGE = "merge"
    REJECT = "reject"


class ProposalCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "sgg_code": "11200",
                    "plan_id": "6f1c2a3e-0000-4000-8000-000000000002",
                    "title": "성수동 빈 점포를 청년 공유공간으로",
                    "problem": "청년이 모일 공간이 없다",
                    "idea": "빈 점포를 임대해 청년 협의체가 운영",
                    "dong": "성수1가1동",
                    "estimated_cost_krw": 80000000,
                    "target_group": "청년",
                }
            ]
        },
    )
    sgg_code: SggCode
    plan_id: Id | None = Field(default=None, description="The plan whose open call this answers (optional)")
    title: ProposalTitle
    problem: RequiredLongText
    idea: RequiredLongText
    dong: Dong
    estimated_cost_krw: Krw
    target_group: ShortLine
    proposer_kind: ProposerKind | None = Field(
        default=None, description="Default: civic_group when the token carries organisations, else resident"
    )
    organisation: Name | None = Field(
        default=None,
        description="Civic groups: the proposing organisation (one of the token's orgs if it has any)",
    )
    contact: OptionalShort | None = Field(
        default=None, description="How officers may reach the proposer; never public"
    )


class ItemFromProposal(ItemCreate):
    """Overrides for the item an accepted proposal creates (title defaults to the proposal's)."""

    title_ko: OptionalTitle = ""


class ScreeningRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "decision": "accept",
                    "plan_id": "6f1c2a9e-4b7d-4c1e-9a3f-2d5b8e0c7a11",
                    "item": {"policy_field": "community"},
                },
                {"decision": "accept", "item_id": "0b7e3d2c-1a4f-4e6b-8c9d-5f2a7b1e3c44"},
                {
                    "decision": "merge",
                    "item_id": "0b7e3d2c-1a4f-4e6b-8c9d-5f2a7b1e3c44",
                    "reason": "같은 공간 제안과 통합",
                },
                {
                    "decision": "merge",
                    "proposal_id": "9a1d5e7f-2c3b-4a6d-9e8f-1b2c3d4e5f66",
                    "reason": "같은 내용의 제안과 통합",
                },
                {"decision": "reject", "reason": "구 사무가 아닌 시 사무로 시에 이관"},
            ]
        },
    )
    decision: ScreeningDecision
    plan_id: Id | None = Field(default=None, description="accept: create a new item in this plan")
    item_id: Id | None = Field(default=None, description="accept/merge: the existing item it goes into")
    proposal_id: Id | None = Field(default=None, description="merge: the other proposal it joins")
    item: ItemFromProposal | None = Field(default=None, description="accept into a new item: item fields")
    reason: Reason | None = Field(default=None, description="Required for reject; shown to the proposer")


class ProposalPublic(BaseModel):
    """What anyone may see: no proposer identity, name, organisation or contact."""

    id: str
    sgg_code: str
    plan_id: str | None
    title: str
    problem: str
    idea: str
    dong: str
    estimated_cost_krw: int
    target_group: str
    proposer_kind: ProposerKind
    status: ProposalStatus
    screening_reason: str | None
    item_id: str | None
    merged_into_proposal_id: str | None
    screened_at: datetime | None
    created_at: datetime
    version: int


class ProposalMine(ProposalPublic):
    """The proposer's own view, with the outcome spelled out."""

    organisation: str | None
    contact: str | None
    item_title_ko: str | None
    item_plan_id: str | None
    outcome: str = Field(description="Plain-language outcome for the proposer (the latest step)")
    stage: Stage | None = Field(
        description="The latest step: screened → in_plan_item → adopted → requested → funded → executed → "
        "completed, or rejected / revision (none before screening)"
    )
    timeline: list[TimelineEntryRead] = Field(
        description="Every step so far, oldest first, from planning and from budget's events"
    )
