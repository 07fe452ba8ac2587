"""HTTP routes for meetings and their attendance."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Query, Response, status

from cg_committee.agenda import placement
from cg_committee.meetings import service
from cg_committee.meetings.schemas import (
    AttendanceRead,
    AttendanceUpdate,
    MeetingCreate,
    MeetingRead,
    MeetingStatus,
    MeetingUpdate,
)
from cg_committee.routing import Write, aggregate_router, with_etag
from cg_shared.deps import SessionDep
from cg_shared.http import IfMatchHeader, Page, PageParams, page_params

router = aggregate_router("meetings")


@router.post(
    "/v1/committees/{committee_id}/meetings",
    status_code=status.HTTP_201_CREATED,
    response_model=MeetingRead,
    summary="Schedule a meeting with its public notice date",
    description=placement.PLACEMENT_DOC,
)
async def schedule_meeting(committee_id: uuid.UUID, meeting_in: MeetingCreate, write: Write) -> MeetingRead:
    meeting = await write.versioned(
        service.schedule(**write.caller, committee_id=str(committee_id), meeting_in=meeting_in)
    )
    return write.located(meeting, "get_meeting", "meeting_id")


@router.get(
    "/v1/committees/{committee_id}/meetings", response_model=Page[MeetingRead], summary="Meetings by start"
)
async def list_meetings(
    committee_id: uuid.UUID,
    session: SessionDep,
    page: Annotated[PageParams, Depends(page_params)],
    meeting_status: Annotated[MeetingStatus | None, Query(alias="status")] = None,
) -> Page[MeetingRead]:
    return await service.list_meetings(
        session=session, committee_id=str(committee_id), status=meeting_status, page=page
    )


@router.get("/v1/meetings/{meeting_id}", response_model=MeetingRead, summary="One meeting")
async def get_meeting(meeting_id: uuid.UUID, session: SessionDep, response: Response) -> MeetingRead:
    return with_etag(response, await service.get_meeting(session=session, meeting_id=str(meeting_id)))


@router.patch(
    "/v1/meetings/{meeting_id}",
    response_model=MeetingRead,
    summary="Reschedule, or mark the meeting held / cancelled (If-Match)",
    description="status=held emits meeting.held; status=cancelled moves its open items to the next meeting.",
)
async def update_meeting(
    meeting_id: uuid.UUID, meeting_in: MeetingUpdate, write: Write, if_match: IfMatchHeader = None
) -> MeetingRead:
    return await write.versioned(
        service.update_meeting(
            **write.caller, meeting_id=str(meeting_id), meeting_in=meeting_in, if_match=if_match
        )
    )


@router.get(
    "/v1/meetings/{meeting_id}/attendance", response_model=AttendanceRead, summary="Attendance and quorum"
)
async def get_attendance(meeting_id: uuid.UUID, session: SessionDep, response: Response) -> AttendanceRead:
    return with_etag(response, await service.get_attendance(session=session, meeting_id=str(meeting_id)))


@router.put(
    "/v1/meetings/{meeting_id}/attendance",
    response_model=AttendanceRead,
    summary="Record the attendance list (If-Match: the meeting's ETag)",
    description="409 `proxy_allowed` when a proxy is recorded and the ordinance does not allow proxies.",
)
async def put_attendance(
    meeting_id: uuid.UUID, attendance_in: AttendanceUpdate, write: Write, if_match: IfMatchHeader = None
) -> AttendanceRead:
    return await write.versioned(
        service.put_attendance(
            **write.caller, meeting_id=str(meeting_id), attendance_in=attendance_in, if_match=if_match
        )
    )
