"""HTTP route for participation metrics."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from cg_committee.common import SaneDate
from cg_committee.metrics import service
from cg_committee.metrics.schemas import MetricsRead
from cg_shared.deps import SessionDep
from cg_shared.http import PROBLEM_RESPONSES

router = APIRouter(tags=["metrics"], responses=PROBLEM_RESPONSES)


@router.get(
    "/v1/committees/{committee_id}/metrics",
    response_model=MetricsRead,
    summary="Participation metrics for the tokenism view",
    description="Civilian share of seats and of votes cast, attendance rate by seat kind, turnover, and "
    "the share of agenda items that originated from civilians, over a period (default: since establishment).",
)
async def get_committee_metrics(
    committee_id: uuid.UUID,
    session: SessionDep,
    period_from: Annotated[SaneDate | None, Query(alias="from")] = None,
    period_to: Annotated[SaneDate | None, Query(alias="to")] = None,
) -> MetricsRead:
    return await service.committee_metrics(
        session=session, committee_id=str(committee_id), period_from=period_from, period_to=period_to
    )
