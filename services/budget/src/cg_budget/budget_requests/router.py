"""HTTP routes of budget requests."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from cg_budget.budget_requests import service
from cg_budget.budget_requests.schemas import (
    RequestCreate,
    RequestRead,
    RequestReview,
    RequestStatus,
    RevisionRead,
)
from cg_budget.common import NO_CONTROL, SggCode, tagged
from cg_shared.auth import CurrentPrincipal
from cg_shared.deps import SessionDep
from cg_shared.http import PROBLEM_RESPONSES, IfMatchHeader, Page, PageParams, page_params

router = APIRouter(prefix="/v1/requests", tags=["requests"], responses=PROBLEM_RESPONSES)


@router.get(
    "", response_model=Page[RequestRead], summary="Budget requests (filter by borough, year, cycle, plan)"
)
async def list_requests(
    session: SessionDep,
    page: Annotated[PageParams, Depends(page_params)],
    sgg_code: Annotated[SggCode | None, Query()] = None,
    fiscal_year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    cycle_id: Annotated[str | None, Query(max_length=36, pattern=NO_CONTROL)] = None,
    plan_id: Annotated[str | None, Query(max_length=64, pattern=NO_CONTROL)] = None,
    status_: Annotated[RequestStatus | None, Query(alias="status")] = None,
) -> Page[RequestRead]:
    return await service.list_(
        session=session,
        page=page,
        sgg_code=sgg_code,
        fiscal_year=fiscal_year,
        cycle_id=cycle_id,
        plan_id=plan_id,
        status=status_,
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=RequestRead,
    summary="Open a request by hand (requests normally come from adopted plans)",
)
async def create_request(
    request_in: RequestCreate, principal: CurrentPrincipal, session: SessionDep, response: Response
) -> RequestRead:
    async with session.begin():
        req = await service.create(session=session, principal=principal, request_in=request_in)
    return tagged(response, req, collection="/v1/requests")


@router.get("/{request_id}", response_model=RequestRead, summary="One budget request")
async def get_request(request_id: str, session: SessionDep, response: Response) -> RequestRead:
    return tagged(response, await service.get(session=session, request_id=request_id))


@router.patch(
    "/{request_id}",
    response_model=RequestRead,
    summary="Review: feasibility, cost revision with reason, program codes (If-Match required)",
)
async def review_request(
    request_id: str,
    review_in: RequestReview,
    principal: CurrentPrincipal,
    session: SessionDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> RequestRead:
    async with session.begin():
        req = await service.review(
            session=session,
            principal=principal,
            request_id=request_id,
            review_in=review_in,
            if_match=if_match,
        )
    return tagged(response, req)


@router.get("/{request_id}/history", response_model=list[RevisionRead], summary="Review history of a request")
async def request_history(request_id: str, session: SessionDep) -> list[RevisionRead]:
    return await service.history(session=session, request_id=request_id)
