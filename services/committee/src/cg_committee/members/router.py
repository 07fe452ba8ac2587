"""HTTP routes for members, co-chairs, composition, term sweep, open-call applications and working groups."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, status

from cg_committee.common import SaneDate
from cg_committee.members import service
from cg_committee.members.schemas import (
    ApplicationAppointment,
    ApplicationCreate,
    ApplicationRead,
    ApplicationStatus,
    CoChairsRead,
    CoChairsUpdate,
    CompositionRead,
    DepartureCreate,
    MemberCreate,
    MemberRead,
    MemberUpdate,
    RenewalCreate,
    TermSweepRead,
    WorkingGroupCreate,
    WorkingGroupMembership,
    WorkingGroupRead,
)
from cg_shared.auth import CurrentPrincipal, OptionalPrincipal
from cg_shared.deps import SessionDep
from cg_shared.http import PROBLEM_RESPONSES, IfMatchHeader, Page, PageParams, etag_for, page_params

router = APIRouter(tags=["members"], responses=PROBLEM_RESPONSES)

_RULE_409 = (
    "409 with `rule` (and type …/problems/rules/<rule>) when the appointment would break a hard rule: "
    "`size_cap`, `civilian_majority`, `term_length`."
)


@router.post(
    "/v1/committees/{committee_id}/members",
    status_code=status.HTTP_201_CREATED,
    response_model=MemberRead,
    summary="Appoint a member to a seat",
    description=_RULE_409
    + " Give replaces_member_id to replace a member (they leave on the new term_start).",
)
async def appoint_member(
    committee_id: uuid.UUID,
    member_in: MemberCreate,
    principal: CurrentPrincipal,
    session: SessionDep,
    request: Request,
    response: Response,
) -> MemberRead:
    async with session.begin():
        member = await service.appoint(
            session=session, principal=principal, committee_id=str(committee_id), member_in=member_in
        )
    response.headers["Location"] = str(request.url_for("get_member", member_id=member.id))
    response.headers["ETag"] = etag_for(member.version)
    return member


@router.get(
    "/v1/committees/{committee_id}/members",
    response_model=Page[MemberRead],
    summary="Members (public: names, seats, terms; contact only for the borough's secretariat)",
)
async def list_members(
    committee_id: uuid.UUID,
    session: SessionDep,
    principal: OptionalPrincipal,
    page: Annotated[PageParams, Depends(page_params)],
    member_status: Annotated[Literal["seated", "former", "all"], Query(alias="status")] = "seated",
    as_of: Annotated[SaneDate | None, Query(description="Default: today (Asia/Seoul)")] = None,
) -> Page[MemberRead]:
    return await service.list_members(
        session=session,
        principal=principal,
        committee_id=str(committee_id),
        status=member_status,
        as_of=as_of,
        page=page,
    )


@router.get("/v1/members/{member_id}", response_model=MemberRead, summary="One member")
async def get_member(
    member_id: uuid.UUID, session: SessionDep, principal: OptionalPrincipal, response: Response
) -> MemberRead:
    member = await service.get(session=session, principal=principal, member_id=str(member_id))
    response.headers["ETag"] = etag_for(member.version)
    return member


@router.patch(
    "/v1/members/{member_id}", response_model=MemberRead, summary="Correct a member's details (If-Match)"
)
async def update_member(
    member_id: uuid.UUID,
    member_in: MemberUpdate,
    principal: CurrentPrincipal,
    session: SessionDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> MemberRead:
    async with session.begin():
        member = await service.update(
            session=session,
            principal=principal,
            member_id=str(member_id),
            member_in=member_in,
            if_match=if_match,
        )
    response.headers["ETag"] = etag_for(member.version)
    return member


@router.post(
    "/v1/members/{member_id}/renewals",
    response_model=MemberRead,
    summary="Renew a member's term",
    description="409 `max_renewals` when the ordinance's renewal limit is reached; emits member.appointed.",
)
async def renew_member(
    member_id: uuid.UUID,
    renewal_in: RenewalCreate,
    principal: CurrentPrincipal,
    session: SessionDep,
    response: Response,
) -> MemberRead:
    async with session.begin():
        member = await service.renew(
            session=session, principal=principal, member_id=str(member_id), renewal_in=renewal_in
        )
    response.headers["ETag"] = etag_for(member.version)
    return member


@router.post(
    "/v1/members/{member_id}/departure",
    response_model=MemberRead,
    summary="Record that a member left (resigned, dismissed …); the seat becomes vacant",
)
async def record_departure(
    member_id: uuid.UUID,
    departure_in: DepartureCreate,
    principal: CurrentPrincipal,
    session: SessionDep,
    response: Response,
) -> MemberRead:
    async with session.begin():
        member = await service.record_departure(
            session=session, principal=principal, member_id=str(member_id), departure_in=departure_in
        )
    response.headers["ETag"] = etag_for(member.version)
    return member


@router.put(
    "/v1/committees/{committee_id}/co-chairs",
    response_model=CoChairsRead,
    summary="Designate the co-chairs (If-Match: the committee's ETag)",
    description="409 `co_chairs` (too many) or `civilian_co_chair` (a full set without a civilian).",
)
async def set_co_chairs(
    committee_id: uuid.UUID,
    co_chairs_in: CoChairsUpdate,
    principal: CurrentPrincipal,
    session: SessionDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> CoChairsRead:
    async with session.begin():
        result = await service.set_co_chairs(
            session=session,
            principal=principal,
            committee_id=str(committee_id),
            co_chairs_in=co_chairs_in,
            if_match=if_match,
        )
    response.headers["ETag"] = etag_for(result.version)
    return result


@router.get(
    "/v1/committees/{committee_id}/composition",
    response_model=CompositionRead,
    summary="Compliance with every composition rule, carry-overs and terms ending soon",
)
async def get_composition(
    committee_id: uuid.UUID,
    session: SessionDep,
    principal: OptionalPrincipal,
    as_of: Annotated[SaneDate | None, Query(description="Default: today (Asia/Seoul)")] = None,
) -> CompositionRead:
    return await service.composition(
        session=session, principal=principal, committee_id=str(committee_id), as_of=as_of
    )


@router.post(
    "/v1/committees/{committee_id}/term-sweep",
    response_model=TermSweepRead,
    summary="Report ended terms now (emits member.term_ended once per term)",
    description="The same sweep runs periodically in the background; running it again reports nothing twice.",
)
async def term_sweep(
    committee_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep
) -> TermSweepRead:
    async with session.begin():
        return await service.term_sweep(session=session, actor=principal, committee_id=str(committee_id))


# --- open-call applications ------------------------------------------------------------------


@router.post(
    "/v1/committees/{committee_id}/applications",
    status_code=status.HTTP_201_CREATED,
    response_model=ApplicationRead,
    tags=["open calls"],
    summary="Apply for an open-call civilian seat (resident token)",
)
async def apply_for_seat(
    committee_id: uuid.UUID,
    application_in: ApplicationCreate,
    principal: CurrentPrincipal,
    session: SessionDep,
) -> ApplicationRead:
    async with session.begin():
        return await service.apply(
            session=session,
            principal=principal,
            committee_id=str(committee_id),
            application_in=application_in,
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
async def shortlist_application(
    application_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep
) -> ApplicationRead:
    async with session.begin():
        return await service.shortlist(
            session=session, principal=principal, application_id=str(application_id)
        )


@router.post(
    "/v1/applications/{application_id}/rejection",
    response_model=ApplicationRead,
    tags=["open calls"],
    summary="Reject an application",
)
async def reject_application(
    application_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep
) -> ApplicationRead:
    async with session.begin():
        return await service.reject(session=session, principal=principal, application_id=str(application_id))


@router.post(
    "/v1/applications/{application_id}/appointment",
    status_code=status.HTTP_201_CREATED,
    response_model=MemberRead,
    tags=["open calls"],
    summary="Appoint a shortlisted applicant to a civilian_open_call seat",
    description=_RULE_409,
)
async def appoint_applicant(
    application_id: uuid.UUID,
    appointment_in: ApplicationAppointment,
    principal: CurrentPrincipal,
    session: SessionDep,
    response: Response,
) -> MemberRead:
    async with session.begin():
        member = await service.appoint_applicant(
            session=session,
            principal=principal,
            application_id=str(application_id),
            appointment_in=appointment_in,
        )
    response.headers["ETag"] = etag_for(member.version)
    return member


# --- working groups --------------------------------------------------------------------------


@router.post(
    "/v1/committees/{committee_id}/working-groups",
    status_code=status.HTTP_201_CREATED,
    response_model=WorkingGroupRead,
    tags=["working groups"],
    summary="Create a working group (분과)",
)
async def create_working_group(
    committee_id: uuid.UUID, group_in: WorkingGroupCreate, principal: CurrentPrincipal, session: SessionDep
) -> WorkingGroupRead:
    async with session.begin():
        return await service.create_working_group(
            session=session, principal=principal, committee_id=str(committee_id), group_in=group_in
        )


@router.get(
    "/v1/committees/{committee_id}/working-groups",
    response_model=list[WorkingGroupRead],
    tags=["working groups"],
    summary="Working groups of a committee",
)
async def list_working_groups(committee_id: uuid.UUID, session: SessionDep) -> list[WorkingGroupRead]:
    return await service.list_working_groups(session=session, committee_id=str(committee_id))


@router.get(
    "/v1/working-groups/{group_id}",
    response_model=WorkingGroupRead,
    tags=["working groups"],
    summary="One working group",
)
async def get_working_group(group_id: uuid.UUID, session: SessionDep) -> WorkingGroupRead:
    return await service.get_working_group(session=session, group_id=str(group_id))


@router.put(
    "/v1/working-groups/{group_id}/members/{member_id}",
    response_model=WorkingGroupRead,
    tags=["working groups"],
    summary="Add a member to a working group (or change their role)",
)
async def put_working_group_member(
    group_id: uuid.UUID,
    member_id: uuid.UUID,
    membership_in: WorkingGroupMembership,
    principal: CurrentPrincipal,
    session: SessionDep,
) -> WorkingGroupRead:
    async with session.begin():
        return await service.put_working_group_member(
            session=session,
            principal=principal,
            group_id=str(group_id),
            member_id=str(member_id),
            membership_in=membership_in,
        )


@router.delete(
    "/v1/working-groups/{group_id}/members/{member_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["working groups"],
    summary="Remove a member from a working group",
)
async def remove_working_group_member(
    group_id: uuid.UUID, member_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep
) -> Response:
    async with session.begin():
        await service.remove_working_group_member(
            session=session, principal=principal, group_id=str(group_id), member_id=str(member_id)
        )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
