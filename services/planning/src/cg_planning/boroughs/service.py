"""The planning service's per-borough figures: grouped SQL queries, pivoted into one row per borough."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cg_planning.boroughs.schemas import PlanningBoroughRow, PlanningBoroughTable
from cg_planning.deliberations.models import Deliberation
from cg_planning.items.models import PlanItem
from cg_planning.items.schemas import Origin
from cg_planning.plans.models import Plan
from cg_planning.plans.workflow import PlanState
from cg_planning.proposals.models import Proposal
from cg_planning.proposals.schemas import ProposalStatus
from cg_shared.borough_table import Grouped, boroughs, share


async def _pivot(
    session: AsyncSession, key: object, code: object, keys: list[str]
) -> dict[str, dict[str, int]]:
    """``{sgg_code: {key: count}}`` from ``GROUP BY sgg_code, key``, every key present (zeros)."""
    out: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(keys, 0))
    for sgg_code, value, count in await session.execute(
        select(code, key, func.count()).group_by(code, key)  # type: ignore[call-overload]
    ):
        out[sgg_code][value] = out[sgg_code].get(value, 0) + int(count)
    return out


async def table(session: AsyncSession) -> PlanningBoroughTable:
    states = await _pivot(session, Plan.state, Plan.sgg_code, [s.value for s in PlanState])
    origins = await _pivot(session, PlanItem.origin, PlanItem.sgg_code, [o.value for o in Origin])
    statuses = await _pivot(session, Proposal.status, Proposal.sgg_code, [s.value for s in ProposalStatus])
    money = Grouped(
        await session.execute(
            select(
                PlanItem.sgg_code,
                func.coalesce(func.sum(PlanItem.requested_total_krw), 0),
                func.coalesce(func.sum(PlanItem.funded_krw), 0),
            ).group_by(PlanItem.sgg_code)
        ),
        2,
    )
    deliberations = Grouped(
        await session.execute(
            select(
                Deliberation.sgg_code,
                func.count(),
                func.coalesce(func.sum(Deliberation.participants_count), 0),
            ).group_by(Deliberation.sgg_code)
        ),
        2,
    )
    rows = []
    for district in boroughs():
        code = district.sgg_code
        by_origin = origins[code]
        items = sum(by_origin.values())
        requested, funded = money[code]
        deliberation_n, participants = deliberations[code]
        rows.append(
            PlanningBoroughRow(
                sgg_code=code,
                name_ko=district.name_ko,
                name_en=district.name_en,
                plan_count=sum(states[code].values()),
                plans_by_state=states[code],
                item_count=items,
                items_by_origin=by_origin,
                resident_led_item_share=share(
                    by_origin.get(Origin.RESIDENT.value, 0) + by_origin.get(Origin.CIVIC_GROUP.value, 0),
                    items,
                ),
                item_requested_krw=requested,
                item_funded_krw=funded,
                proposal_count=sum(statuses[code].values()),
                proposals_by_status=statuses[code],
                deliberation_count=deliberation_n,
                deliberation_participants=participants,
            )
        )
    return PlanningBoroughTable(rows=rows)
