"""Who holds a seat on a given day, with the ordinance in force that day."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cg_committee import rules
from cg_committee.members import service as members
from cg_committee.members.models import Member


async def seated_on(
    session: AsyncSession, committee_id: str, day: Any
) -> tuple[list[Member], rules.Ordinance]:
    ordinance = await members.rules_on(session, committee_id, day)
    everyone = await members.committee_members(session, committee_id)
    return [m for m in everyone if members.facts(m).is_seated(day, ordinance)], ordinance
