"""Bulk registration (imports): the rows of many projects with Core executemany."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    insert,
)
from sqlalchemy.ext.asyncio import AsyncSession

from cg_registry.duplicates import service as duplicates
from cg_registry.projects import progress
from cg_registry.projects.changes import Actor, actor_name, apply_derived, apply_money, diff, snapshot
from cg_registry.projects.codes import allocate_codes, code_prefix
from cg_registry.projects.models import (
    FundingLine,
    Project,
    ProjectHistory,
)
from cg_registry.projects.reading import lines_by_project, to_read
from cg_registry.projects.registration import new_lines
from cg_registry.projects.schemas import (
    ProjectCreate,
    ProjectRead,
)
from cg_shared.auth import Principal
from cg_shared.db import utcnow
from cg_shared.events.envelope import make_event
from cg_shared.events.registry import (
    ProjectRegistered,
)
from cg_shared.messaging.tables import AuditEntry, OutboxMessage


async def bulk_create(
    session: AsyncSession,
    *,
    actor: Actor,
    items: Sequence[ProjectCreate],
    audit_action: str = "project.import",
    check_duplicates: bool = True,
) -> list[ProjectRead]:
    """Register many projects with Core executemany: the same rows, history, audit and events as
    :func:`create_project`, without round trips per project (imports must run ≥ 5,000 rows/s).

    The caller has validated codes and plan items against the database."""
    explicit = {item.code for item in items if item.code}
    by_prefix: dict[str, int] = defaultdict(int)
    for item in items:
        if not item.code:
            by_prefix[code_prefix(item.sgg_code)] += 1
    fresh = {p: iter(await allocate_codes(session, p, n, explicit)) for p, n in sorted(by_prefix.items())}
    now = utcnow()
    name = actor_name(actor)
    projects: list[Project] = []
    line_rows: list[dict[str, Any]] = []
    for item in items:
        project = Project(
            id=str(uuid.uuid4()),
            code=item.code or next(fresh[code_prefix(item.sgg_code)]),
            title_ko=item.title_ko,
            title_en=item.title_en,
            summary_ko=item.summary_ko,
            summary_en=item.summary_en,
            sgg_code=item.sgg_code,
            lead_department=item.lead_department,
            partners=[p.model_dump(mode="json") for p in item.partners],
            origin=item.origin.value,
            policy_field=item.policy_field,
            target_groups=list(item.target_groups),
            start_date=item.start_date,
            end_date=item.end_date,
            status=item.status.value,
            plan_item_id=item.plan_item_id,
            declared_total_krw=item.total_krw,
            iap2_level=None,
            tokenism_risk=None,
            assessed_at=None,
            parent_id=None,
            progress_pct=progress.initial(item.status.value),
            version=1,
            created_at=now,
            updated_at=now,
            created_by=name,
            updated_by=name,
            search_text="",
            search_bigrams=[],
            dup_key="",
        )
        lines = new_lines(project.id, item.funding_lines)
        apply_derived(project)
        apply_money(project, lines)
        projects.append(project)
        line_rows.extend(
            {c.key: getattr(line, c.key) for c in FundingLine.__table__.columns if c.key != "id"}
            for line in lines
        )
    # Transient ORM objects serve as value holders only; rows go in through Core executemany.
    await session.execute(
        insert(Project), [{c.key: getattr(p, c.key) for c in Project.__table__.columns} for p in projects]
    )
    if line_rows:
        await session.execute(insert(FundingLine), line_rows)
    lines_by_id = await lines_by_project(session, [p.id for p in projects])
    role = actor.role.value if isinstance(actor, Principal) else None
    created: list[ProjectRead] = []
    history_rows: list[dict[str, Any]] = []
    audit_rows: list[dict[str, Any]] = []
    outbox_rows: list[dict[str, Any]] = []
    for project in projects:
        lines = lines_by_id.get(project.id, [])
        read_model = to_read(project, lines)
        created.append(read_model)
        history_rows.append(
            {
                "project_id": project.id,
                "version": 1,
                "at": now,
                "actor": name,
                "action": "registered",
                "changes": diff(None, read_model),
            }
        )
        audit_rows.append(
            {
                "at": now,
                "actor": name,
                "actor_role": role,
                "sgg_code": project.sgg_code,
                "action": audit_action,
                "entity_type": "project",
                "entity_id": project.id,
                "before": None,
                "after": read_model.model_dump(mode="json"),
                "request_id": None,
            }
        )
        event = make_event(snapshot(project, lines), subject=project.id)
        outbox_rows.append(
            {
                "event_id": event.id,
                "event_type": event.type,
                "topic": ProjectRegistered.topic,
                "key": project.id,
                "payload": event.to_json().decode(),
                "created_at": now,
                "attempts": 0,
            }
        )
    await session.execute(insert(ProjectHistory), history_rows)
    await session.execute(insert(AuditEntry), audit_rows)
    await session.execute(insert(OutboxMessage), outbox_rows)
    if check_duplicates:
        await duplicates.check_projects(session, [p.id for p in projects])
    return created
