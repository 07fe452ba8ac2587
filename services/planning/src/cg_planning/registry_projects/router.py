"""Read access to the registry projects planning knows about."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from cg_planning.registry_projects import service
from cg_planning.registry_projects.schemas import RegistryProjectRead
from cg_planning.types import ID_PATTERN, SAFE_QUERY_PATTERN
from cg_shared.deps import SessionDep
from cg_shared.http import PROBLEM_RESPONSES, Page, PageParams, page_params

router = APIRouter(prefix="/v1/registry-projects", tags=["registry read model"], responses=PROBLEM_RESPONSES)


@router.get("", response_model=Page[RegistryProjectRead], summary="Registry projects planning knows about")
async def list_registry_projects(
    session: SessionDep,
    page: Annotated[PageParams, Depends(page_params)],
    sgg_code: Annotated[str | None, Query(pattern=r"^11\d{3}$")] = None,
    policy_field: Annotated[str | None, Query(max_length=50, pattern=SAFE_QUERY_PATTERN)] = None,
) -> Page[RegistryProjectRead]:
    return await service.list_projects(
        session=session, page=page, sgg_code=sgg_code, policy_field=policy_field
    )


@router.get(
    "/{project_id}", response_model=RegistryProjectRead, summary="A registry project as planning sees it"
)
async def get_registry_project(
    project_id: Annotated[str, Path(pattern=ID_PATTERN)], session: SessionDep
) -> RegistryProjectRead:
    return await service.get(session=session, project_id=project_id)
