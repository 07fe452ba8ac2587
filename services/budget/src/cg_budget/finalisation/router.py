"""HTTP routes of finalised allocations."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from cg_budget.finalisation import service
from cg_budget.finalisation.schemas import AllocationCreate, AllocationRead
from cg_shared.auth import CurrentPrincipal
from cg_shared.deps import SessionDep
from cg_shared.http import PROBLEM_RESPONSES

router = APIRouter(tags=["allocations"], responses=PROBLEM_RESPONSES)


@router.post(
    "/v1/cycles/{cycle_id}/allocations",
    status_code=status.HTTP_201_CREATED,
    response_model=AllocationRead,
    summary="Finalise an allocation (election outcome or officer list); 409 and nothing written on overspend",
)
async def finalise_allocation(
    cycle_id: str,
    allocation_in: AllocationCreate,
    principal: CurrentPrincipal,
    session: SessionDep,
    response: Response,
) -> AllocationRead:
    async with session.begin():
        allocation = await service.finalise(
            session=session, principal=principal, cycle_id=cycle_id, allocation_in=allocation_in
        )
    response.headers["Location"] = f"/v1/allocations/{allocation.id}"
    return allocation


@router.get(
    "/v1/cycles/{cycle_id}/allocations", response_model=list[AllocationRead], summary="Allocations of a cycle"
)
async def list_allocations(cycle_id: str, session: SessionDep) -> list[AllocationRead]:
    return await service.list_for_cycle(session=session, cycle_id=cycle_id)


@router.get(
    "/v1/allocations/{allocation_id}", response_model=AllocationRead, summary="One finalised allocation"
)
async def get_allocation(allocation_id: str, session: SessionDep) -> AllocationRead:
    return await service.get(session=session, allocation_id=allocation_id)
