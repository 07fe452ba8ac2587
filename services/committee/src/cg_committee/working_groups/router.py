"""HTTP routes for working groups."""

from __future__ import annotations

import uuid

from fastapi import Response, status

from cg_committee.routing import Write, aggregate_router
from cg_committee.working_groups import service
from cg_committee.working_groups.schemas import (
    WorkingGroupCreate,
    WorkingGroupMembership,
    WorkingGroupRead,
)
from cg_shared.deps import SessionDep

router = aggregate_router("members")


@router.post(
    "/v1/committees/{committee_id}/working-groups",
    status_code=status.HTTP_201_CREATED,
    response_model=WorkingGroupRead,
    tags=["working groups"],
    summary="Create a working group (분과)",
)
async def create_working_group(
    committee_id: uuid.UUID, group_in: WorkingGroupCreate, write: Write
) -> WorkingGroupRead:
    return await write.run(
        service.create_working_group(**write.caller, committee_id=str(committee_id), group_in=group_in)
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
    group_id: uuid.UUID, member_id: uuid.UUID, membership_in: WorkingGroupMembership, write: Write
) -> WorkingGroupRead:
    return await write.run(
        service.put_working_group_member(
            **write.caller, group_id=str(group_id), member_id=str(member_id), membership_in=membership_in
        )
    )


@router.delete(
    "/v1/working-groups/{group_id}/members/{member_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["working groups"],
    summary="Remove a member from a working group",
)
async def remove_working_group_member(group_id: uuid.UUID, member_id: uuid.UUID, write: Write) -> Response:
    await write.run(
        service.remove_working_group_member(**write.caller, group_id=str(group_id), member_id=str(member_id))
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
