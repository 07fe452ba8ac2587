"""HTTP routes of duplicate detection and borough fragmentation (public read-only analysis)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from cg_registry.duplicates import funding, service
from cg_registry.duplicates.schemas import (
    BoroughFundingOverlaps,
    CityFundingOverlaps,
    DuplicateCandidates,
    FragmentationRead,
)
from cg_registry.duplicates.scoring import CLUSTER_THRESHOLD, DISPLAY_THRESHOLD, SUSPECT_THRESHOLD
from cg_shared.deps import SessionDep
from cg_shared.http import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1", tags=["duplicates"], responses=PROBLEM_RESPONSES)


@router.get(
    "/projects/{project_id}/duplicates",
    response_model=DuplicateCandidates,
    summary="Ranked duplicate candidates of a project, with reasons",
)
async def project_duplicates(
    project_id: Annotated[str, Path(max_length=36)],
    session: SessionDep,
    min_score: Annotated[float, Query(ge=0, le=1, description="Lowest score listed")] = DISPLAY_THRESHOLD,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> DuplicateCandidates:
    return await service.candidates(session=session, project_id=project_id, min_score=min_score, limit=limit)


@router.get(
    "/boroughs/{sgg_code}/fragmentation",
    response_model=FragmentationRead,
    summary="Clusters of overlapping projects in a borough and the money in them",
)
async def borough_fragmentation(
    sgg_code: Annotated[str, Path(pattern=r"^\d{5}$")],
    session: SessionDep,
    min_score: Annotated[float, Query(ge=0.5, le=1, description="Lowest pair score linking a cluster")] = (
        CLUSTER_THRESHOLD
    ),
) -> FragmentationRead:
    return await service.fragmentation(session=session, sgg_code=sgg_code, min_score=min_score)


_OVERLAP_SCORE = Query(
    ge=SUSPECT_THRESHOLD,
    le=1,
    description="Lowest score of a recorded suspected pair counted (pairs are recorded from the suspect "
    "threshold up by registration checks and the full scan)",
)


@router.get(
    "/boroughs/{sgg_code}/funding-overlaps",
    response_model=BoroughFundingOverlaps,
    summary="Money of a borough in overlap clusters by funding stream, and pairs that look double-funded",
    description="Overlaps within the borough and with city-wide (SMG-run) projects; a pair is "
    "double-funded when both take public money and share no stream. See docs/duplicates.md.",
)
async def borough_funding_overlaps(
    sgg_code: Annotated[str, Path(pattern=r"^\d{5}$")],
    session: SessionDep,
    min_score: Annotated[float, _OVERLAP_SCORE] = SUSPECT_THRESHOLD,
    limit: Annotated[int, Query(ge=0, le=500, description="Most pairs listed")] = 100,
) -> BoroughFundingOverlaps:
    return await funding.borough(session=session, sgg_code=sgg_code, min_score=min_score, limit=limit)


@router.get(
    "/funding-overlaps",
    response_model=CityFundingOverlaps,
    summary="City-wide: money in overlap clusters by funding stream, per borough, and double-funded pairs",
    description="Public open data. See docs/duplicates.md for the definitions.",
)
async def city_funding_overlaps(
    session: SessionDep,
    min_score: Annotated[float, _OVERLAP_SCORE] = SUSPECT_THRESHOLD,
    limit: Annotated[int, Query(ge=0, le=500, description="Most double-funded pairs listed")] = 100,
) -> CityFundingOverlaps:
    return await funding.city(session=session, min_score=min_score, limit=limit)
