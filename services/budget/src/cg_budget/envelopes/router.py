"""HTTP routes of envelopes."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from cg_budget.common import tagged
from cg_budget.envelopes import service
from cg_budget.envelopes.schemas import (
    EnvelopeKind,
    EnvelopeRead,
    EnvelopeSet,
    GrantComputation,
    GrantFormulaIn,
)
from cg_shared.auth import CurrentPrincipal
from cg_shared.deps import SessionDep
from cg_shared.http import PROBLEM_RESPONSES, IfMatchHeader, etag_for

router = APIRouter(tags=["envelopes"], responses=PROBLEM_RESPONSES)


@router.get(
    "/v1/cycles/{cycle_id}/envelopes", response_model=list[EnvelopeRead], summary="Envelopes of a cycle"
)
async def list_envelopes(cycle_id: str, session: SessionDep) -> list[EnvelopeRead]:
    return await service.list_for_cycle(session=session, cycle_id=cycle_id)


@router.put(
    "/v1/cycles/{cycle_id}/envelopes/{kind}",
    response_model=EnvelopeRead,
    summary="Set an envelope's amount (If-Match required when it exists; smg_grant: smg_admin only)",
)
async def set_envelope(
    cycle_id: str,
    kind: EnvelopeKind,
    envelope_in: EnvelopeSet,
    principal: CurrentPrincipal,
    session: SessionDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> EnvelopeRead:
    async with session.begin():
        env = await service.set_amount(
            session=session,
            principal=principal,
            cycle_id=cycle_id,
            kind=kind,
            envelope_in=envelope_in,
            if_match=if_match,
        )
    return tagged(response, env)


@router.post(
    "/v1/cycles/{cycle_id}/envelopes/smg_grant/formula",
    response_model=GrantComputation,
    summary="Compute the SMG grant: base + population + grade bonus (smg_admin; apply=false previews)",
)
async def compute_grant(
    cycle_id: str,
    formula_in: GrantFormulaIn,
    principal: CurrentPrincipal,
    session: SessionDep,
    request: Request,
    response: Response,
    if_match: IfMatchHeader = None,
) -> GrantComputation:
    async with session.begin():
        result = await service.compute_smg_grant(
            session=session,
            principal=principal,
            cycle_id=cycle_id,
            formula_in=formula_in,
            settings=request.app.state.settings,
            if_match=if_match,
        )
    if result.envelope is not None:
        response.headers["ETag"] = etag_for(result.envelope.version)
    return result


@router.get("/v1/envelopes/{envelope_id}", response_model=EnvelopeRead, summary="One envelope")
async def get_envelope(envelope_id: str, session: SessionDep, response: Response) -> EnvelopeRead:
    return tagged(response, await service.get(session=session, envelope_id=envelope_id))
