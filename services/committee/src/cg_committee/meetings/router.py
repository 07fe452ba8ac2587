"""HTTP routes for meetings and their attendance."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Query, Request, Response, status

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
from cg_committee.routing import aggregate_router
from cg_shared.auth import CurrentPrincipal
from cg_shared.deps import SessionDep
from cg_shared.http import IfMatchHeader, Page, PageParams, etag_for, page_params

router = aggregate_router("meetings")


@router.post(
    "/v1/committees/{committee_id}/meetings",
    status_code=status.HTTP_201_CREATED,
    response_model=MeetingRead,
    summary="Schedule a meeting with its public notice date",
    description=placement.PLACEMENT_DOC,
)
async def schedule_meeting(
    committee_id: uuid.UUID,
    meeting_in: MeetingCreate,
    principal: CurrentPrincipal,
    session: SessionDep,
    request: Request,
    response: Response,
) -> MeetingRead:
    async with session.begin():
        meeting = await service.schedule(
            session=session, principal=principal, committee_id=str(committee_id), meeting_in=meeting_in
        )
    response.headers["Location"] = str(request.url_for("get_meeting", meeting_id=meeting.id))
    response.headers["ETag"] = etag_for(meeting.version)
    return meeting


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
    meeting = await service.get_meeting(session=session, meeting_id=str(meeting_id))
    response.headers["ETag"] = etag_for(meeting.version)
    return meeting


@router.patch(
    "/v1/meetings/{meeting_id}",
    response_model=MeetingRead,
    summary="Reschedule, or mark the meeting held / cancelled (If-Match)",
    description="status=held emits meeting.held; status=cancelled moves its open items to the next meeting.",
)
async def update_meeting(
    meeting_id: uuid.UUID,
    meeting_in: MeetingUpdate,
    principal: CurrentPrincipal,
    session: SessionDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> MeetingRead:
    async with session.begin():
        meeting = await service.update_meeting(
            session=session,
            principal=principal,
            meeting_id=str(meeting_id),
            meeting_in=meeting_in,
            if_match=if_match,
        )
    response.headers["ETag"] = etag_for(meeting.version)
    return meeting


@router.get(
    "/v1/meetings/{meeting_id}/attendance", response_model=AttendanceRead, summary="Attendance and quorum"
)
async def get_attendance(meeting_id: uuid.UUID, session: SessionDep, response: Response) -> AttendanceRead:
    attendance = await service.get_attendance(session=session, meeting_id=str(meeting_id))
    response.headers["ETag"] = etag_for(attendance.version)
    return attendance


@router.put(
    "/v1/meetings/{meeting_id}/attendance",
    response_model=AttendanceRead,
    summary="Record the attendance list (If-Match: the meeting's ETag)",
    description="409 `proxy_allowed` when a proxy is recorded and the ordinance does not allow proxies.",
)
async def put_attendance(
    meeting_id: uuid.UUID,
    attendance_in: AttendanceUpdate,
    principal: CurrentPrincipal,
    session: SessionDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> AttendanceRead:
    async with session.begin():
        attendance = await service.put_attendance(
            session=session,
            principal=principal,
            meeting_id=str(meeting_id),
            attendance_in=attendance_in,
            if_match=if_match,
        )
    response.headers["ETag"] = etag_for(attendance.version)
    return attendance
