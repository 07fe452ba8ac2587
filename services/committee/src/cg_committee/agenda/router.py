"""HTTP routes for agenda items."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Query, Response, status

from cg_committee.agenda import placement, service
from cg_committee.agenda.schemas import (
    AgendaItemCreate,
    AgendaItemRead,
    AgendaItemUpdate,
    AgendaStatus,
)
from cg_committee.routing import Write, aggregate_router, with_etag
from cg_shared.deps import SessionDep
from cg_shared.http import IfMatchHeader, Page, PageParams, page_params

router = aggregate_router("meetings")


@router.post(
    "/v1/meetings/{meeting_id}/agenda-items",
    status_code=status.HTTP_201_CREATED,
    response_model=AgendaItemRead,
    tags=["agenda"],
    summary="Put an item on a meeting's agenda",
)
async def add_agenda_item(meeting_id: uuid.UUID, item_in: AgendaItemCreate, write: Write) -> AgendaItemRead:
    return await write.versioned(
        service.add_agenda_item(**write.caller, meeting_id=str(meeting_id), item_in=item_in)
    )


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
    description=placement.PLACEMENT_DOC,
)
async def add_pending_agenda_item(
    committee_id: uuid.UUID, item_in: AgendaItemCreate, write: Write
) -> AgendaItemRead:
    return await write.versioned(
        service.add_pending_agenda_item(**write.caller, committee_id=str(committee_id), item_in=item_in)
    )


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
    return with_etag(response, await service.get_agenda_item(session=session, item_id=str(item_id)))


@router.patch(
    "/v1/agenda-items/{item_id}",
    response_model=AgendaItemRead,
    tags=["agenda"],
    summary="Edit, reorder, move to another meeting or withdraw an item (If-Match)",
)
async def update_agenda_item(
    item_id: uuid.UUID, item_in: AgendaItemUpdate, write: Write, if_match: IfMatchHeader = None
) -> AgendaItemRead:
    return await write.versioned(
        service.update_agenda_item(**write.caller, item_id=str(item_id), item_in=item_in, if_match=if_match)
    )
