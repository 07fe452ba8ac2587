"""HTTP routes of budget cycles."""

from __future__ import annotations

import asyncio
import logging
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request, Response, status

from cg_budget.common import SggCode, tagged
from cg_budget.cycles import service
from cg_budget.cycles.calendar import CycleStatus
from cg_budget.cycles.schemas import (
    CalendarRead,
    CycleCreate,
    CycleRead,
    SupplementaryCreate,
    SupplementaryEnact,
    SupplementaryRead,
    TransitionIn,
)
from cg_shared.auth import CurrentPrincipal
from cg_shared.clock import today_seoul
from cg_shared.db import unit_of_work
from cg_shared.deps import SessionDep
from cg_shared.http import PROBLEM_RESPONSES, IfMatchHeader, Page, PageParams, page_params

log = logging.getLogger(__name__)

router = APIRouter(prefix="/v1/cycles", tags=["cycles"], responses=PROBLEM_RESPONSES)


@router.post(
    "", status_code=status.HTTP_201_CREATED, response_model=CycleRead, summary="Open a fiscal-year cycle"
)
async def open_cycle(
    cycle_in: CycleCreate, principal: CurrentPrincipal, session: SessionDep, response: Response
) -> CycleRead:
    async with session.begin():
        cycle = await service.open_cycle(session=session, principal=principal, cycle_in=cycle_in)
    return tagged(response, cycle, collection="/v1/cycles")


@router.get("", response_model=Page[CycleRead], summary="Cycles, newest fiscal year first")
async def list_cycles(
    session: SessionDep,
    page: Annotated[PageParams, Depends(page_params)],
    sgg_code: Annotated[SggCode | None, Query()] = None,
    fiscal_year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    status_: Annotated[CycleStatus | None, Query(alias="status")] = None,
) -> Page[CycleRead]:
    return await service.list_(
        session=session, page=page, sgg_code=sgg_code, fiscal_year=fiscal_year, status=status_
    )


@router.get("/{cycle_id}", response_model=CycleRead, summary="One cycle")
async def get_cycle(cycle_id: str, session: SessionDep, response: Response) -> CycleRead:
    return tagged(response, await service.get(session=session, cycle_id=cycle_id))


@router.post(
    "/{cycle_id}/transitions",
    response_model=CycleRead,
    summary="Move the cycle to its next state (409 names the allowed moves)",
)
async def transition_cycle(
    cycle_id: str,
    transition_in: TransitionIn,
    principal: CurrentPrincipal,
    session: SessionDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> CycleRead:
    async with session.begin():
        cycle = await service.transition(
            session=session,
            principal=principal,
            cycle_id=cycle_id,
            transition_in=transition_in,
            if_match=if_match,
        )
    return tagged(response, cycle)


@router.get(
    "/{cycle_id}/calendar",
    response_model=CalendarRead,
    summary="Legal deadlines with days left and overdue flags (as of a date)",
)
async def cycle_calendar(
    cycle_id: str,
    session: SessionDep,
    request: Request,
    as_of: Annotated[
        date | None, Query(description="Compute as of this date; default today in Seoul")
    ] = None,
) -> CalendarRead:
    return await service.calendar(
        session=session,
        cycle_id=cycle_id,
        as_of=as_of,
        warn_days=request.app.state.settings.deadline_warning_days,
    )


@router.get("/{cycle_id}/deadlines", response_model=CalendarRead, summary="Alias of /calendar")
async def cycle_deadlines(
    cycle_id: str,
    session: SessionDep,
    request: Request,
    as_of: Annotated[date | None, Query()] = None,
) -> CalendarRead:
    return await cycle_calendar(cycle_id, session, request, as_of)


@router.post(
    "/{cycle_id}/supplementary-budgets",
    status_code=status.HTTP_201_CREATED,
    response_model=SupplementaryRead,
    summary="Start drafting the next numbered supplementary budget (추경)",
)
async def open_supplementary(
    cycle_id: str, supplementary_in: SupplementaryCreate, principal: CurrentPrincipal, session: SessionDep
) -> SupplementaryRead:
    async with session.begin():
        return await service.open_supplementary(
            session=session, principal=principal, cycle_id=cycle_id, supplementary_in=supplementary_in
        )


@router.post(
    "/{cycle_id}/supplementary-budgets/{number}/enact",
    response_model=SupplementaryRead,
    summary="Record the council's decision on a supplementary budget",
)
async def enact_supplementary(
    cycle_id: str,
    number: Annotated[int, Path(ge=1, le=1000)],
    enact_in: SupplementaryEnact,
    principal: CurrentPrincipal,
    session: SessionDep,
) -> SupplementaryRead:
    async with session.begin():
        return await service.enact_supplementary(
            session=session, principal=principal, cycle_id=cycle_id, number=number, enact_in=enact_in
        )


async def legal_calendar_sweep(app: FastAPI) -> None:
    """Background task: applies the moves the law makes on its own (provisional budget, execution)."""
    settings = app.state.settings
    while True:
        try:
            async with unit_of_work(app.state.sessions) as session:
                moved = await service.apply_legal_calendar(session=session, today=today_seoul())
            if moved:
                log.info("legal calendar moved cycles", extra={"cycles": moved})
        except asyncio.CancelledError:
            raise
        except Exception:
            log.warning("legal calendar sweep failed", exc_info=True)
        await asyncio.sleep(settings.calendar_sweep_interval_s)
