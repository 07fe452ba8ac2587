"""Plans submitted before their borough had a committee wait as agenda items without a committee;
establishing the committee adopts them as its pending items. Depends on tables only, so the
committees service can call it without importing the meeting use cases."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cg_committee.agenda.models import AgendaItem
from cg_committee.committees.models import Committee
from cg_shared.audit import record_audit
from cg_shared.auth import Principal
from cg_shared.rows import bump_version


async def adopt_orphan_agenda_items(
    *, session: AsyncSession, committee: Committee, actor: Principal | str
) -> list[str]:
    """Plans submitted before the borough had a committee become the new committee's pending items."""
    orphans = list(
        (
            await session.execute(
                select(AgendaItem)
                .where(AgendaItem.committee_id.is_(None), AgendaItem.sgg_code == committee.sgg_code)
                .order_by(AgendaItem.created_at, AgendaItem.id)
                .with_for_update()
            )
        ).scalars()
    )
    for item in orphans:
        item.committee_id = committee.id
        bump_version(item)
        record_audit(
            session,
            actor=actor,
            action="agenda_item.adopt_by_committee",
            entity_type="agenda_item",
            entity_id=item.id,
            sgg_code=committee.sgg_code,
            before={"committee_id": None},
            after={"committee_id": committee.id},
        )
    await session.flush()
    return [i.id for i in orphans]
