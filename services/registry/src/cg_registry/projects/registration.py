"""Registering one project (API, adopted plan items)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import (
    exists,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from cg_registry.districts import ensure_known_borough
from cg_registry.duplicates import service as duplicates
from cg_registry.projects import progress
from cg_registry.projects.changes import (
    Actor,
    actor_name,
    add_history,
    apply_derived,
    apply_money,
    diff,
    ensure_may_write,
    roll_up,
    snapshot,
)
from cg_registry.projects.codes import next_code
from cg_registry.projects.models import (
    FundingLine,
    Project,
    UnmatchedAllocationLine,
)
from cg_registry.projects.reading import to_read
from cg_registry.projects.schemas import (
    FundingLineIn,
    ProjectCreate,
    ProjectRead,
)
from cg_shared.audit import record_audit
from cg_shared.auth import Principal
from cg_shared.db import utcnow
from cg_shared.http import (
    Conflict,
)
from cg_shared.i18n import msg
from cg_shared.messaging import add_to_outbox


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
    return [
        FundingLine(
            project_id=project_id,
            source=line.source.value,
            fiscal_year=line.fiscal_year,
            amount_krw=line.amount_krw,
            budget_line_id=line.budget_line_id,
        )
        for line in lines_in
    ]


async def create_project(
    session: AsyncSession,
    *,
    actor: Actor,
    data: ProjectCreate,
    code: str | None = None,
    audit_action: str = "project.register",
    check_duplicates: bool = True,
) -> tuple[Project, ProjectRead]:
    """Insert a project with its lines, history, audit, outbox event (and duplicate check)."""
    ensure_known_borough(data.sgg_code, field="body.sgg_code")
    if data.parent_id is not None:
        await progress.check_parent(
            session, project_id=None, sgg_code=data.sgg_code, parent_id=data.parent_id
        )
    code = code or data.code
    if code is not None:
        if await session.scalar(select(exists().where(Project.code == code))):
            raise Conflict(msg("project code {code} is already used", code=code), slug="duplicate-code")
    else:
        code = await next_code(session, data.sgg_code)
    if data.plan_item_id is not None and await session.scalar(
        select(exists().where(Project.plan_item_id == data.plan_item_id))
    ):
        raise Conflict(
            msg(
                "plan item {plan_item_id} is already carried out by another project",
                plan_item_id=data.plan_item_id,
            )
        )
    now = utcnow()
    project = Project(
        code=code,
        title_ko=data.title_ko,
        title_en=data.title_en,
        summary_ko=data.summary_ko,
        summary_en=data.summary_en,
        sgg_code=data.sgg_code,
        lead_department=data.lead_department,
        partners=[p.model_dump(mode="json") for p in data.partners],
        origin=data.origin.value,
        policy_field=data.policy_field,
        target_groups=list(data.target_groups),
        start_date=data.start_date,
        end_date=data.end_date,
        status=data.status.value,
        plan_item_id=data.plan_item_id,
        declared_total_krw=data.total_krw,
        parent_id=data.parent_id,
        progress_pct=progress.initial(data.status.value),
        version=1,
        created_at=now,
        updated_at=now,
        created_by=actor_name(actor),
        updated_by=actor_name(actor),
        search_text="",
        search_bigrams=[],
        dup_key="",
    )
    apply_derived(project)
    session.add(project)
    await session.flush()
    lines = new_lines(project.id, data.funding_lines)
    if data.plan_item_id is not None:
        lines.extend(await claim_unmatched_lines(session, project.id, data.plan_item_id))
    session.add_all(lines)
    apply_money(project, lines)
    await session.flush()
    created = to_read(project, lines)
    add_history(session, project=project, actor=actor, action="registered", changes=diff(None, created))
    record_audit(
        session,
        actor=actor,
        action=audit_action,
        entity_type="project",
        entity_id=project.id,
        sgg_code=project.sgg_code,
        after=created.model_dump(mode="json"),
    )
    add_to_outbox(session, snapshot(project, lines), subject=project.id)
    if project.parent_id is not None:
        await roll_up(session, project.parent_id, actor=actor)
    if check_duplicates:
        await duplicates.check_projects(session, [project.id])
    return project, created


async def register(*, session: AsyncSession, principal: Principal, project_in: ProjectCreate) -> ProjectRead:
    ensure_may_write(principal, project_in.sgg_code)
    _, created = await create_project(session, actor=principal, data=project_in)
    return created
