"""HTTP routes of CG assessments."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from cg_registry.assessments import service
from cg_registry.assessments.schemas import AssessmentCreate, AssessmentRead
from cg_shared.auth import CurrentPrincipal
from cg_shared.deps import SessionDep
from cg_shared.http import PROBLEM_RESPONSES, etag_for

router = APIRouter(prefix="/v1/projects", tags=["assessments"], responses=PROBLEM_RESPONSES)

ProjectId = Annotated[str, Path(max_length=36)]


@router.post(
    "/{project_id}/assessments",
    status_code=status.HTTP_201_CREATED,
    response_model=AssessmentRead,
    summary="Record a CG assessment (tokenism rubric) of a project",
)
async def assess_project(
    project_id: ProjectId,
    assessment_in: AssessmentCreate,
    principal: CurrentPrincipal,
    session: SessionDep,
    response: Response,
) -> AssessmentRead:
    async with session.begin():
        assessment, version = await service.assess(
            session=session, principal=principal, project_id=project_id, assessment_in=assessment_in
        )
    # The ETag of the project (its assessment summary changed), for a follow-up PATCH.
    response.headers["ETag"] = etag_for(version)
    return assessment


@router.get(
    "/{project_id}/assessments",
    response_model=list[AssessmentRead],
    summary="Assessments of a project, newest first (public)",
)
async def list_assessments(project_id: ProjectId, session: SessionDep) -> list[AssessmentRead]:
    return await service.list_for_project(session=session, project_id=project_id)
