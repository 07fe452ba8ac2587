"""Project use cases: one transaction each, writing the outbox in the same transaction."""

from __future__ import annotations

import uuid

from cg_shared.audit import record_audit
from cg_shared.auth import Principal, Role, ensure_borough, ensure_role
from cg_shared.events.registry import ProjectRegistered
from cg_shared.http import NotFound
from cg_shared.messaging import add_to_outbox
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cg_registry.districts import ensure_known_borough
from cg_registry.projects.models import Project
from cg_registry.projects.schemas import ProjectCreate, ProjectRead


def snapshot(project: Project) -> ProjectRegistered:
    return ProjectRegistered(
        project_id=project.id,
        code=project.code,
        title_ko=project.title_ko,
        title_en=project.title_en,
        sgg_code=project.sgg_code,
        total_krw=project.total_krw,
        version=project.version,
    )


async def _next_code(session: AsyncSession, sgg_code: str | None) -> str:
    prefix = f"CG-{sgg_code or 'SMG'}-"
    count = await session.scalar(
        select(func.count()).select_from(Project).where(Project.code.like(prefix + "%"))
    )
    return f"{prefix}{(count or 0) + 1:05d}-{uuid.uuid4().hex[:4].upper()}"


async def register(*, session: AsyncSession, principal: Principal, project_in: ProjectCreate) -> ProjectRead:
    ensure_role(principal, Role.BOROUGH_OFFICER)
    ensure_borough(principal, project_in.sgg_code)
    ensure_known_borough(project_in.sgg_code, field="body.sgg_code")
    project = Project(
        code=await _next_code(session, project_in.sgg_code),
        title_ko=project_in.title_ko,
        title_en=project_in.title_en,
        sgg_code=project_in.sgg_code,
        total_krw=project_in.total_krw,
        created_by=principal.sub,
    )
    session.add(project)
    await session.flush()
    read = ProjectRead.model_validate(project)
    add_to_outbox(session, snapshot(project), subject=project.id)
    record_audit(
        session,
        actor=principal,
        action="project.register",
        entity_type="project",
        entity_id=project.id,
        sgg_code=project.sgg_code,
        after=read.model_dump(),
    )
    return read


async def get(*, session: AsyncSession, project_id: str) -> ProjectRead:
    project = await session.get(Project, project_id)
    if project is None:
        raise NotFound(f"no project with id {project_id}")
    return ProjectRead.model_validate(project)
