"""API models of registry statistics."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Bucket(BaseModel):
    key: str | int | None = Field(description="The breakdown value (null = city-wide / unassessed)")
    label_ko: str | None = None
    label_en: str | None = None
    project_count: int
    total_krw: int
    smg_grant_project_count: int
    smg_grant_project_krw: int = Field(
        description="Total worth of this bucket's projects that receive any SMG grant (not SMG money: "
        "the SMG grant amounts are by_funding_source)"
    )


class SourceBucket(BaseModel):
    source: str
    project_count: int = Field(description="Projects with at least one line from this source")
    amount_krw: int = Field(description="Sum of the funding lines from this source")


class TokenismMetrics(BaseModel):
    assessed_count: int
    tokenism_risk_count: int
    tokenism_risk_share: float = Field(description="Share of assessed projects flagged tokenism_risk")
    public_led_count: int
    public_led_share: float = Field(description="Share of all projects that are public-led")


class StatsSummary(BaseModel):
    sgg_code: str | None = Field(description="Filter applied (null = all of Seoul)")
    fiscal_year: int | None = Field(description="Filter applied: only funding lines of this year count")
    project_count: int
    total_krw: int
    smg_grant_project_count: int = Field(description="Projects receiving any SMG grant")
    smg_grant_project_krw: int = Field(
        description="Total worth of the projects receiving any SMG grant (the study's definition), all "
        "their sources counted; SMG money alone is smg_grant_amount_krw"
    )
    smg_grant_project_share: float = Field(description="smg_grant_project_count / project_count, 3 decimals")
    smg_grant_project_krw_share: float = Field(description="smg_grant_project_krw / total_krw")
    smg_grant_amount_krw: int = Field(description="SMG money: the SMG grant funding lines alone")
    smg_grant_amount_share: float = Field(description="smg_grant_amount_krw / total_krw")
    by_borough: list[Bucket]
    by_funding_source: list[SourceBucket]
    by_policy_field: list[Bucket]
    by_origin: list[Bucket]
    by_iap2_level: list[Bucket]
    by_status: list[Bucket]
    tokenism: TokenismMetrics
