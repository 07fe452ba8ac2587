"""After a write: derived columns, the event snapshot, history, audit, outbox and progress roll-up."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeAlias

from sqlalchemy.ext.asyncio import AsyncSession

from cg_registry.domain import FundingSource, is_public_led, search_bigrams_for, search_text_for
from cg_registry.duplicates.scoring import title_key
from cg_registry.projects import progress
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
    FundingLineData,
    ProjectRegistered,
    ProjectSnapshot,
    ProjectUpdated,
)
from cg_shared.messaging import add_to_outbox

Actor: TypeAlias = Principal | str  # a signed-in person, or "system:<service>" for event-driven writes

# Fields a change is recorded for (history, audit, ProjectUpdated.changed_fields).
TRACKED_FIELDS = (
    "code",
    "title_ko",
    "title_en",
    "summary_ko",
    "summary_en",
    "sgg_code",
    "lead_department",
    "partners",
    "origin",
    "policy_field",
    "target_groups",
    "start_date",
    "end_date",
    "status",
    "plan_item_id",
    "funding_lines",
    "declared_total_krw",
    "total_krw",
    "public_led",
    "iap2_level",
    "tokenism_risk",
    "parent_id",
    "progress_pct",
)


def actor_name(actor: Actor) -> str:
    return str(actor.sub) if isinstance(actor, Principal) else actor


def apply_money(project: Project, lines: Sequence[FundingLine]) -> None:
    """Maintain the per-project totals statistics aggregate (never computed at read time)."""
    by_source = dict.fromkeys(FundingSource, 0)
    for line in lines:
        by_source[FundingSource(line.source)] += line.amount_krw
    project.smg_grant_krw = by_source[FundingSource.SMG_GRANT]
    project.borough_krw = by_source[FundingSource.BOROUGH]
    project.national_krw = by_source[FundingSource.NATIONAL]
    project.private_krw = by_source[FundingSource.PRIVATE]
    project.has_smg_grant = project.smg_grant_krw > 0
    project.total_krw = max(project.declared_total_krw or 0, sum(by_source.values()))


def apply_derived(project: Project) -> None:
    project.public_led = is_public_led(project.origin, project.partners or [])
    text = search_text_for(
        code=project.code,
        title_ko=project.title_ko,
        title_en=project.title_en,
        lead_department=project.lead_department,
        partners=project.partners or [],
    )
    if project.search_text != text:  # an unchanged value must not fire the SQLite FTS update trigger
        project.search_text = text
        project.search_bigrams = search_bigrams_for(text)
    key = title_key(project.title_ko)
    if project.dup_key != key:
        project.dup_key = key


def snapshot(
    project: Project,
    lines: Sequence[FundingLine],
    cls: type[ProjectSnapshot] = ProjectRegistered,
    **extra: Any,
) -> ProjectSnapshot:
    return cls(
        project_id=project.id,
        code=project.code,
        title_ko=project.title_ko,
        title_en=project.title_en,
        sgg_code=project.sgg_code,
        policy_field=project.policy_field,
        origin=project.origin,
        status=project.status,
        lead_department=project.lead_department,
        partner_organisations=[str(p.get("name", "")) for p in project.partners or []],
        target_groups=list(project.target_groups or []),
        start_date=project.start_date,
        end_date=project.end_date,
        total_krw=project.total_krw,
        funding_lines=[
            FundingLineData(source=line.source, fiscal_year=line.fiscal_year, amount_krw=line.amount_krw)
            for line in lines
        ],
        plan_item_id=project.plan_item_id,
        parent_id=project.parent_id,
        progress_pct=project.progress_pct,
        version=project.version,
        **extra,
    )


def comparable(read: ProjectRead) -> dict[str, Any]:
    data = read.model_dump(mode="json")
    data["funding_lines"] = [{k: v for k, v in line.items() if k != "id"} for line in data["funding_lines"]]
    data["iap2_level"] = data["assessment"]["iap2_level"]
    data["tokenism_risk"] = data["assessment"]["tokenism_risk"]
    return data


def diff(before: ProjectRead | None, after: ProjectRead) -> dict[str, dict[str, Any]]:
    new = comparable(after)
    if before is None:
        return {name: {"before": None, "after": new[name]} for name in TRACKED_FIELDS}
    old = comparable(before)
    return {
        name: {"before": old[name], "after": new[name]} for name in TRACKED_FIELDS if old[name] != new[name]
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
