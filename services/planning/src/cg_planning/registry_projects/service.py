"""Keep the registry read model: apply project snapshots, newest version wins."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
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


def _upsert(session: AsyncSession) -> Any:
    """The dialect's ``INSERT … ON CONFLICT`` (PostgreSQL and SQLite spell it the same way)."""
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def _newest(snapshots: Sequence[ProjectSnapshot]) -> list[ProjectSnapshot]:
    """Per project, the snapshot that applying the run one by one would leave: the last one of the
    run's highest version (every earlier one is overwritten by it, every later one is older and skipped)."""
    newest: dict[str, ProjectSnapshot] = {}
    for snapshot in snapshots:
        kept = newest.get(snapshot.project_id)
        if kept is None or snapshot.version >= kept.version:
            newest[snapshot.project_id] = snapshot
    return [newest[project_id] for project_id in sorted(newest)]


async def apply_snapshots(*, session: AsyncSession, snapshots: Sequence[ProjectSnapshot]) -> None:
    """Apply snapshots in the given (partition) order, with the result of applying them one by one.

    One set-based statement for the whole run (``INSERT … ON CONFLICT DO UPDATE … WHERE``): the rules
    live in its WHERE clause, so the database applies them under the row lock the upsert takes — the
    newest version wins (a snapshot of the same version is re-applied, an older one skipped), a
    deletion is final (a tombstone is never overwritten), and an external plan_item_id that cannot be
    one of our items is dropped. Within the run, each project's snapshots are first reduced to the one
    that would win (:func:`_newest`), as one statement may touch a row only once. Rows go in project id
    order, so concurrent transactions lock shared rows in the same order (no deadlock between them).
    """
    if not snapshots:
        return
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for snapshot in _newest(snapshots):
        row = {name: getattr(snapshot, name) for name in _FIELDS}
        if row["plan_item_id"] is not None and len(row["plan_item_id"]) > PLAN_ITEM_ID_LENGTH:
            # The registry accepts any external id up to 100 characters; ours are UUIDs, so a longer one
            # is not one of our items. Storing it would overflow the column and dead-letter the snapshot.
            row["plan_item_id"] = None
        row["project_id"] = snapshot.project_id
        row["updated_at"] = now
        rows.append(row)
    table = RegistryProject.__table__
    stmt = _upsert(session)(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.project_id],
        set_={name: stmt.excluded[name] for name in (*_FIELDS, "updated_at")},
        where=(table.c.version <= stmt.excluded.version) & (table.c.status != DELETED),
    )
    # The sessions do not autoflush: write what earlier handlers of this transaction changed first, so
    # the statement sees it; rows loaded before are stale afterwards (re-read them with populate_existing).
    await session.flush()
    await session.execute(stmt, rows)


async def apply_deletion(*, session: AsyncSession, deleted: ProjectDeleted) -> None:
    """Keep a tombstone (status ``deleted``) so late snapshots cannot resurrect the project."""
    await apply_deletions(session=session, deletions=[deleted])


async def apply_deletions(*, session: AsyncSession, deletions: Sequence[ProjectDeleted]) -> None:
    """Tombstones for a run of deletions, in one set-based statement: a known project keeps its last
    snapshot's fields with status ``deleted`` and the higher of the two versions; an unknown one gets a
    bare tombstone, so a snapshot arriving later cannot bring it back."""
    if not deletions:
        return
    now = utcnow()
    latest: dict[str, ProjectDeleted] = {}
    for deleted in deletions:
        kept = latest.get(deleted.project_id)
        if kept is None or deleted.version >= kept.version:
            latest[deleted.project_id] = deleted
    rows: list[dict[str, Any]] = [
        {
            "project_id": d.project_id,
            "code": d.code,
            "title_ko": "",
            "title_en": "",
            "sgg_code": d.sgg_code,
            "origin": "department",
            "status": DELETED,
            "partner_organisations": [],
            "target_groups": [],
            "total_krw": 0,
            "version": d.version,
            "updated_at": now,
        }
        for d in (latest[project_id] for project_id in sorted(latest))
    ]
    table = RegistryProject.__table__
    stmt = _upsert(session)(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.project_id],
        set_={
            "status": DELETED,
            "version": case(
                (table.c.version > stmt.excluded.version, table.c.version), else_=stmt.excluded.version
            ),
            "updated_at": stmt.excluded.updated_at,
        },
    )
    await session.flush()
    await session.execute(stmt, rows)


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
    rows = list(await session.scalars(stmt))
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    return Page(
        items=[RegistryProjectRead.model_validate(r) for r in rows],
        next_cursor=encode_cursor([rows[-1].project_id]) if more and rows else None,
    )
