"""API models of duplicate detection and fragmentation."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


class ReasonRead(BaseModel):
    kind: str = Field(
        description="title_similarity | same_borough | same_policy_field | overlapping_period | "
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
    reasons: list[ReasonRead]


class DuplicateCandidates(BaseModel):
    project_id: str
    code: str
    title_ko: str
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
