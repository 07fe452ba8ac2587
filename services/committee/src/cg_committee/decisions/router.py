"""HTTP routes for decisions."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, status

from cg_committee.decisions import service
from cg_committee.decisions.schemas import DecisionCreate, DecisionRead
from cg_committee.routing import Write, aggregate_router
from cg_shared.deps import SessionDep
from cg_shared.http import Page, PageParams, page_params

router = aggregate_router("meetings")


@router.post(
    "/v1/meetings/{meeting_id}/decisions",
    status_code=status.HTTP_201_CREATED,
    response_model=DecisionRead,
    tags=["decisions"],
    summary="Close the vote and record the decision with its computed validity",
    description="Valid only with quorum at voted_at, votes only by present seated members and no recused "
    "member voting; the outcome follows the majority required for the subject kind. Emits decision.recorded.",
)
async def record_decision(meeting_id: uuid.UUID, decision_in: DecisionCreate, write: Write) -> DecisionRead:
    decision = await write.run(
        service.record_decision(**write.caller, meeting_id=str(meeting_id), decision_in=decision_in)
    )
    return write.located(decision, "get_decision", "decision_id")


@router.get(
    "/v1/meetings/{meeting_id}/decisions",
    response_model=Page[DecisionRead],
    tags=["decisions"],
    summary="Decisions of a meeting",
)
async def list_meeting_decisions(
    meeting_id: uuid.UUID, session: SessionDep, page: Annotated[PageParams, Depends(page_params)]
) -> Page[DecisionRead]:
    return await service.list_decisions(session=session, meeting_id=str(meeting_id), page=page)


@router.get(
    "/v1/committees/{committee_id}/decisions",
    response_model=Page[DecisionRead],
    tags=["decisions"],
    summary="Decisions of a committee",
)
async def list_committee_decisions(
    committee_id: uuid.UUID, session: SessionDep, page: Annotated[PageParams, Depends(page_params)]
) -> Page[DecisionRead]:
    return await service.list_decisions(session=session, committee_id=str(committee_id), page=page)


@router.get(
    "/v1/decisions/{decision_id}", response_model=DecisionRead, tags=["decisions"], summary="One decision"
)
async def get_decision(decision_id: uuid.UUID, session: SessionDep) -> DecisionRead:
    return await service.get_decision(session=session, decision_id=str(decision_id))
