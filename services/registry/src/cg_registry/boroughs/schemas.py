"""One row per borough of the registry's figures (``GET /v1/boroughs``)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class BoroughRow(BaseModel):
    sgg_code: str = Field(description="Statistics Korea borough code (11110 … 11740)")
    name_ko: str
    name_en: str
    project_count: int
    total_krw: int = Field(description="Value of the borough's projects, integer won")
    smg_grant_krw: int = Field(
        description="SMG grant money in those projects (not the value of SMG-grant projects)"
    )
    smg_grant_krw_share: float = Field(description="smg_grant_krw / total_krw")
    public_led_count: int
    public_led_share: float = Field(description="Public-led projects / projects")
    assessed_count: int
    tokenism_risk_count: int
    tokenism_risk_share: float = Field(description="Tokenism risk / assessed projects")
    overlap_project_count: int = Field(
        description="Projects in at least one suspected duplicate pair (within the borough or with a "
        "city-wide project)"
    )
    overlap_krw: int = Field(description="Value of those projects: money sitting in overlap clusters")
    overlap_krw_share: float
    city_level_pair_count: int = Field(
        description="Suspected pairs of one of the borough's projects and a city-wide (SMG-run) project"
    )
    double_funded_pair_count: int = Field(
        description="Suspected pairs touching the borough whose projects take public money from different "
        "streams, sharing none (SMG-run, SMG grant, borough, national)"
    )
    double_funded_krw: int = Field(description="Value of the borough's projects in those pairs")


class BoroughTable(BaseModel):
    service: str = "registry"
    rows: list[BoroughRow] = Field(
        description="Always 25 rows in borough-code order, zeros where nothing is recorded"
    )
