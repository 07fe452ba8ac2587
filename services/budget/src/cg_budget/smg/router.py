"""HTTP routes of the SMG funding channels: programmes (공모사업), block grants, and the channel report."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from cg_budget.common import NO_CONTROL, tagged
from cg_budget.smg import block_grants, service
from cg_budget.smg.schemas import (
    ApplicationCreate,
    ApplicationDecision,
    ApplicationRead,
    BlockGrantRead,
    BlockGrantSet,
    BlockGrantUseCreate,
    ChannelReport,
    ProgrammeCreate,
    ProgrammeRead,
)
from cg_shared.auth import CurrentPrincipal
from cg_shared.deps import SessionDep
from cg_shared.http import PROBLEM_RESPONSES, IfMatchHeader

router = APIRouter(prefix="/v1/smg", tags=["smg"], responses=PROBLEM_RESPONSES)

YearQuery = Annotated[int | None, Query(ge=2000, le=2100, description="Only this fiscal year")]
SggPath = Annotated[str, Path(pattern=r"^11\d{3}$", description="5-digit borough code")]
YearPath = Annotated[int, Path(ge=2000, le=2100, description="Fiscal year")]
IdPath = Annotated[str, Path(max_length=36, pattern=NO_CONTROL)]


@router.post(
    "/programmes",
    status_code=status.HTTP_201_CREATED,
    response_model=ProgrammeRead,
    summary="Announce an SMG grant programme (공모사업) with its call window (smg_admin)",
)
async def create_programme(
    programme_in: ProgrammeCreate, principal: CurrentPrincipal, session: SessionDep
) -> ProgrammeRead:
    async with session.begin():
        return await service.create_programme(session=session, principal=principal, programme_in=programme_in)


@router.get("/programmes", response_model=list[ProgrammeRead], summary="SMG grant programmes (public)")
async def list_programmes(session: SessionDep, fiscal_year: YearQuery = None) -> list[ProgrammeRead]:
    return await service.list_programmes(session=session, fiscal_year=fiscal_year)


@router.get("/programmes/{programme_id}", response_model=ProgrammeRead, summary="One SMG grant programme")
async def get_programme(programme_id: IdPath, session: SessionDep) -> ProgrammeRead:
    return await service.get_programme(session=session, programme_id=programme_id)


@router.post(
    "/programmes/{programme_id}/applications",
    status_code=status.HTTP_201_CREATED,
    response_model=ApplicationRead,
    summary="A borough applies to the programme while its call is open (borough officer)",
)
async def apply(
    programme_id: IdPath, application_in: ApplicationCreate, principal: CurrentPrincipal, session: SessionDep
) -> ApplicationRead:
    async with session.begin():
        return await service.apply(
            session=session, principal=principal, programme_id=programme_id, application_in=application_in
        )


@router.get(
    "/programmes/{programme_id}/applications",
    response_model=list[ApplicationRead],
    summary="Applications to a programme and their outcomes (public)",
)
async def list_programme_applications(programme_id: IdPath, session: SessionDep) -> list[ApplicationRead]:
    return await service.list_applications(session=session, programme_id=programme_id)


@router.post(
    "/applications/{application_id}/decision",
    response_model=ApplicationRead,
    summary="Award or reject an application after the call closed (smg_admin)",
)
async def decide_application(
    application_id: IdPath, decision: ApplicationDecision, principal: CurrentPrincipal, session: SessionDep
) -> ApplicationRead:
    async with session.begin():
        return await service.decide(
            session=session, principal=principal, application_id=application_id, decision=decision
        )


@router.get(
    "/block-grants", response_model=list[BlockGrantRead], summary="Integrated (block) grants (public)"
)
async def list_block_grants(session: SessionDep, fiscal_year: YearQuery = None) -> list[BlockGrantRead]:
    return await block_grants.list_block_grants(session=session, fiscal_year=fiscal_year)


@router.get(
    "/block-grants/{sgg_code}/{fiscal_year}",
    response_model=BlockGrantRead,
    summary="A borough's block grant for a year and the plan items it funds",
)
async def get_block_grant(
    sgg_code: SggPath, fiscal_year: YearPath, session: SessionDep, response: Response
) -> BlockGrantRead:
    return tagged(
        response,
        await block_grants.get_block_grant(session=session, sgg_code=sgg_code, fiscal_year=fiscal_year),
    )


@router.put(
    "/block-grants/{sgg_code}/{fiscal_year}",
    response_model=BlockGrantRead,
    summary="Set a borough's block grant for a year (smg_admin; If-Match once it exists)",
    responses={201: {"model": BlockGrantRead, "description": "The block grant was created"}},
)
async def set_block_grant(
    sgg_code: SggPath,
    fiscal_year: YearPath,
    grant_in: BlockGrantSet,
    principal: CurrentPrincipal,
    session: SessionDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> BlockGrantRead:
    async with session.begin():
        grant, created = await block_grants.set_block_grant(
            session=session,
            principal=principal,
            sgg_code=sgg_code,
            fiscal_year=fiscal_year,
            grant_in=grant_in,
            if_match=if_match,
        )
    if created:
        response.status_code = status.HTTP_201_CREATED
    return tagged(response, grant)


@router.post(
    "/block-grants/{sgg_code}/{fiscal_year}/uses",
    status_code=status.HTTP_201_CREATED,
    response_model=BlockGrantRead,
    summary="Put block-grant money on an adopted plan item's budget request (borough officer)",
)
async def use_block_grant(
    sgg_code: SggPath,
    fiscal_year: YearPath,
    use_in: BlockGrantUseCreate,
    principal: CurrentPrincipal,
    session: SessionDep,
    response: Response,
) -> BlockGrantRead:
    async with session.begin():
        grant = await block_grants.use_block_grant(
            session=session, principal=principal, sgg_code=sgg_code, fiscal_year=fiscal_year, use_in=use_in
        )
    return tagged(response, grant)


@router.get(
    "/report",
    response_model=ChannelReport,
    summary="Per borough and year: SMG money through the plan versus project-by-project programmes (public)",
    description="See docs/smg-funding.md for the definitions.",
)
async def channel_report(
    session: SessionDep,
    fiscal_year: YearQuery = None,
    sgg_code: Annotated[str | None, Query(pattern=r"^11\d{3}$", description="Only this borough")] = None,
) -> ChannelReport:
    return await service.channel_report(session=session, fiscal_year=fiscal_year, sgg_code=sgg_code)
