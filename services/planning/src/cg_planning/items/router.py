"""HTTP routes of plan items and their convergence suggestions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status

from cg_planning.common import with_etag
from cg_planning.items import service, suggestions
from cg_planning.items.schemas import ConvergenceRead, ItemCreate, ItemRead, ItemUpdate
from cg_planning.types import ID_PATTERN
from cg_shared.auth import CurrentPrincipal
from cg_shared.deps import SessionDep
from cg_shared.http import PROBLEM_RESPONSES, IfMatchHeader, Page, PageParams, page_params

router = APIRouter(prefix="/v1", tags=["items"], responses=PROBLEM_RESPONSES)

PlanId = Annotated[str, Path(pattern=ID_PATTERN)]
ItemId = Annotated[str, Path(pattern=ID_PATTERN)]


@router.post(
    "/plans/{plan_id}/items",
    status_code=status.HTTP_201_CREATED,
    response_model=ItemRead,
    summary="Add an item",
)
async def create_item(
    plan_id: PlanId,
    item_in: ItemCreate,
    principal: CurrentPrincipal,
    session: SessionDep,
    request: Request,
    response: Response,
) -> ItemRead:
    async with session.begin():
        item = await service.create(session=session, principal=principal, plan_id=plan_id, item_in=item_in)
    response.headers["Location"] = str(request.url_for("get_item", item_id=item.id))
    return with_etag(response, item)


@router.get("/plans/{plan_id}/items", response_model=Page[ItemRead], summary="Items of a plan (public)")
async def list_items(
    plan_id: PlanId, session: SessionDep, page: Annotated[PageParams, Depends(page_params)]
) -> Page[ItemRead]:
    return await service.list_for_plan(session=session, plan_id=plan_id, page=page)


@router.get("/items/{item_id}", response_model=ItemRead, summary="One plan item")
async def get_item(item_id: ItemId, session: SessionDep, response: Response) -> ItemRead:
    item = await service.get(session=session, item_id=item_id)
    return with_etag(response, item)


@router.patch("/items/{item_id}", response_model=ItemRead, summary="Change an item (If-Match required)")
async def update_item(
    item_id: ItemId,
    item_in: ItemUpdate,
    principal: CurrentPrincipal,
    session: SessionDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> ItemRead:
    async with session.begin():
        item = await service.update(
            session=session, principal=principal, item_id=item_id, item_in=item_in, if_match=if_match
        )
    return with_etag(response, item)


@router.get(
    "/items/{item_id}/convergence",
    response_model=ConvergenceRead,
    summary="Registry projects of the same borough and field that overlap this item, ranked with reasons",
)
async def item_convergence(
    item_id: ItemId,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    min_score: Annotated[float, Query(ge=0, le=1)] = 0.0,
) -> ConvergenceRead:
    return await suggestions.suggest_convergence(
        session=session, item_id=item_id, limit=limit, min_score=min_score
    )
