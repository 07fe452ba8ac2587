"""Event type → handler map for what the planning service consumes."""

from __future__ import annotations

from typing import Any

from cg_shared.events import CloudEvent
from cg_shared.events.registry import ProjectRegistered, ProjectUpdated
from cg_shared.messaging import HandlerMap
from sqlalchemy.ext.asyncio import AsyncSession

from cg_planning.registry_projects import service as registry_projects

handlers = HandlerMap()


@handlers.on(ProjectRegistered, name="planning.registry_project.registered")
async def on_project_registered(session: AsyncSession, event: CloudEvent, payload: Any) -> None:
    await registry_projects.apply_snapshot(session=session, snapshot=payload)


@handlers.on(ProjectUpdated, name="planning.registry_project.updated")
async def on_project_updated(session: AsyncSession, event: CloudEvent, payload: Any) -> None:
    await registry_projects.apply_snapshot(session=session, snapshot=payload)
