"""HTTP routes for minutes."""

from __future__ import annotations

import uuid

from fastapi import Response, status

from cg_committee.minutes import service
from cg_committee.minutes.schemas import MinutesRead, MinutesStatus, MinutesWrite
from cg_committee.routing import Write, aggregate_router, with_etag
from cg_shared.auth import OptionalPrincipal
from cg_shared.deps import SessionDep
from cg_shared.http import IfMatchHeader

router = aggregate_router("meetings")


@router.get(
    "/v1/meetings/{meeting_id}/minutes",
    response_model=MinutesRead,
    tags=["minutes"],
    summary="Minutes (public once published; drafts for the secretariat)",
)
async def get_minutes(
    meeting_id: uuid.UUID, session: SessionDep, principal: OptionalPrincipal, response: Response
) -> MinutesRead:
    minutes = await service.get_minutes(session=session, principal=principal, meeting_id=str(meeting_id))
    return with_etag(response, minutes)


@router.post(
    "/v1/meetings/{meeting_id}/minutes",
    status_code=status.HTTP_201_CREATED,
    response_model=MinutesRead,
    tags=["minutes"],
    summary="Start the minutes as a draft",
)
async def create_minutes(meeting_id: uuid.UUID, minutes_in: MinutesWrite, write: Write) -> MinutesRead:
    return await write.versioned(
        service.create_minutes(**write.caller, meeting_id=str(meeting_id), minutes_in=minutes_in)
    )


@router.put(
    "/v1/meetings/{meeting_id}/minutes",
    response_model=MinutesRead,
    tags=["minutes"],
    summary="Edit the draft minutes (If-Match)",
)
async def update_minutes(
    meeting_id: uuid.UUID, minutes_in: MinutesWrite, write: Write, if_match: IfMatchHeader = None
) -> MinutesRead:
    return await write.versioned(
        service.update_minutes(
            **write.caller, meeting_id=str(meeting_id), minutes_in=minutes_in, if_match=if_match
        )
    )


async def _advance(write: Write, meeting_id: uuid.UUID, to: MinutesStatus) -> MinutesRead:
    return await write.run(service.advance_minutes(**write.caller, meeting_id=str(meeting_id), to=to))


@router.post(
    "/v1/meetings/{meeting_id}/minutes/approval",
    response_model=MinutesRead,
    tags=["minutes"],
    summary="Approve the draft minutes (the meeting must have been held)",
)
async def approve_minutes(meeting_id: uuid.UUID, write: Write) -> MinutesRead:
    return await _advance(write, meeting_id, MinutesStatus.APPROVED)


@router.post(
    "/v1/meetings/{meeting_id}/minutes/publication",
    response_model=MinutesRead,
    tags=["minutes"],
    summary="Publish approved minutes (then readable without a token)",
)
async def publish_minutes(meeting_id: uuid.UUID, write: Write) -> MinutesRead:
    return await _advance(write, meeting_id, MinutesStatus.PUBLISHED)
