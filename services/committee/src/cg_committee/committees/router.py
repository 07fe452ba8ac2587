"""HTTP routes for committees and their ordinance versions: translate, call one service function."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from cg_committee.committees import service
from cg_committee.committees.schemas import (
    CommitteeCreate,
    CommitteeRead,
    CommitteeUpdate,
    OrdinanceCreate,
    OrdinanceRead,
)
from cg_committee.common import SaneDate, SggCode
from cg_committee.routing import Write, with_etag
from cg_shared.deps import SessionDep
from cg_shared.http import PROBLEM_RESPONSES, IfMatchHeader, Page, PageParams, page_params

router = APIRouter(prefix="/v1/committees", tags=["committees"], responses=PROBLEM_RESPONSES)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=CommitteeRead,
    summary="Establish a borough's committee (one per borough)",
    description="Creates the committee with its first ordinance version (defaults from the model ordinance). "
    "A second committee for the same borough is refused with 409 `committee-exists`.",
)
async def establish_committee(committee_in: CommitteeCreate, write: Write) -> CommitteeRead:
    committee = await write.versioned(service.establish(**write.caller, committee_in=committee_in))
    return write.located(committee, "get_committee", "committee_id")


@router.get("", response_model=Page[CommitteeRead], summary="Committees (filter by borough: ?sgg_code=11200)")
async def list_committees(
    session: SessionDep,
    page: Annotated[PageParams, Depends(page_params)],
    sgg_code: Annotated[SggCode | None, Query()] = None,
) -> Page[CommitteeRead]:
    return await service.list_committees(session=session, sgg_code=sgg_code, page=page)


@router.get(
    "/{committee_id}", response_model=CommitteeRead, summary="One committee with its ordinance in force"
)
async def get_committee(committee_id: uuid.UUID, session: SessionDep, response: Response) -> CommitteeRead:
    return with_etag(response, await service.get(session=session, committee_id=str(committee_id)))


@router.patch(
    "/{committee_id}", response_model=CommitteeRead, summary="Rename or describe a committee (If-Match)"
)
async def update_committee(
    committee_id: uuid.UUID, committee_in: CommitteeUpdate, write: Write, if_match: IfMatchHeader = None
) -> CommitteeRead:
    return await write.versioned(
        service.update(
            **write.caller, committee_id=str(committee_id), committee_in=committee_in, if_match=if_match
        )
    )


@router.post(
    "/{committee_id}/ordinances",
    status_code=status.HTTP_201_CREATED,
    response_model=OrdinanceRead,
    summary="Add an ordinance version (in force from effective_from)",
    description="The rules in force on a date are those of the latest version with effective_from ≤ that date.",
)
async def add_ordinance_version(
    committee_id: uuid.UUID, ordinance_in: OrdinanceCreate, write: Write
) -> OrdinanceRead:
    return await write.run(
        service.add_ordinance_version(
            **write.caller, committee_id=str(committee_id), ordinance_in=ordinance_in
        )
    )


@router.get(
    "/{committee_id}/ordinances", response_model=list[OrdinanceRead], summary="Every ordinance version"
)
async def list_ordinances(committee_id: uuid.UUID, session: SessionDep) -> list[OrdinanceRead]:
    return await service.list_ordinances(session=session, committee_id=str(committee_id))


@router.get(
    "/{committee_id}/ordinances/in-force",
    response_model=OrdinanceRead,
    summary="The ordinance in force on a date",
)
async def ordinance_in_force(
    committee_id: uuid.UUID,
    session: SessionDep,
    on: Annotated[SaneDate | None, Query(description="Default: today (Asia/Seoul)")] = None,
) -> OrdinanceRead:
    return await service.ordinance_in_force(session=session, committee_id=str(committee_id), on=on)
