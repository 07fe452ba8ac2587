"""HTTP routes of duplicate detection and borough fragmentation (public read-only analysis)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from cg_registry.duplicates import service
from cg_registry.duplicates.schemas import DuplicateCandidates, FragmentationRead
from cg_registry.duplicates.scoring import CLUSTER_THRESHOLD, DISPLAY_THRESHOLD
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
