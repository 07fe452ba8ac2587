"""API models of participatory elections, ballots and outcomes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AnyHttpUrl, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from cg_budget.allocation import TieBreaking
from cg_budget.common import Krw, LongText, ShortText, Title
from cg_budget.elections.ballot_rules import BallotType
from cg_budget.elections.engine import Rule

ProjectKey = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Category = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
Location = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)]


class BallotImage(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: AnyHttpUrl = Field(examples=["https://www.sd.go.kr/pb/2027/kitchen.jpg"])
    alt: ShortText = Field(default="", description="What the image shows (for screen readers)")


class BallotLink(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: AnyHttpUrl = Field(examples=["https://www.sd.go.kr/pb/2027/kitchen"])
    title: ShortText = ""


class BallotItemDetails(BaseModel):
    """What a voter reads about one project besides its name and cost."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "request_id": "9a1f…",
                    "description": "성수동 주민이 함께 쓰는 공유부엌을 만들고 어르신 식사 모임을 엽니다.",
                    "location": "성동구 성수1가2동 주민센터 2층",
                    "category": "복지",
                    "images": [{"url": "https://www.sd.go.kr/pb/2027/kitchen.jpg", "alt": "공유부엌 조감도"}],
                    "links": [{"url": "https://www.sd.go.kr/pb/2027/kitchen", "title": "사업 설명서"}],
                }
            ]
        },
    )
    request_id: Annotated[str, StringConstraints(max_length=36)]
    description: LongText = ""
    location: Location = ""
    category: Category | None = Field(default=None, description="Default: the request's policy field")
    images: list[BallotImage] = Field(default_factory=list, max_length=10)
    links: list[BallotLink] = Field(default_factory=list, max_length=10)


class ElectionCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "cycle_id": "0b5c3f7e-1111-4a8e-9f00-2d7c1e0a9b10",
                    "title_ko": "2027 성동구 주민참여 협치사업 투표",
                    "ballot_type": "approval",
                    "rule": "mes-add1",
                    "request_ids": ["9a1f…", "c2d4…"],
                    "envelope_id": "5e6f…",
                    "max_length": 3,
                }
            ]
        },
    )
    cycle_id: Annotated[str, StringConstraints(max_length=36)]
    title_ko: Title
    title_en: ShortText = ""
    ballot_type: BallotType = BallotType.APPROVAL
    rule: Rule = Rule.MES_ADD1
    tie_breaking: TieBreaking = TieBreaking.LEXICOGRAPHIC
    request_ids: list[Annotated[str, StringConstraints(max_length=36)]] = Field(min_length=1, max_length=500)
    envelope_id: Annotated[str, StringConstraints(max_length=36)] | None = Field(
        default=None, description="Envelope the outcome will draw from (its available amount caps the budget)"
    )
    budget_krw: Krw | None = Field(default=None, description="Default: the envelope's available amount")
    min_length: int = Field(default=1, ge=0, le=500)
    max_length: int | None = Field(default=None, ge=1, le=500, description="Max approvals / ranking length")
    max_points_total: int | None = Field(
        default=None, ge=1, le=10_000, description="Cumulative: points per voter"
    )
    max_points_per_project: int | None = Field(default=None, ge=1, le=10_000)
    opens_at: AwareDatetime | None = Field(
        default=None, description="When voting opens (no ballot before); default: at once"
    )
    closes_at: AwareDatetime | None = Field(
        default=None,
        description=(
            "When voting closes (no online ballot after; paper ballots cast by then may still be "
            "imported); the election cannot be closed before it. Default: when an officer closes it"
        ),
    )
    items: list[BallotItemDetails] = Field(
        default_factory=list,
        max_length=500,
        description="Ballot-paper details per request (description, location, category, images, links)",
    )


class ElectionProjectRead(BaseModel):
    project_key: str = Field(description="Id on the ballot paper (the request id for platform elections)")
    request_id: str | None
    name: str
    cost_krw: int
    description: str
    location: str
    category: str
    images: list[BallotImage]
    links: list[BallotLink]


class ElectionRead(BaseModel):
    id: str
    cycle_id: str
    sgg_code: str
    title_ko: str
    title_en: str
    ballot_type: BallotType
    rule: Rule
    tie_breaking: TieBreaking
    budget_krw: int
    envelope_id: str | None
    min_length: int
    max_length: int | None
    max_points_total: int | None
    max_points_per_project: int | None
    status: str = Field(description="open | closed (outcome computed) | finalised (allocation made)")
    source: str = Field(description="platform | pabulib (imported .pb file)")
    ballot_count: int
    projects: list[ElectionProjectRead]
    opens_at: datetime | None = Field(description="No ballot before this time (none: open since creation)")
    closes_at: datetime | None = Field(description="No online ballot after this time (none: until closed)")
    voting_open: bool = Field(description="Whether a resident can cast a ballot right now")
    closed_at: datetime | None
    version: int
    created_at: datetime


class BallotCast(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"choices": ["9a1f…", "c2d4…"]},
                {"choices": ["9a1f…", "c2d4…"], "points": [3, 2]},
            ]
        },
    )
    choices: list[ProjectKey] = Field(
        max_length=500,
        description="Approved projects (approval), ranking best first (ordinal), or scored projects",
    )
    points: list[Annotated[int, Field(ge=0, le=10_000)]] | None = Field(
        default=None, max_length=500, description="Cumulative/scoring only: points aligned with choices"
    )


class BallotRead(BaseModel):
    election_id: str
    channel: str
    choices: list[str]
    points: list[int] | None
    cast_at: datetime


class PaperBallot(BaseModel):
    model_config = ConfigDict(extra="forbid")
    voter_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] = Field(
        description="Serial number of the paper ballot (unique within the election)"
    )
    resident_sub: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] | None
    ) = Field(
        default=None,
        description=(
            "The voter's sign-in identity (the identity provider's `sub`) when the polling station "
            "checked it. With it, one ballot per resident holds across paper and online: a resident "
            "who already voted online is refused (row error), and cannot vote online afterwards."
        ),
    )
    choices: list[ProjectKey] = Field(max_length=500)
    points: Annotated[list[Annotated[int, Field(ge=0, le=10_000)]], Field(max_length=500)] | None = None

    @property
    def voter_key(self) -> str:
        """The ballot's key in the one-ballot-per-voter constraint: the resident when known (the same
        key an online ballot uses), else the paper ballot's serial number."""
        return f"sub:{self.resident_sub}" if self.resident_sub else f"paper:{self.voter_id}"


class BallotImportIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"ballots": [{"voter_id": "P-000123", "choices": ["9a1f…"]}]}]},
    )
    ballots: list[PaperBallot] = Field(min_length=1, max_length=200_000)


class BallotImportRead(BaseModel):
    import_id: str
    election_id: str
    imported: int
    replayed: bool = Field(
        description="True when this Idempotency-Key was already applied (nothing new written)"
    )


class OutcomeRead(BaseModel):
    election_id: str
    rule: Rule
    selected: list[str] = Field(description="Funded project keys in selection order")
    selected_request_ids: list[str]
    cost_krw: int
    budget_krw: int
    ballot_count: int
    per_voter_budget: str | None = Field(description="MES: exact share of one voter (fraction as text)")
    notes: list[str]
    explanations: list[dict[str, Any]] = Field(
        description="Per project (ballot-paper order): selected, reason_code, support, cost, texts in ko/en"
    )
    computed_at: datetime


class PbOutcome(BaseModel):
    selected: list[str]
    cost: int | str = Field(
        description="exact total cost: an integer, or a decimal string such as '1647263.73'"
    )
    rule: Rule
    per_voter_budget: str | None = None
    notes: list[str] = []
    explanations: list[dict[str, Any]] | None = None
