"""Bulk registration (imports): the rows of many projects with Core executemany."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from cg_registry.duplicates import service as duplicates
from cg_registry.projects.changes import (
    Actor,
    actor_name,
    audit_row,
    history_row,
)
from cg_registry.projects.codes import allocate_codes, code_prefix
from cg_registry.projects.mapping import (
    changes,
    derived,
    line_row,
    money,
    new_row,
    read_model,
    snapshot_of,
)
from cg_registry.projects.models import FundingLine, Project, ProjectHistory
from cg_registry.projects.reading import line_dicts_by_project
from cg_registry.projects.schemas import ProjectCreate, ProjectRead
from cg_shared.db import utcnow
from cg_shared.messaging.tables import AuditEntry, OutboxMessage
from cg_shared.messaging.writer import outbox_values


async def _codes(session: AsyncSession, items: Sequence[ProjectCreate]) -> list[str]:
    """Each item's code: its own, or a fresh one (one counter update per prefix)."""
    explicit = {item.code for item in items if item.code}
    by_prefix: dict[str, int] = defaultdict(int)
    for item in items:
        if not item.code:
            by_prefix[code_prefix(item.sgg_code)] += 1
    fresh = {p: iter(await allocate_codes(session, p, n, explicit)) for p, n in sorted(by_prefix.items())}
    return [item.code or next(fresh[code_prefix(item.sgg_code)]) for item in items]


async def bulk_create(
    session: AsyncSession,
    *,
    actor: Actor,
    items: Sequence[ProjectCreate],
    audit_action: str = "project.import",
    check_duplicates: bool = True,
) -> list[ProjectRead]:
    """Register many projects with Core executemany: the same rows, history, audit and events as
    :func:`~.registration.create_project`, without round trips per project (imports must run ≥ 5,000
    rows/s). Imported projects have no parent.

    The caller has validated codes and plan items against the database."""
    now, name = utcnow(), actor_name(actor)
    rows: list[dict[str, Any]] = []
    line_rows: list[dict[str, Any]] = []
    for item, code in zip(items, await _codes(session, items), strict=True):
        row = new_row(item, project_id=str(uuid.uuid4()), code=code, now=now, actor=name)
        row["parent_id"] = None
        lines = [line_row(row["id"], line) for line in item.funding_lines]
        row.update(money(lines, row["declared_total_krw"]))
        row.update(derived(row))
        rows.append(row)
        line_rows.extend({k: v for k, v in line.items() if k != "id"} for line in lines)
    await session.execute(insert(Project), rows)
    if line_rows:
        await session.execute(insert(FundingLine), line_rows)
    lines_by_id = await line_dicts_by_project(session, [row["id"] for row in rows])
    created: list[ProjectRead] = []
    written: dict[Any, list[dict[str, Any]]] = {ProjectHistory: [], AuditEntry: [], OutboxMessage: []}
    for row in rows:
        lines = lines_by_id.get(row["id"], [])
        read = read_model(row, lines)
        dumped = read.model_dump(mode="json")
        created.append(read)
        written[ProjectHistory].append(
            history_row(row, actor=actor, action="registered", changes=changes(None, dumped))
        )
        written[AuditEntry].append(audit_row(actor, audit_action, row, after=dumped))
        written[OutboxMessage].append(
            outbox_values(session, snapshot_of(row, lines), subject=row["id"], at=now)
        )
    for table, values in written.items():
        await session.execute(insert(table), values)
    if check_duplicates:
        await duplicates.check_projects(session, [row["id"] for row in rows])
    return created
