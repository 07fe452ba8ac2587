"""Keep the registry read model: apply project snapshots, newest version wins."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cg_planning.common import cursor_after
from cg_planning.registry_projects.models import RegistryProject
from cg_planning.registry_projects.schemas import RegistryProjectRead
from cg_shared.db import utcnow
from cg_shared.events.registry import ProjectDeleted, ProjectSnapshot
from cg_shared.http import NotFound, Page, PageParams, encode_cursor
from cg_shared.i18n import msg

DELETED = "deleted"
PLAN_ITEM_ID_LENGTH = 36  # registry_projects.plan_item_id: planning item ids are UUIDs

_FIELDS = (
    "code",
    "title_ko",
    "title_en",
    "sgg_code",
    "policy_field",
    "origin",
    "status",
    "lead_department",
    "partner_organisations",
    "target_groups",
    "start_date",
    "end_date",
    "total_krw",
    "plan_item_id",
    "version",
)


async def apply_snapshot(*, session: AsyncSession, snapshot: ProjectSnapshot) -> None:
    """Upsert; an older version arriving late (redelivery, partition replay) never overwrites a newer one."""
    await apply_snapshots(session=session, snapshots=[snapshot])


async def apply_snapshots(*, session: AsyncSession, snapshots: Sequence[ProjectSnapshot]) -> None:
    """Apply snapshots in the given (partition) order, as :func:`apply_snapshot` would one by one.

    One locking select for all their projects instead of one per snapshot: the per-event round trip
    dominated catching up on a backlog. The rules hold within the run too: the newest version wins
    (an older snapshot after a newer one of the same project is skipped), a deletion is final, and an
    external plan_item_id that cannot be one of our items is dropped.
    """
    if not snapshots:
        return
    # The sessions do not autoflush: write what earlier handlers of this transaction changed (a tombstone
    # just added) so the select below sees it instead of overwriting it.
    await session.flush()
    ids = sorted({s.project_id for s in snapshots})
    # ORDER BY: concurrent transactions lock shared rows in the same order (no deadlock between them).
    # populate_existing: a row this transaction loaded earlier is re-read under the lock, like get().
    rows = {
        row.project_id: row
        for row in (
            await session.execute(
                select(RegistryProject)
                .where(RegistryProject.project_id.in_(ids))
                .order_by(RegistryProject.project_id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        ).scalars()
    }
    for snapshot in snapshots:
        row = rows.get(snapshot.project_id)
        if row is None:
            row = RegistryProject(project_id=snapshot.project_id)
            session.add(row)
            rows[snapshot.project_id] = row
        elif row.version > snapshot.version or row.status == DELETED:
            continue  # a deletion is final: a replayed older snapshot must not bring the project back
        for name in _FIELDS:
            setattr(row, name, getattr(snapshot, name))
        if row.plan_item_id is not None and len(row.plan_item_id) > PLAN_ITEM_ID_LENGTH:
            # The registry accepts any external id up to 100 characters; ours are UUIDs, so a longer one
            # is not one of our items. Storing it would overflow the column and dead-letter the snapshot.
            row.plan_item_id = None
        row.updated_at = utcnow()
    await session.flush()


async def apply_deletion(*, session: AsyncSession, deleted: ProjectDeleted) -> None:
    """Keep a tombstone (status ``deleted``) so late snapshots cannot resurrect the project."""
    row = await session.get(RegistryProject, deleted.project_id, with_for_update=True)
    if row is None:
        row = RegistryProject(
            project_id=deleted.project_id,
            code=deleted.code,
            title_ko="",
            title_en="",
            sgg_code=deleted.sgg_code,
            origin="department",
            partner_organisations=[],
            target_groups=[],
            total_krw=0,
        )
        session.add(row)
    row.status = DELETED
    row.version = max(row.version or 0, deleted.version)
    row.updated_at = utcnow()
    # Written now (the sessions do not autoflush), so a later handler of the same batch transaction
    # finds the tombstone in the database.
    await session.flush()


async def get(*, session: AsyncSession, project_id: str) -> RegistryProjectRead:
    row = await session.get(RegistryProject, project_id)
    if row is None or row.status == DELETED:
        raise NotFound(
            msg("registry project {project_id} is not (yet) known to planning", project_id=project_id)
        )
    return RegistryProjectRead.model_validate(row)


async def list_projects(
    *,
    session: AsyncSession,
    page: PageParams,
    sgg_code: str | None = None,
    policy_field: str | None = None,
) -> Page[RegistryProjectRead]:
    stmt = (
        select(RegistryProject)
        .where(RegistryProject.status != DELETED)
        .order_by(RegistryProject.project_id)
        .limit(page.limit + 1)
    )
    if sgg_code:
        stmt = stmt.where(RegistryProject.sgg_code == sgg_code)
    if policy_field:
        stmt = stmt.where(RegistryProject.policy_field == policy_field)
    if (after := cursor_after(page, str)) is not None:
        stmt = stmt.where(RegistryProject.project_id > after[0])
    rows = list((await session.execute(stmt)).scalars())
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    return Page(
        items=[RegistryProjectRead.model_validate(r) for r in rows],
        next_cursor=encode_cursor([rows[-1].project_id]) if more and rows else None,
    )
