"""HTTP routes for open-call applications."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Query, status

from cg_committee.applications import service
from cg_committee.applications.schemas import (
    ApplicationAppointment,
    ApplicationCreate,
    ApplicationRead,
    ApplicationStatus,
)
from cg_committee.members import service as member_service
from cg_committee.members.schemas import (
    MemberRead,
)
from cg_committee.routing import Write, aggregate_router
from cg_shared.auth import CurrentPrincipal
from cg_shared.deps import SessionDep
from cg_shared.http import Page, PageParams, page_params

router = aggregate_router("members")


@router.post(
    "/v1/committees/{committee_id}/applications",
    status_code=status.HTTP_201_CREATED,
    response_model=ApplicationRead,
    tags=["open calls"],
    summary="Apply for an open-call civilian seat (resident token)",
)
async def apply_for_seat(
    committee_id: uuid.UUID, application_in: ApplicationCreate, write: Write
) -> ApplicationRead:
    return await write.run(
        service.apply(**write.caller, committee_id=str(committee_id), application_in=application_in)
    )


@router.get(
    "/v1/committees/{committee_id}/applications",
    response_model=Page[ApplicationRead],
    tags=["open calls"],
    summary="Applications (the borough's secretariat)",
)
async def list_applications(
    committee_id: uuid.UUID,
    principal: CurrentPrincipal,
    session: SessionDep,
    page: Annotated[PageParams, Depends(page_params)],
    application_status: Annotated[ApplicationStatus | None, Query(alias="status")] = None,
) -> Page[ApplicationRead]:
    return await service.list_applications(
        session=session,
        principal=principal,
        committee_id=str(committee_id),
        status=application_status,
        page=page,
    )


@router.get(
    "/v1/applications/{application_id}",
    response_model=ApplicationRead,
    tags=["open calls"],
    summary="One application (the applicant or the secretariat)",
)
async def get_application(
    application_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep
) -> ApplicationRead:
    return await service.get_application(
        session=session, principal=principal, application_id=str(application_id)
    )


@router.post(
    "/v1/applications/{application_id}/shortlist",
    response_model=ApplicationRead,
    tags=["open calls"],
    summary="Shortlist an application",
)
async def shortlist_application(application_id: uuid.UUID, write: Write) -> ApplicationRead:
    return await write.run(service.shortlist(**write.caller, application_id=str(application_id)))


@router.post(
    "/v1/applications/{application_id}/rejection",
    response_model=ApplicationRead,
    tags=["open calls"],
    summary="Reject an application",
)
async def reject_application(application_id: uuid.UUID, write: Write) -> ApplicationRead:
    return await write.run(service.reject(**write.caller, application_id=str(application_id)))


@router.post(
    "/v1/applications/{application_id}/appointment",
    status_code=status.HTTP_201_CREATED,
    response_model=MemberRead,
    tags=["open calls"],
    summary="Appoint a shortlisted applicant to a civilian_open_call seat",
    description=member_service.RULE_409_DOC,
)
async def appoint_applicant(
    application_id: uuid.UUID, appointment_in: ApplicationAppointment, write: Write
) -> MemberRead:
    return await write.versioned(
        service.appoint_applicant(
            **write.caller, application_id=str(application_id), appointment_in=appointment_in
        )
    )
