"""HTTP routes for meetings, agenda items, attendance, motions, votes, decisions, minutes, calendar."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from cg_committee.meetings import service
from cg_committee.meetings.schemas import (
    AgendaItemCreate,
    AgendaItemRead,
    AgendaItemUpdate,
    AgendaStatus,
    AttendanceRead,
    AttendanceUpdate,
    DecisionCreate,
    DecisionRead,
    MeetingCreate,
    MeetingRead,
    MeetingStatus,
    MeetingUpdate,
    MinutesRead,
    MinutesStatus,
    MinutesWrite,
    MotionCreate,
    MotionRead,
    VotesCreate,
    VotesRead,
)
from cg_shared.auth import CurrentPrincipal, OptionalPrincipal
from cg_shared.deps import SessionDep
from cg_shared.http import PROBLEM_RESPONSES, IfMatchHeader, Page, PageParams, etag_for, page_params

router = APIRouter(tags=["meetings"], responses=PROBLEM_RESPONSES)

_PLACEMENT = (
    "Pending agenda items of the committee (including plans submitted through planning while no "
    "meeting was scheduled) join the committee's next meeting: the earliest scheduled one starting now or later."
)


# --- meetings --------------------------------------------------------------------------------


@router.post(
    "/v1/committees/{committee_id}/meetings",
    status_code=status.HTTP_201_CREATED,
    response_model=MeetingRead,
    summary="Schedule a meeting with its public notice date",
    description=_PLACEMENT,
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


# --- agenda items ----------------------------------------------------------------------------


@router.post(
    "/v1/meetings/{meeting_id}/agenda-items",
    status_code=status.HTTP_201_CREATED,
    response_model=AgendaItemRead,
    tags=["agenda"],
    summary="Put an item on a meeting's agenda",
)
async def add_agenda_item(
    meeting_id: uuid.UUID,
    item_in: AgendaItemCreate,
    principal: CurrentPrincipal,
    session: SessionDep,
    response: Response,
) -> AgendaItemRead:
    async with session.begin():
        item = await service.add_agenda_item(
            session=session, principal=principal, meeting_id=str(meeting_id), item_in=item_in
        )
    response.headers["ETag"] = etag_for(item.version)
    return item


@router.get(
    "/v1/meetings/{meeting_id}/agenda-items",
    response_model=list[AgendaItemRead],
    tags=["agenda"],
    summary="A meeting's agenda, in order, with recusals",
)
async def list_meeting_agenda(meeting_id: uuid.UUID, session: SessionDep) -> list[AgendaItemRead]:
    return await service.list_meeting_agenda(session=session, meeting_id=str(meeting_id))


@router.post(
    "/v1/committees/{committee_id}/agenda-items",
    status_code=status.HTTP_201_CREATED,
    response_model=AgendaItemRead,
    tags=["agenda"],
    summary="Add an item for the committee's next meeting (pending while none is scheduled)",
    description=_PLACEMENT,
)
async def add_pending_agenda_item(
    committee_id: uuid.UUID,
    item_in: AgendaItemCreate,
    principal: CurrentPrincipal,
    session: SessionDep,
    response: Response,
) -> AgendaItemRead:
    async with session.begin():
        item = await service.add_pending_agenda_item(
            session=session, principal=principal, committee_id=str(committee_id), item_in=item_in
        )
    response.headers["ETag"] = etag_for(item.version)
    return item


@router.get(
    "/v1/committees/{committee_id}/agenda-items",
    response_model=Page[AgendaItemRead],
    tags=["agenda"],
    summary="A committee's agenda items (e.g. ?status=pending)",
)
async def list_committee_agenda(
    committee_id: uuid.UUID,
    session: SessionDep,
    page: Annotated[PageParams, Depends(page_params)],
    item_status: Annotated[AgendaStatus | None, Query(alias="status")] = None,
) -> Page[AgendaItemRead]:
    return await service.list_committee_agenda(
        session=session, committee_id=str(committee_id), status=item_status, page=page
    )


@router.get(
    "/v1/agenda-items/{item_id}", response_model=AgendaItemRead, tags=["agenda"], summary="One agenda item"
)
async def get_agenda_item(item_id: uuid.UUID, session: SessionDep, response: Response) -> AgendaItemRead:
    item = await service.get_agenda_item(session=session, item_id=str(item_id))
    response.headers["ETag"] = etag_for(item.version)
    return item


@router.patch(
    "/v1/agenda-items/{item_id}",
    response_model=AgendaItemRead,
    tags=["agenda"],
    summary="Edit, reorder, move to another meeting or withdraw an item (If-Match)",
)
async def update_agenda_item(
    item_id: uuid.UUID,
    item_in: AgendaItemUpdate,
    principal: CurrentPrincipal,
    session: SessionDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> AgendaItemRead:
    async with session.begin():
        item = await service.update_agenda_item(
            session=session, principal=principal, item_id=str(item_id), item_in=item_in, if_match=if_match
        )
    response.headers["ETag"] = etag_for(item.version)
    return item


# --- motions and votes -----------------------------------------------------------------------


@router.post(
    "/v1/agenda-items/{item_id}/motions",
    status_code=status.HTTP_201_CREATED,
    response_model=MotionRead,
    tags=["votes"],
    summary="Put a motion to the vote (optional: votes open a default 'adopt as proposed' motion)",
)
async def open_motion(
    item_id: uuid.UUID, motion_in: MotionCreate, principal: CurrentPrincipal, session: SessionDep
) -> MotionRead:
    async with session.begin():
        return await service.open_motion(
            session=session, principal=principal, item_id=str(item_id), motion_in=motion_in
        )


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
async def cast_votes_on_item(
    item_id: uuid.UUID, votes_in: VotesCreate, principal: CurrentPrincipal, session: SessionDep
) -> VotesRead:
    async with session.begin():
        return await service.cast_votes(
            session=session, principal=principal, votes_in=votes_in, item_id=str(item_id)
        )


@router.post(
    "/v1/motions/{motion_id}/votes",
    response_model=VotesRead,
    tags=["votes"],
    summary="Record named votes on a motion",
    description=_VOTES_DOC,
)
async def cast_votes_on_motion(
    motion_id: uuid.UUID, votes_in: VotesCreate, principal: CurrentPrincipal, session: SessionDep
) -> VotesRead:
    async with session.begin():
        return await service.cast_votes(
            session=session, principal=principal, votes_in=votes_in, motion_id=str(motion_id)
        )


# --- decisions -------------------------------------------------------------------------------


@router.post(
    "/v1/meetings/{meeting_id}/decisions",
    status_code=status.HTTP_201_CREATED,
    response_model=DecisionRead,
    tags=["decisions"],
    summary="Close the vote and record the decision with its computed validity",
    description="Valid only with quorum at voted_at, votes only by present seated members and no recused "
    "member voting; the outcome follows the majority required for the subject kind. Emits decision.recorded.",
)
async def record_decision(
    meeting_id: uuid.UUID,
    decision_in: DecisionCreate,
    principal: CurrentPrincipal,
    session: SessionDep,
    request: Request,
    response: Response,
) -> DecisionRead:
    async with session.begin():
        decision = await service.record_decision(
            session=session, principal=principal, meeting_id=str(meeting_id), decision_in=decision_in
        )
    response.headers["Location"] = str(request.url_for("get_decision", decision_id=decision.id))
    return decision


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


# --- minutes ---------------------------------------------------------------------------------


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
    response.headers["ETag"] = etag_for(minutes.version)
    return minutes


@router.post(
    "/v1/meetings/{meeting_id}/minutes",
    status_code=status.HTTP_201_CREATED,
    response_model=MinutesRead,
    tags=["minutes"],
    summary="Start the minutes as a draft",
)
async def create_minutes(
    meeting_id: uuid.UUID,
    minutes_in: MinutesWrite,
    principal: CurrentPrincipal,
    session: SessionDep,
    response: Response,
) -> MinutesRead:
    async with session.begin():
        minutes = await service.create_minutes(
            session=session, principal=principal, meeting_id=str(meeting_id), minutes_in=minutes_in
        )
    response.headers["ETag"] = etag_for(minutes.version)
    return minutes


@router.put(
    "/v1/meetings/{meeting_id}/minutes",
    response_model=MinutesRead,
    tags=["minutes"],
    summary="Edit the draft minutes (If-Match)",
)
async def update_minutes(
    meeting_id: uuid.UUID,
    minutes_in: MinutesWrite,
    principal: CurrentPrincipal,
    session: SessionDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> MinutesRead:
    async with session.begin():
        minutes = await service.update_minutes(
            session=session,
            principal=principal,
            meeting_id=str(meeting_id),
            minutes_in=minutes_in,
            if_match=if_match,
        )
    response.headers["ETag"] = etag_for(minutes.version)
    return minutes


@router.post(
    "/v1/meetings/{meeting_id}/minutes/approval",
    response_model=MinutesRead,
    tags=["minutes"],
    summary="Approve the draft minutes (the meeting must have been held)",
)
async def approve_minutes(
    meeting_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep
) -> MinutesRead:
    async with session.begin():
        return await service.advance_minutes(
            session=session, principal=principal, meeting_id=str(meeting_id), to=MinutesStatus.APPROVED
        )


@router.post(
    "/v1/meetings/{meeting_id}/minutes/publication",
    response_model=MinutesRead,
    tags=["minutes"],
    summary="Publish approved minutes (then readable without a token)",
)
async def publish_minutes(
    meeting_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep
) -> MinutesRead:
    async with session.begin():
        return await service.advance_minutes(
            session=session, principal=principal, meeting_id=str(meeting_id), to=MinutesStatus.PUBLISHED
        )


# --- calendar --------------------------------------------------------------------------------


@router.get(
    "/v1/committees/{committee_id}/calendar.ics",
    tags=["meetings"],
    summary="iCalendar feed of the committee's meetings (Asia/Seoul)",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}, "description": "RFC 5545 calendar"}},
)
async def committee_calendar(committee_id: uuid.UUID, session: SessionDep) -> Response:
    body = await service.calendar_ics(session=session, committee_id=str(committee_id))
    return Response(
        content=body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": 'inline; filename="committee.ics"'},
    )
