"""Pydantic models of the committees API (committees, ordinance versions)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from cg_committee.common import LongText, Name, SaneDate, SggCode, ShortText
from cg_committee.rules import MajorityBasis, MajorityKind, SubjectKind

_DEFAULTS_NOTE = "Defaults follow the model ordinance in DOMAIN.md."


class OrdinanceSettings(BaseModel):
    """Ordinance settings. Every field has the default of the model ordinance."""

    model_config = ConfigDict(extra="forbid")
    size_cap: int = Field(default=30, ge=1, le=200, description="Maximum number of seated members")
    civilian_min_percent: int = Field(
        default=50, ge=0, le=100, description="Civilians must be more than (or at least) this % of seated"
    )
    civilian_strict: bool = Field(default=True, description="True: strictly more than the percentage")
    expert_counts_as_civilian: bool = Field(
        default=False, description="Whether expert seats count as civilian for the majority rule"
    )
    co_chair_count: int = Field(default=2, ge=1, le=5)
    civilian_co_chairs_min: int = Field(default=1, ge=0, le=5)
    term_years: int = Field(default=2, ge=1, le=10)
    max_renewals: int = Field(default=1, ge=0, le=10)
    carry_over: bool = Field(default=True, description="A member past term end serves until replaced")
    quorum_percent: int = Field(default=50, ge=1, le=100)
    quorum_strict: bool = Field(default=True, description="True: strictly more than quorum_percent present")
    majority_basis: MajorityBasis = MajorityBasis.PRESENT_AND_VOTING
    majorities: dict[SubjectKind, MajorityKind] = Field(
        default_factory=lambda: {SubjectKind.ORDINANCE: MajorityKind.TWO_THIRDS},
        description="Required majority by subject kind; kinds not listed need a simple majority",
    )
    term_end_warning_days: int = Field(default=60, ge=0, le=730)
    proxy_allowed: bool = False
    notice_days: int = Field(
        default=7, ge=0, le=90, description="Days of public notice before a regular meeting"
    )
    extraordinary_notice_days: int = Field(
        default=1,
        ge=0,
        le=90,
        description="Days of public notice before an extraordinary (urgent) meeting; the ordinance sets it",
    )

    @model_validator(mode="after")
    def _co_chairs_consistent(self) -> OrdinanceSettings:
        if self.civilian_co_chairs_min > self.co_chair_count:
            raise ValueError("civilian_co_chairs_min cannot exceed co_chair_count")
        if self.extraordinary_notice_days > self.notice_days:
            raise ValueError("extraordinary_notice_days cannot exceed notice_days")
        return self


class OrdinanceCreate(OrdinanceSettings):
    effective_from: SaneDate = Field(examples=["2027-01-01"])
    reference: ShortText = Field(
        default="", examples=["성동구 민관협치 활성화 기본조례 (2026. 12. 30. 개정)"]
    )


class OrdinanceRead(OrdinanceSettings):
    model_config = ConfigDict(from_attributes=True)
    id: str
    committee_id: str
    effective_from: date
    reference: str
    created_at: datetime


class CommitteeCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "sgg_code": "11200",
                    "name_ko": "성동구 민관협치위원회",
                    "name_en": "Seongdong-gu Collaborative Governance Committee",
                    "established_on": "2017-07-13",
                    "ordinance": {"size_cap": 30, "proxy_allowed": False},
                }
            ]
        },
    )
    sgg_code: SggCode
    name_ko: Name
    name_en: Name | None = None
    description: LongText = ""
    established_on: SaneDate
    ordinance: OrdinanceSettings = Field(
        default_factory=OrdinanceSettings,
        description="Ordinance in force from established_on. " + _DEFAULTS_NOTE,
    )
    ordinance_reference: ShortText = ""


class CommitteeUpdate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"name_en": "Seongdong CG Council"}]}
    )
    name_ko: Name | None = None
    name_en: Name | None = None
    description: LongText | None = None


class CommitteeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    sgg_code: str
    name_ko: str
    name_en: str
    description: str
    established_on: date
    version: int
    created_at: datetime
    updated_at: datetime
    ordinance: OrdinanceRead | None = Field(default=None, description="The ordinance in force today")
