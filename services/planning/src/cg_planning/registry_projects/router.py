"""Read access to the registry projects planning knows about."""

from __future__ import annotations

from cg_shared.deps import SessionDep
from cg_shared.http import PROBLEM_RESPONSES
from fastapi import APIRouter

from cg_planning.registry_projects import service
from cg_planning.registry_projects.schemas import RegistryProjectRead

router = APIRouter(prefix="/v1/registry-projects", tags=["registry read model"], responses=PROBLEM_RESPONSES)


@router.get(
    "/{project_id}", response_model=RegistryProjectRead, summary="A registry project as planning sees it"
)
async def get_registry_project(project_id: str, session: SessionDep) -> RegistryProjectRead:
    return await service.get(session=session, project_id=project_id)
