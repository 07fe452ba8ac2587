"""HTTP route of the committee's iCalendar feed."""

from __future__ import annotations

import uuid

from fastapi import Response

from cg_committee.meetings import calendar as service
from cg_committee.routing import aggregate_router
from cg_shared.deps import SessionDep

router = aggregate_router("meetings")


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
