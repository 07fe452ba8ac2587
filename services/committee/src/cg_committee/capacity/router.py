"""HTTP routes of capacity building: activities with participants, support organisations."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, status

from cg_committee.capacity import service
from cg_committee.capacity.schemas import (
    ActivityCreate,
    ActivityRead,
    OrganisationCreate,
    OrganisationRead,
    ParticipantsAdd,
)
from cg_committee.routing import Write
from cg_shared.auth import OptionalPrincipal
from cg_shared.deps import SessionDep
from cg_shared.fields import NO_CONTROL_PATTERN, SGG_CODE_PATTERN
from cg_shared.http import PROBLEM_RESPONSES, Page, PageParams, page_params

router = APIRouter(prefix="/v1/capacity", tags=["capacity"], responses=PROBLEM_RESPONSES)

SggQuery = Annotated[str | None, Query(pattern=SGG_CODE_PATTERN, description="Only this borough")]
IdPath = Annotated[str, Path(max_length=36, pattern=NO_CONTROL_PATTERN)]


@router.post(
    "/activities",
    status_code=status.HTTP_201_CREATED,
    response_model=ActivityRead,
    summary="Record a training or education activity that took place (secretariat / borough officer)",
)
async def create_activity(activity_in: ActivityCreate, write: Write) -> ActivityRead:
    return await write.run(service.create_activity(**write.caller, activity_in=activity_in))


@router.get("/activities", response_model=Page[ActivityRead], summary="Capacity-building activities (public)")
async def list_activities(
    session: SessionDep,
    page: Annotated[PageParams, Depends(page_params)],
    sgg_code: SggQuery = None,
    held_from: Annotated[date | None, Query(description="Held on or after (Seoul date)")] = None,
    held_to: Annotated[date | None, Query(description="Held on or before (Seoul date)")] = None,
) -> Page[ActivityRead]:
    return await service.list_activities(
        session=session, sgg_code=sgg_code, held_from=held_from, held_to=held_to, page=page
    )


@router.get(
    "/activities/{activity_id}",
    response_model=ActivityRead,
    summary="One activity with its participants (names for the borough's secretariat only)",
)
async def get_activity(
    activity_id: IdPath, session: SessionDep, principal: OptionalPrincipal
) -> ActivityRead:
    return await service.get_activity(session=session, principal=principal, activity_id=activity_id)


@router.post(
    "/activities/{activity_id}/participants",
    response_model=ActivityRead,
    summary="Add who took part and for how long (committee members by member_id, residents by name)",
)
async def add_participants(activity_id: IdPath, add_in: ParticipantsAdd, write: Write) -> ActivityRead:
    return await write.run(service.add_participants(**write.caller, activity_id=activity_id, add_in=add_in))


@router.post(
    "/support-organisations",
    status_code=status.HTTP_201_CREATED,
    response_model=OrganisationRead,
    summary="Register a CG support organisation (중간지원조직) of a borough",
)
async def create_organisation(org_in: OrganisationCreate, write: Write) -> OrganisationRead:
    return await write.run(service.create_organisation(**write.caller, org_in=org_in))


@router.get(
    "/support-organisations",
    response_model=list[OrganisationRead],
    summary="CG support organisations, per borough (public)",
)
async def list_organisations(session: SessionDep, sgg_code: SggQuery = None) -> list[OrganisationRead]:
    return await service.list_organisations(session=session, sgg_code=sgg_code)
