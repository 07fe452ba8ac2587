"""HTTP routes for members, co-chairs, composition and the term sweep."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import Depends, Query, Response, status

from cg_committee.common import SaneDate
from cg_committee.members import service, terms
from cg_committee.members.schemas import (
    CoChairsRead,
    CoChairsUpdate,
    CompositionRead,
    DepartureCreate,
    MemberCreate,
    MemberRead,
    MemberUpdate,
    RenewalCreate,
    TermSweepRead,
)
from cg_committee.routing import Write, aggregate_router, with_etag
from cg_shared.auth import OptionalPrincipal
from cg_shared.deps import SessionDep
from cg_shared.http import IfMatchHeader, Page, PageParams, page_params

router = aggregate_router("members")


@router.post(
    "/v1/committees/{committee_id}/members",
    status_code=status.HTTP_201_CREATED,
    response_model=MemberRead,
    summary="Appoint a member to a seat",
    description=service.RULE_409_DOC
    + " Give replaces_member_id to replace a member (they leave on the new term_start).",
)
async def appoint_member(committee_id: uuid.UUID, member_in: MemberCreate, write: Write) -> MemberRead:
    member = await write.versioned(
        service.appoint(**write.caller, committee_id=str(committee_id), member_in=member_in)
    )
    return write.located(member, "get_member", "member_id")


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
    return with_etag(
        response, await service.get(session=session, principal=principal, member_id=str(member_id))
    )


@router.patch(
    "/v1/members/{member_id}", response_model=MemberRead, summary="Correct a member's details (If-Match)"
)
async def update_member(
    member_id: uuid.UUID, member_in: MemberUpdate, write: Write, if_match: IfMatchHeader = None
) -> MemberRead:
    return await write.versioned(
        service.update(**write.caller, member_id=str(member_id), member_in=member_in, if_match=if_match)
    )


@router.post(
    "/v1/members/{member_id}/renewals",
    response_model=MemberRead,
    summary="Renew a member's term",
    description="409 `max_renewals` when the ordinance's renewal limit is reached; emits member.appointed.",
)
async def renew_member(member_id: uuid.UUID, renewal_in: RenewalCreate, write: Write) -> MemberRead:
    return await write.versioned(
        service.renew(**write.caller, member_id=str(member_id), renewal_in=renewal_in)
    )


@router.post(
    "/v1/members/{member_id}/departure",
    response_model=MemberRead,
    summary="Record that a member left (resigned, dismissed …); the seat becomes vacant",
)
async def record_departure(member_id: uuid.UUID, departure_in: DepartureCreate, write: Write) -> MemberRead:
    return await write.versioned(
        service.record_departure(**write.caller, member_id=str(member_id), departure_in=departure_in)
    )


@router.put(
    "/v1/committees/{committee_id}/co-chairs",
    response_model=CoChairsRead,
    summary="Designate the co-chairs (If-Match: the committee's ETag)",
    description="409 `co_chairs` (too many) or `civilian_co_chair` (a full set without a civilian).",
)
async def set_co_chairs(
    committee_id: uuid.UUID, co_chairs_in: CoChairsUpdate, write: Write, if_match: IfMatchHeader = None
) -> CoChairsRead:
    return await write.versioned(
        service.set_co_chairs(
            **write.caller, committee_id=str(committee_id), co_chairs_in=co_chairs_in, if_match=if_match
        )
    )


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
    return await terms.composition(
        session=session, principal=principal, committee_id=str(committee_id), as_of=as_of
    )


@router.post(
    "/v1/committees/{committee_id}/term-sweep",
    response_model=TermSweepRead,
    summary="Report ended terms now (emits member.term_ended once per term)",
    description="The same sweep runs periodically in the background; running it again reports nothing twice.",
)
async def term_sweep(committee_id: uuid.UUID, write: Write) -> TermSweepRead:
    return await write.run(
        terms.term_sweep(session=write.session, actor=write.principal, committee_id=str(committee_id))
    )
