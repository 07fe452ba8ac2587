"""HTTP routes for projects: translate, call one service function, translate back."""

from __future__ import annotations

from cg_shared.auth import CurrentPrincipal
from cg_shared.deps import SessionDep
from cg_shared.http import PROBLEM_RESPONSES, etag_for
from fastapi import APIRouter, Request, Response, status

from cg_registry.projects import service
from cg_registry.projects.schemas import ProjectCreate, ProjectRead

router = APIRouter(prefix="/v1/projects", tags=["projects"], responses=PROBLEM_RESPONSES)


@router.post(
    "", status_code=status.HTTP_201_CREATED, response_model=ProjectRead, summary="Register a project"
)
async def register_project(
    project_in: ProjectCreate,
    principal: CurrentPrincipal,
    session: SessionDep,
    response: Response,
    request: Request,
) -> ProjectRead:
    async with session.begin():
        project = await service.register(session=session, principal=principal, project_in=project_in)
    response.headers["Location"] = str(request.url_for("get_project", project_id=project.id))
    response.headers["ETag"] = etag_for(project.version)
    return project


@router.get("/{project_id}", response_model=ProjectRead, summary="One project")
async def get_project(project_id: str, session: SessionDep, response: Response) -> ProjectRead:
    project = await service.get(session=session, project_id=project_id)
    response.headers["ETag"] = etag_for(project.version)
    return project
