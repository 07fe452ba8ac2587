"""Registering one project (API, adopted plan items)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import exists, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from cg_registry.districts import ensure_known_borough
from cg_registry.projects import progress
from cg_registry.projects.changes import (
    Actor,
    actor_name,
    audit_row,
    ensure_may_write,
    history_row,
    roll_up,
)
from cg_registry.projects.codes import reserve
from cg_registry.projects.mapping import (
    changes,
    derived,
    line_dict,
    line_row,
    money,
    new_row,
    read_model,
    snapshot_of,
)
from cg_registry.projects.models import (
    DuplicateCheck,
    FundingLine,
    Project,
    ProjectHistory,
    UnmatchedAllocationLine,
)
from cg_registry.projects.rows import insert_rows
from cg_registry.projects.schemas import FundingLineIn, ProjectCreate, ProjectRead
from cg_shared.auth import Principal
from cg_shared.db import utcnow
from cg_shared.http import Conflict
from cg_shared.i18n import msg
from cg_shared.messaging.tables import AuditEntry, OutboxMessage
from cg_shared.messaging.writer import outbox_values


async def claim_unmatched_lines(
    session: AsyncSession, project_id: str, plan_item_id: str
) -> list[FundingLine]:
    """Allocation lines that arrived before the project of their plan item existed become its lines."""
    pending = list(
        (
            await session.execute(
                select(UnmatchedAllocationLine)
                .where(UnmatchedAllocationLine.plan_item_id == plan_item_id)
                .order_by(UnmatchedAllocationLine.allocation_id, UnmatchedAllocationLine.request_id)
            )
        ).scalars()
    )
    lines = [
        FundingLine(
            project_id=project_id,
            source=row.source,
            fiscal_year=row.fiscal_year,
            amount_krw=row.amount_krw,
            budget_line_id=f"{row.allocation_id}/{row.request_id}",
            allocation_id=row.allocation_id,
            request_id=row.request_id,
        )
        for row in pending
    ]
    for row in pending:
        await session.delete(row)
    return lines


def new_lines(project_id: str, lines_in: Sequence[FundingLineIn]) -> list[FundingLine]:
    return [FundingLine(**line_row(project_id, line)) for line in lines_in]


async def _check_new(session: AsyncSession, data: ProjectCreate, code: str | None) -> None:
    """What a registration is refused for: an unknown borough, a bad parent, a taken code or plan item."""
    ensure_known_borough(data.sgg_code, field="body.sgg_code")
    if data.parent_id is not None:
        await progress.lock_tree(session)
        await progress.check_parent(
            session, project_id=None, sgg_code=data.sgg_code, parent_id=data.parent_id
        )
    if code is not None and await session.scalar(select(exists().where(Project.code == code))):
        raise Conflict(msg("project code {code} is already used", code=code), slug="duplicate-code")
    if data.plan_item_id is not None and await session.scalar(
        select(exists().where(Project.plan_item_id == data.plan_item_id))
    ):
        raise Conflict(
            msg(
                "plan item {plan_item_id} is already carried out by another project",
                plan_item_id=data.plan_item_id,
            )
        )


async def _insert(session: AsyncSession, project: dict[str, Any], lines: list[dict[str, Any]]) -> None:
    """SQLite: insert the project, then its lines one by one (each learns its id)."""
    await session.execute(insert(Project).values(project))
    for line in lines:
        values = {name: value for name, value in line.items() if name != "id"}
        line["id"] = await session.scalar(insert(FundingLine).values(values).returning(FundingLine.id))


async def create_project(
    session: AsyncSession,
    *,
    actor: Actor,
    data: ProjectCreate,
    code: str | None = None,
    audit_action: str = "project.register",
    check_duplicates: bool = True,
) -> ProjectRead:
    """Insert a project with its lines, history, audit, outbox event (and queue its duplicate check).

    On PostgreSQL that is two statements: the code counter (which also hands out the lines' ids), then
    every row in one statement (data-modifying CTEs). Rows are built from the request by
    :mod:`.mapping`, through Core: no ORM unit of work."""
    code = code or data.code
    await _check_new(session, data, code)
    project_id, now = str(uuid.uuid4()), utcnow()
    lines = [line_row(project_id, line) for line in data.funding_lines]
    if data.plan_item_id is not None:
        lines += [
            line_dict(line) for line in await claim_unmatched_lines(session, project_id, data.plan_item_id)
        ]
    code, line_ids = await reserve(session, data.sgg_code, code, len(lines))
    row = new_row(data, project_id=project_id, code=code, now=now, actor=actor_name(actor))
    row.update(money(lines, row["declared_total_krw"]))
    row.update(derived(row))
    if line_ids is None:
        await _insert(session, row, lines)
    else:
        for line, line_id in zip(lines, line_ids, strict=True):
            line["id"] = line_id
    created = read_model(row, lines)
    dumped = created.model_dump(mode="json")
    rows: list[tuple[Any, list[dict[str, Any]]]] = [
        (
            ProjectHistory.__table__,
            [history_row(row, actor=actor, action="registered", changes=changes(None, dumped))],
        ),
        (AuditEntry.__table__, [audit_row(actor, audit_action, row, after=dumped)]),
        (
            OutboxMessage.__table__,
            [outbox_values(session, snapshot_of(row, lines), subject=project_id, at=now)],
        ),
        (
            DuplicateCheck.__table__,
            [{"project_id": project_id, "queued_at": now}] if check_duplicates else [],
        ),
    ]
    if line_ids is not None:  # PostgreSQL: the project and its lines go in the same statement
        rows = [(Project.__table__, [row]), (FundingLine.__table__, lines), *rows]
    await insert_rows(session, rows)
    if data.parent_id is not None:
        await roll_up(session, data.parent_id, actor=actor)
    return created


async def register(*, session: AsyncSession, principal: Principal, project_in: ProjectCreate) -> ProjectRead:
    ensure_may_write(principal, project_in.sgg_code)
    return await create_project(session, actor=principal, data=project_in)
