"""After a write: derived columns, the event snapshot, history, audit, outbox and progress roll-up."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias

from sqlalchemy.ext.asyncio import AsyncSession

from cg_registry.projects import mapping, progress
from cg_registry.projects.models import (
    FundingLine,
    Project,
    ProjectHistory,
)
from cg_registry.projects.reading import lines_by_project, read, to_read
from cg_registry.projects.schemas import (
    ProjectRead,
)
from cg_shared.audit import record_audit
from cg_shared.auth import Principal, Role, ensure_borough, ensure_role
from cg_shared.db import utcnow
from cg_shared.events.registry import (
    ProjectRegistered,
    ProjectSnapshot,
    ProjectUpdated,
)
from cg_shared.messaging import add_to_outbox
from cg_shared.tracing import current_request_id

Actor: TypeAlias = Principal | str  # a signed-in person, or "system:<service>" for event-driven writes


def actor_name(actor: Actor) -> str:
    return str(actor.sub) if isinstance(actor, Principal) else actor


def apply_money(project: Project, lines: Sequence[FundingLine]) -> None:
    """Maintain the per-project totals statistics aggregate (never computed at read time)."""
    for name, value in mapping.money(map(mapping.line_dict, lines), project.declared_total_krw).items():
        setattr(project, name, value)


def apply_derived(project: Project) -> None:
    for name, value in mapping.derived(mapping.row_of(project)).items():
        if getattr(project, name) != value:  # an unchanged value must not fire the SQLite FTS update trigger
            setattr(project, name, value)


def snapshot(
    project: Project,
    lines: Sequence[FundingLine],
    cls: type[ProjectSnapshot] = ProjectRegistered,
    **extra: Any,
) -> ProjectSnapshot:
    return mapping.snapshot_of(mapping.row_of(project), lines, cls, **extra)


def diff(before: ProjectRead | None, after: ProjectRead) -> dict[str, dict[str, Any]]:
    old = None if before is None else before.model_dump(mode="json")
    return mapping.changes(old, after.model_dump(mode="json"))


def history_row(
    row: Mapping[str, Any], *, actor: Actor, action: str, changes: dict[str, Any]
) -> dict[str, Any]:
    """A ``project_history`` row for Core inserts (:func:`add_history`'s)."""
    return {
        "project_id": row["id"],
        "version": row["version"],
        "at": row["updated_at"],
        "actor": actor_name(actor),
        "action": action,
        "changes": changes,
    }


def audit_row(actor: Actor, action: str, row: Mapping[str, Any], *, after: dict[str, Any]) -> dict[str, Any]:
    """The ``audit_log`` row of a registration for Core inserts (:func:`cg_shared.audit.record_audit`'s)."""
    return {
        "at": row["updated_at"],
        "actor": actor_name(actor),
        "actor_role": actor.role.value if isinstance(actor, Principal) else None,
        "sgg_code": row["sgg_code"],
        "action": action,
        "entity_type": "project",
        "entity_id": row["id"],
        "before": None,
        "after": after,
        "request_id": current_request_id(),
    }


def add_history(
    session: AsyncSession, *, project: Project, actor: Actor, action: str, changes: dict[str, Any]
) -> None:
    session.add(
        ProjectHistory(
            project_id=project.id,
            version=project.version,
            at=utcnow(),
            actor=actor_name(actor),
            action=action,
            changes=changes,
        )
    )


async def publish_update(
    session: AsyncSession,
    *,
    project: Project,
    actor: Actor,
    action: str,
    before: ProjectRead,
    audit_action: str,
    extra_changes: dict[str, Any] | None = None,
) -> ProjectRead:
    """After a change to ``project`` (and its lines): bump the version, record history, audit, outbox.

    ``extra_changes`` records changes outside the project row (a milestone) with the field ones."""
    project.version += 1
    project.updated_at = utcnow()
    project.updated_by = actor_name(actor)
    await session.flush()
    lines = (await lines_by_project(session, [project.id])).get(project.id, [])
    after = to_read(project, lines)
    changes = {**diff(before, after), **(extra_changes or {})}
    add_history(session, project=project, actor=actor, action=action, changes=changes)
    record_audit(
        session,
        actor=actor,
        action=audit_action,
        entity_type="project",
        entity_id=project.id,
        sgg_code=project.sgg_code,
        before=before.model_dump(mode="json"),
        after=after.model_dump(mode="json"),
    )
    add_to_outbox(
        session, snapshot(project, lines, ProjectUpdated, changed_fields=sorted(changes)), subject=project.id
    )
    return after


async def roll_up(session: AsyncSession, parent_id: str, *, actor: Actor) -> None:
    """Recompute the progress of ``parent_id`` and of its ancestors while it changes; each change is an
    update of that project (version, history, audit, ``project.updated`` with ``progress_pct``)."""
    seen: set[str] = set()
    current: str | None = parent_id
    while current is not None and current not in seen:
        seen.add(current)
        parent = await session.get(Project, current, with_for_update=True)
        if parent is None:
            return
        value = await progress.compute(session, parent)
        if value == parent.progress_pct:
            return
        before = await read(session, parent)
        parent.progress_pct = value
        await publish_update(
            session,
            project=parent,
            actor=actor,
            action="progress_rolled_up",
            before=before,
            audit_action="project.progress",
        )
        current = parent.parent_id


def ensure_may_write(principal: Principal, sgg_code: str | None) -> None:
    """Borough officers write their own borough's projects; city-wide ones are the city's (smg_admin)."""
    ensure_role(principal, Role.BOROUGH_OFFICER)
    ensure_borough(principal, sgg_code)
