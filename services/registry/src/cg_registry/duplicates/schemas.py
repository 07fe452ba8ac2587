"""API models of duplicate detection and fragmentation."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


class ReasonRead(BaseModel):
    kind: str = Field(
        description="title_similarity | same_borough | city_wide_covers_borough | same_policy_field | "
        "overlapping_period | "
        "shared_partners | same_target_groups"
    )
    detail: str
    weight: float = Field(description="Contribution of this reason to the score")


class DuplicateCandidate(BaseModel):
    project_id: str
    code: str
    title_ko: str
    sgg_code: str | None
    policy_field: str
    score: float = Field(ge=0, le=1)
    suspected: bool = Field(description="score ≥ threshold: raises project.duplicate_suspected")
    funding_streams: list[str] = Field(description="The candidate's public funding streams")
    double_funded: bool = Field(
        description="Suspected, both take public money and share no stream (same purpose, two streams)"
    )
    reasons: list[ReasonRead]


class DuplicateCandidates(BaseModel):
    project_id: str
    code: str
    title_ko: str
    funding_streams: list[str] = Field(
        description="smg_city (SMG money of a city-wide project) | smg_grant | borough | national"
    )
    threshold: float
    candidates: list[DuplicateCandidate]


class ClusterProject(BaseModel):
    project_id: str
    code: str
    title_ko: str
    policy_field: str
    start_date: date | None
    end_date: date | None
    total_krw: int


class FragmentationCluster(BaseModel):
    size: int
    total_krw: int = Field(description="Money in the projects of this cluster")
    policy_fields: list[str]
    partners_in_common: list[str]
    max_score: float
    projects: list[ClusterProject]


class FragmentationRead(BaseModel):
    sgg_code: str
    name_ko: str
    name_en: str
    min_score: float
    project_count: int
    total_krw: int
    cluster_count: int
    clustered_project_count: int
    clustered_krw: int
    clustered_krw_share: float
    clusters: list[FragmentationCluster]


class ScanSummary(BaseModel):
    projects: int
    blocks: int
    comparisons: int
    candidates: int
    suspected_pairs: int
    new_pairs: int
    load_seconds: float
    scan_seconds: float
    total_seconds: float


FUNDING_STREAMS_DOC = (
    "Public funding streams: smg_city (SMG money of a city-wide, SMG-run project), smg_grant (SMG grant "
    "to a borough project), borough (구비), national (국비); private money is no public stream"
)


class FundingMix(BaseModel):
    """Money by funding line source (integer won)."""

    smg_grant_krw: int = Field(description="SMG money (of city-wide projects: the SMG-run programme)")
    borough_krw: int
    national_krw: int
    private_krw: int


class OverlapProject(BaseModel):
    project_id: str
    code: str
    title_ko: str
    sgg_code: str | None = Field(description="null = city-wide (SMG-run)")
    policy_field: str
    total_krw: int
    funding: FundingMix
    funding_streams: list[str] = Field(description=FUNDING_STREAMS_DOC)


class OverlapPair(BaseModel):
    score: float
    level: str = Field(description="within_borough | city_and_borough | within_city")
    double_funded: bool = Field(
        description="Both take public money and share no funding stream: the same purpose paid "
        "from two streams"
    )
    streams: list[str] = Field(description="Streams of the two projects together")
    pair_krw: int = Field(description="Value of the two projects")
    a: OverlapProject
    b: OverlapProject


class OverlapMoney(BaseModel):
    project_count: int = Field(description="Projects in at least one suspected pair (overlap clusters)")
    total_krw: int = Field(description="Their value: money sitting in overlap clusters")
    funding: FundingMix


class BoroughOverlapRow(BaseModel):
    sgg_code: str
    name_ko: str
    name_en: str
    project_count: int
    total_krw: int
    overlap: OverlapMoney = Field(description="The borough's own projects in overlap clusters")
    overlap_krw_share: float = Field(description="overlap.total_krw / total_krw")
    pair_count: int
    city_level_pair_count: int = Field(description="Pairs of a borough project and a city-wide project")
    double_funded_pair_count: int
    double_funded_krw: int = Field(description="Value of the borough's projects in double-funded pairs")


class BoroughFundingOverlaps(BoroughOverlapRow):
    min_score: float
    city_wide_overlap: OverlapMoney = Field(
        description="City-wide projects overlapping this borough's projects (their whole value: a "
        "city-wide programme is not split by borough)"
    )
    cluster_count: int = Field(description="Connected groups of overlapping projects (incl. city-wide)")
    pairs: list[OverlapPair] = Field(description="Double-funded pairs first, then by score")


class CityFundingOverlaps(BaseModel):
    min_score: float
    project_count: int
    total_krw: int
    overlap: OverlapMoney = Field(description="All projects (borough and city-wide) in overlap clusters")
    overlap_krw_share: float
    city_wide_overlap: OverlapMoney = Field(description="City-wide projects in overlap clusters")
    cluster_count: int
    pair_count: int
    city_level_pair_count: int
    double_funded_pair_count: int
    double_funded_krw: int = Field(description="Value of the projects in double-funded pairs")
    boroughs: list[BoroughOverlapRow] = Field(description="25 rows in borough-code order")
    pairs: list[OverlapPair] = Field(description="Double-funded pairs, largest pair value first")
