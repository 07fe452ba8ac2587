"""Changing and deleting one project."""

from __future__ import annotations

from sqlalchemy import (
    delete,
    exists,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from cg_registry.projects import dupcheck, progress
from cg_registry.projects.changes import (
    add_history,
    apply_derived,
    apply_money,
    ensure_may_write,
    publish_update,
    roll_up,
)
from cg_registry.projects.mapping import TRACKED_FIELDS, comparable
from cg_registry.projects.models import (
    FundingLine,
    Project,
)
from cg_registry.projects.reading import lines_by_project, load, read
from cg_registry.projects.registration import claim_unmatched_lines, new_lines
from cg_registry.projects.schemas import (
    ProjectRead,
    ProjectUpdate,
)
from cg_shared.audit import record_audit
from cg_shared.auth import Principal
from cg_shared.events.registry import (
    ProjectDeleted,
)
from cg_shared.http import (
    Conflict,
    FieldError,
    Unprocessable,
    check_if_match,
)
from cg_shared.i18n import msg
from cg_shared.messaging import add_to_outbox


async def update_project(
    *,
    session: AsyncSession,
    principal: Principal,
    project_id: str,
    project_in: ProjectUpdate,
    if_match: str | None,
) -> ProjectRead:
    if "parent_id" in project_in.model_fields_set and project_in.parent_id is not None:
        await progress.lock_tree(session)  # before the row lock: see progress.lock_tree
    project = await load(session, project_id, for_update=True)
    ensure_may_write(principal, project.sgg_code)
    check_if_match(if_match, project.version)
    before = await read(session, project)
    sent = project_in.model_fields_set
    start = project_in.start_date if "start_date" in sent else project.start_date
    end = project_in.end_date if "end_date" in sent else project.end_date
    if start is not None and end is not None and end < start:
        raise Unprocessable(
            "end_date is before start_date",
            errors=[FieldError(field="body.end_date", message="end_date is before start_date")],
        )
    if "plan_item_id" in sent and project_in.plan_item_id not in (None, project.plan_item_id):
        taken = await session.scalar(
            select(exists().where(Project.plan_item_id == project_in.plan_item_id, Project.id != project.id))
        )
        if taken:
            raise Conflict(
                msg(
                    "plan item {plan_item_id} is already carried out by another project",
                    plan_item_id=project_in.plan_item_id,
                )
            )
    old_parent = project.parent_id
    if "parent_id" in sent and project_in.parent_id not in (None, project.parent_id):
        await progress.check_parent(
            session, project_id=project.id, sgg_code=project.sgg_code, parent_id=project_in.parent_id
        )
    for name in sent - {"funding_lines", "partners", "total_krw"}:
        value = getattr(project_in, name)
        setattr(project, name, value.value if hasattr(value, "value") else value)
    if "partners" in sent and project_in.partners is not None:
        project.partners = [p.model_dump(mode="json") for p in project_in.partners]
    if "total_krw" in sent:
        project.declared_total_krw = project_in.total_krw
    if "funding_lines" in sent and project_in.funding_lines is not None:
        # Manual lines are replaced; lines from budget allocations only change through budget events.
        await session.execute(
            delete(FundingLine).where(
                FundingLine.project_id == project.id, FundingLine.allocation_id.is_(None)
            )
        )
        session.add_all(new_lines(project.id, project_in.funding_lines))
        await session.flush()
    if "plan_item_id" in sent and project_in.plan_item_id is not None:
        session.add_all(await claim_unmatched_lines(session, project.id, project_in.plan_item_id))
        await session.flush()
    lines = (await lines_by_project(session, [project.id])).get(project.id, [])
    apply_money(project, lines)
    apply_derived(project)
    project.progress_pct = await progress.compute(session, project)
    after = await publish_update(
        session,
        project=project,
        actor=principal,
        action="updated",
        before=before,
        audit_action="project.update",
    )
    if before.progress_pct != after.progress_pct or old_parent != project.parent_id:
        for parent_id in {old_parent, project.parent_id} - {None}:
            await roll_up(session, str(parent_id), actor=principal)
    if sent & {"title_ko", "policy_field", "start_date", "end_date", "partners", "target_groups"}:
        await dupcheck.queue(session, project.id)
    return after


async def delete_project(
    *, session: AsyncSession, principal: Principal, project_id: str, if_match: str | None
) -> None:
    """Hard delete (a record registered in error); history and audit keep what it was."""
    project = await load(session, project_id, for_update=True)
    ensure_may_write(principal, project.sgg_code)
    check_if_match(if_match, project.version)
    if await session.scalar(select(exists().where(Project.parent_id == project.id))):
        raise Conflict(
            msg("project {code} has child projects: move or delete them first", code=project.code),
            slug="has-children",
        )
    before = await read(session, project)
    parent_id = project.parent_id
    add_history(
        session,
        project=project,
        actor=principal,
        action="deleted",
        changes={
            name: {"before": value, "after": None}
            for name, value in comparable(before.model_dump(mode="json")).items()
            if name in TRACKED_FIELDS
        },
    )
    record_audit(
        session,
        actor=principal,
        action="project.delete",
        entity_type="project",
        entity_id=project.id,
        sgg_code=project.sgg_code,
        before=before.model_dump(mode="json"),
    )
    add_to_outbox(
        session,
        ProjectDeleted(
            project_id=project.id, code=project.code, sgg_code=project.sgg_code, version=project.version
        ),
        subject=project.id,
    )
    await session.delete(project)
    if parent_id is not None:
        await session.flush()
        await roll_up(session, parent_id, actor=principal)
