"""HTTP routes for motions and named votes."""

from __future__ import annotations

import uuid

from fastapi import status

from cg_committee.routing import Write, aggregate_router
from cg_committee.votes import service
from cg_committee.votes.schemas import MotionCreate, MotionRead, VotesCreate, VotesRead
from cg_shared.deps import SessionDep

router = aggregate_router("meetings")


@router.post(
    "/v1/agenda-items/{item_id}/motions",
    status_code=status.HTTP_201_CREATED,
    response_model=MotionRead,
    tags=["votes"],
    summary="Put a motion to the vote (optional: votes open a default 'adopt as proposed' motion)",
)
async def open_motion(item_id: uuid.UUID, motion_in: MotionCreate, write: Write) -> MotionRead:
    return await write.run(service.open_motion(**write.caller, item_id=str(item_id), motion_in=motion_in))


@router.get(
    "/v1/agenda-items/{item_id}/motions",
    response_model=list[MotionRead],
    tags=["votes"],
    summary="Motions on an item with their named votes",
)
async def list_motions(item_id: uuid.UUID, session: SessionDep) -> list[MotionRead]:
    return await service.list_motions(session=session, item_id=str(item_id))


@router.get(
    "/v1/motions/{motion_id}", response_model=MotionRead, tags=["votes"], summary="One motion with its votes"
)
async def get_motion(motion_id: uuid.UUID, session: SessionDep) -> MotionRead:
    return await service.get_motion(session=session, motion_id=str(motion_id))


_VOTES_DOC = (
    "Named votes (yes / no / abstain) recorded by the secretariat. A committee_member may cast only "
    "their own vote (token `sub` = the member's `user_sub`, same borough). Voters must be recorded as "
    "present (409 `voter_present`). A recused member's vote is recorded with a warning and makes the "
    "decision invalid. Re-sending a member's vote before the decision replaces it."
)


@router.post(
    "/v1/agenda-items/{item_id}/votes",
    response_model=VotesRead,
    tags=["votes"],
    summary="Record named votes on the item's open motion",
    description=_VOTES_DOC,
)
async def cast_votes_on_item(item_id: uuid.UUID, votes_in: VotesCreate, write: Write) -> VotesRead:
    return await write.run(service.cast_votes(**write.caller, votes_in=votes_in, item_id=str(item_id)))


@router.post(
    "/v1/motions/{motion_id}/votes",
    response_model=VotesRead,
    tags=["votes"],
    summary="Record named votes on a motion",
    description=_VOTES_DOC,
)
async def cast_votes_on_motion(motion_id: uuid.UUID, votes_in: VotesCreate, write: Write) -> VotesRead:
    return await write.run(service.cast_votes(**write.caller, votes_in=votes_in, motion_id=str(motion_id)))
