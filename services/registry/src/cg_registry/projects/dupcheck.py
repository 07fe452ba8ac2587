"""The duplicate check of registered and edited projects, off the request path.

A registration (or an edit of a field the check compares) queues its project in ``duplicate_checks`` in
its own transaction; the registry's checker (a background task of every ``serve`` process) takes queued
projects in batches, scores each against its area (:func:`cg_registry.duplicates.service.check_projects`)
and records the suspected pairs, each raising ``project.duplicate_suspected`` once — the follow-up event
of the registration. ``GET /v1/projects/{id}/duplicates`` computes a project's candidates on demand.

A pair is never missed: a queued project becomes visible to checkers only when its registration
commits, and its check then sees every project committed before it, so of two similar projects the later
one's check finds the pair, whichever batch or process runs it. Replicas take disjoint batches
(``FOR UPDATE SKIP LOCKED``); two finding the same pair is settled by the pair's primary key.
"""

from __future__ import annotations

import asyncio
import logging

from fastapi import FastAPI
from sqlalchemy import delete, select, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cg_registry.duplicates import service as duplicates
from cg_registry.projects.models import DuplicateCheck
from cg_registry.state import mark_changed
from cg_shared.db import is_schema_missing, utcnow

log = logging.getLogger(__name__)

BATCH = 200
POLL_INTERVAL_S = 0.25
# Each queued project is looked up by its similar titles (pg_trgm), never by reading its whole area: a
# batch of registrations is no import, and the lookup's cost does not grow with the borough.
_NEVER = BATCH + 1

_CLAIM_SQL = text(
    "DELETE FROM duplicate_checks WHERE project_id IN (SELECT project_id FROM duplicate_checks "
    "ORDER BY queued_at LIMIT :limit FOR UPDATE SKIP LOCKED) RETURNING project_id"
)


async def queue(session: AsyncSession, project_id: str) -> None:
    """Have the checker look at ``project_id`` once the caller's transaction commits."""
    dialect = session.get_bind().dialect.name
    upsert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    await session.execute(
        upsert(DuplicateCheck)
        .values(project_id=project_id, queued_at=utcnow())
        .on_conflict_do_nothing(index_elements=["project_id"])
    )


async def _claim(session: AsyncSession, limit: int) -> list[str]:
    if session.get_bind().dialect.name == "postgresql":
        return list((await session.execute(_CLAIM_SQL, {"limit": limit})).scalars())
    ids = list(
        (
            await session.execute(
                select(DuplicateCheck.project_id).order_by(DuplicateCheck.queued_at).limit(limit)
            )
        ).scalars()
    )
    if ids:
        await session.execute(delete(DuplicateCheck).where(DuplicateCheck.project_id.in_(ids)))
    return ids


async def check_pending(sessions: async_sessionmaker[AsyncSession], *, limit: int = BATCH) -> int:
    """Check one batch of queued projects in one transaction; returns how many were taken."""
    async with sessions() as session, session.begin():
        ids = await _claim(session, limit)
        # New pairs change derived figures (overlap money): readers' caches must see a new version.
        if ids and await duplicates.check_projects(session, ids, area_read_from=_NEVER):
            mark_changed(session)
    return len(ids)


async def check_all_pending(sessions: async_sessionmaker[AsyncSession]) -> int:
    """Work the queue off (tests, CLI): batches until one comes back short."""
    total = 0
    while (taken := await check_pending(sessions)) > 0:
        total += taken
        if taken < BATCH:
            break
    return total


async def run_checker(app: FastAPI) -> None:
    """Background task of the registry app (``create_service_app(background=[...])``)."""
    sessions: async_sessionmaker[AsyncSession] = app.state.sessions
    while True:
        try:
            taken = await check_pending(sessions)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if not is_schema_missing(exc):  # an unmigrated database says so on /readyz already
                log.warning("duplicate check round failed; retrying", exc_info=True)
            taken = 0
        if taken < BATCH:
            await asyncio.sleep(POLL_INTERVAL_S)
