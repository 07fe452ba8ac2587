"""HTTP routes of deliberation records."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, status

from cg_planning.deliberations import service
from cg_planning.deliberations.schemas import DeliberationCreate, DeliberationRead
from cg_planning.types import ID_PATTERN
from cg_shared.auth import CurrentPrincipal
from cg_shared.deps import SessionDep
from cg_shared.http import PROBLEM_RESPONSES, Page, PageParams, page_params

router = APIRouter(prefix="/v1", tags=["deliberations"], responses=PROBLEM_RESPONSES)

ItemId = Annotated[str, Path(pattern=ID_PATTERN)]


@router.post(
    "/items/{item_id}/deliberations",
    status_code=status.HTTP_201_CREATED,
    response_model=DeliberationRead,
    summary="Record a forum, survey, working-group session, hearing … about an item",
)
async def record_deliberation(
    item_id: ItemId, deliberation_in: DeliberationCreate, principal: CurrentPrincipal, session: SessionDep
) -> DeliberationRead:
    async with session.begin():
        return await service.record(
            session=session, principal=principal, item_id=item_id, deliberation_in=deliberation_in
        )


@router.get(
    "/items/{item_id}/deliberations", response_model=Page[DeliberationRead], summary="Deliberation on an item"
)
async def list_deliberations(
    item_id: ItemId, session: SessionDep, page: Annotated[PageParams, Depends(page_params)]
) -> Page[DeliberationRead]:
    return await service.list_for_item(session=session, item_id=item_id, page=page)


@router.get("/deliberations/{deliberation_id}", response_model=DeliberationRead, summary="One record")
async def get_deliberation(
    deliberation_id: Annotated[str, Path(pattern=ID_PATTERN)], session: SessionDep
) -> DeliberationRead:
    return await service.get(session=session, deliberation_id=deliberation_id)
