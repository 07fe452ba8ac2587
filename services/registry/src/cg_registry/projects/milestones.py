"""Milestones of a project and its progress view (accountability): each milestone write is a change of
the project — ``If-Match`` with the project's ETag, a new version, history, audit and
``project.updated`` with the new ``progress_pct`` — and the progress rolls up to the ancestors."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cg_registry.projects import progress, service
from cg_registry.projects.models import Project, ProjectMilestone
from cg_registry.projects.schemas import (
    ChildProgress,
    MilestoneCreate,
    MilestoneRead,
    MilestoneUpdate,
    ProjectProgress,
)
from cg_shared.auth import Principal
from cg_shared.clock import today_seoul
from cg_shared.db import utcnow
from cg_shared.http import FieldError, NotFound, Unprocessable, check_if_match
from cg_shared.i18n import msg


def _read(milestone: ProjectMilestone, today: date) -> MilestoneRead:
    return MilestoneRead(
        id=milestone.id,
        title_ko=milestone.title_ko,
        title_en=milestone.title_en,
        due_date=milestone.due_date,
        done_on=milestone.done_on,
        progress_pct=milestone.progress_pct,
        overdue=milestone.due_date is not None
        and milestone.due_date < today
        and milestone.progress_pct < 100,
    )


def _plain(milestone: ProjectMilestone) -> dict[str, Any]:
    return {
        "id": milestone.id,
        "title_ko": milestone.title_ko,
        "due_date": milestone.due_date.isoformat() if milestone.due_date else None,
        "done_on": milestone.done_on.isoformat() if milestone.done_on else None,
        "progress_pct": milestone.progress_pct,
    }


async def view(*, session: AsyncSession, project_id: str) -> ProjectProgress:
    project = await service.load(session, project_id)
    milestones = list(
        (
            await session.execute(select(ProjectMilestone).where(ProjectMilestone.project_id == project.id))
        ).scalars()
    )
    milestones.sort(key=lambda m: (m.due_date is None, m.due_date or date.min, m.created_at, m.id))
    children = list(
        (
            await session.execute(
                select(Project).where(Project.parent_id == project.id).order_by(Project.code)
            )
        ).scalars()
    )
    today = today_seoul()
    return ProjectProgress(
        project_id=project.id,
        code=project.code,
        parent_id=project.parent_id,
        progress_pct=project.progress_pct,
        rule="children" if children else "milestones" if milestones else "status",
        version=project.version,
        milestones=[_read(m, today) for m in milestones],
        children=[
            ChildProgress(
                project_id=c.id,
                code=c.code,
                title_ko=c.title_ko,
                sgg_code=c.sgg_code,
                status=c.status,
                progress_pct=c.progress_pct,
                total_krw=c.total_krw,
            )
            for c in children
        ],
    )


def _check_done_on(done_on: date | None) -> None:
    if done_on is not None and done_on > today_seoul():
        message = msg("done_on is in the future (today in Seoul is {today})", today=today_seoul().isoformat())
        raise Unprocessable(message, errors=[FieldError(field="body.done_on", message=message)])


async def _change(
    session: AsyncSession,
    *,
    principal: Principal,
    project_id: str,
    if_match: str | None,
    action: str,
    apply: Any,
) -> ProjectProgress:
    project = await service.load(session, project_id, for_update=True)
    service.ensure_may_write(principal, project.sgg_code)
    check_if_match(if_match, project.version)
    before = await service.read(session, project)
    change = await apply(project)
    await session.flush()
    project.progress_pct = await progress.compute(session, project)
    await service.publish_update(
        session,
        project=project,
        actor=principal,
        action=action,
        before=before,
        audit_action=f"project.{action}",
        extra_changes={"milestones": change},
    )
    if before.progress_pct != project.progress_pct and project.parent_id is not None:
        await service.roll_up(session, project.parent_id, actor=principal)
    return await view(session=session, project_id=project.id)


async def add(
    *,
    session: AsyncSession,
    principal: Principal,
    project_id: str,
    milestone_in: MilestoneCreate,
    if_match: str | None,
) -> ProjectProgress:
    _check_done_on(milestone_in.done_on)

    async def apply(project: Project) -> dict[str, Any]:
        now = utcnow()
        pct = milestone_in.progress_pct
        milestone = ProjectMilestone(
            project_id=project.id,
            title_ko=milestone_in.title_ko,
            title_en=milestone_in.title_en,
            due_date=milestone_in.due_date,
            done_on=milestone_in.done_on,
            progress_pct=pct if pct is not None else (100 if milestone_in.done_on else 0),
            created_at=now,
            updated_at=now,
        )
        session.add(milestone)
        await session.flush()
        return {"before": None, "after": _plain(milestone)}

    return await _change(
        session,
        principal=principal,
        project_id=project_id,
        if_match=if_match,
        action="milestone_added",
        apply=apply,
    )


async def _milestone(session: AsyncSession, project: Project, milestone_id: str) -> ProjectMilestone:
    milestone = await session.get(ProjectMilestone, milestone_id)
    if milestone is None or milestone.project_id != project.id:
        raise NotFound(
            msg(
                "project {code} has no milestone {milestone_id}", code=project.code, milestone_id=milestone_id
            )
        )
    return milestone


async def update(
    *,
    session: AsyncSession,
    principal: Principal,
    project_id: str,
    milestone_id: str,
    milestone_in: MilestoneUpdate,
    if_match: str | None,
) -> ProjectProgress:
    sent = milestone_in.model_fields_set

    async def apply(project: Project) -> dict[str, Any]:
        milestone = await _milestone(session, project, milestone_id)
        before = _plain(milestone)
        for name in sent:
            setattr(milestone, name, getattr(milestone_in, name))
        if "done_on" in sent:
            _check_done_on(milestone.done_on)
            if milestone.done_on is not None and "progress_pct" not in sent:
                milestone.progress_pct = 100
        if milestone.done_on is not None and milestone.progress_pct != 100:
            message = msg("a milestone with done_on is 100% done")
            raise Unprocessable(message, errors=[FieldError(field="body.progress_pct", message=message)])
        milestone.updated_at = utcnow()
        return {"before": before, "after": _plain(milestone)}

    return await _change(
        session,
        principal=principal,
        project_id=project_id,
        if_match=if_match,
        action="milestone_updated",
        apply=apply,
    )


async def remove(
    *, session: AsyncSession, principal: Principal, project_id: str, milestone_id: str, if_match: str | None
) -> ProjectProgress:
    async def apply(project: Project) -> dict[str, Any]:
        milestone = await _milestone(session, project, milestone_id)
        before = _plain(milestone)
        await session.delete(milestone)
        return {"before": before, "after": None}

    return await _change(
        session,
        principal=principal,
        project_id=project_id,
        if_match=if_match,
        action="milestone_deleted",
        apply=apply,
    )
