"""HTTP routes of resident proposals."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, status

from cg_planning.proposals import service
from cg_planning.proposals.schemas import (
    ProposalCreate,
    ProposalMine,
    ProposalPublic,
    ProposalStatus,
    ScreeningRequest,
)
from cg_planning.types import ID_PATTERN
from cg_shared.auth import CurrentPrincipal
from cg_shared.deps import SessionDep
from cg_shared.http import PROBLEM_RESPONSES, Page, PageParams, page_params

router = APIRouter(prefix="/v1/proposals", tags=["proposals"], responses=PROBLEM_RESPONSES)

ProposalId = Annotated[str, Path(pattern=ID_PATTERN)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ProposalPublic,
    summary="Submit a proposal (residents; civic groups with an orgs claim)",
)
async def submit_proposal(
    proposal_in: ProposalCreate, principal: CurrentPrincipal, session: SessionDep
) -> ProposalPublic:
    async with session.begin():
        return await service.submit(session=session, principal=principal, proposal_in=proposal_in)


@router.get("", response_model=Page[ProposalPublic], summary="Proposals (public; no personal data)")
async def list_proposals(
    session: SessionDep,
    page: Annotated[PageParams, Depends(page_params)],
    sgg_code: Annotated[str | None, Query(pattern=r"^11\d{3}$")] = None,
    plan_id: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
    status_: Annotated[ProposalStatus | None, Query(alias="status")] = None,
) -> Page[ProposalPublic]:
    return await service.list_public(
        session=session, page=page, sgg_code=sgg_code, plan_id=plan_id, status=status_
    )


@router.get("/mine", response_model=Page[ProposalMine], summary="My proposals and what became of them")
async def my_proposals(
    principal: CurrentPrincipal, session: SessionDep, page: Annotated[PageParams, Depends(page_params)]
) -> Page[ProposalMine]:
    return await service.list_mine(session=session, principal=principal, page=page)


@router.get("/{proposal_id}", response_model=ProposalPublic, summary="One proposal (public)")
async def get_proposal(proposal_id: ProposalId, session: SessionDep) -> ProposalPublic:
    return await service.get_public(session=session, proposal_id=proposal_id)


@router.post(
    "/{proposal_id}/screening",
    response_model=ProposalPublic,
    summary="Screen a proposal: accept into an item, merge into another item/proposal, or reject with a reason",
)
async def screen_proposal(
    proposal_id: ProposalId, screening: ScreeningRequest, principal: CurrentPrincipal, session: SessionDep
) -> ProposalPublic:
    async with session.begin():
        return await service.screen(
            session=session, principal=principal, proposal_id=proposal_id, screening=screening
        )
