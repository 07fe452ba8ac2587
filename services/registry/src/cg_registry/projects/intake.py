"""Projects that arrive through events: items of adopted plans, and funding from finalised allocations.

Both are idempotent by design, not only through the consumer's inbox: a plan item is registered at
most once (unique ``plan_item_id`` and a code derived from the item id), and an allocation line is
added at most once per project (unique ``(project, allocation_id, request_id)``).
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from datetime import date

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from cg_registry.domain import POLICY_FIELDS, FundingSource, Origin, PartnerKind
from cg_registry.projects import service as projects
from cg_registry.projects.models import FundingLine, Project, UnmatchedAllocationLine
from cg_registry.projects.schemas import Partner, ProjectCreate
from cg_shared.districts import DISTRICTS
from cg_shared.events.budget import AllocationFinalized, AllocationLine
from cg_shared.events.planning import PlanAdopted, PlanItemData

log = logging.getLogger(__name__)

PLANNING_ACTOR = "system:planning"
BUDGET_ACTOR = "system:budget"
_FIELDS_BY_NAME = {f.name_ko: f.code for f in POLICY_FIELDS.values()}


def plan_item_code(sgg_code: str | None, item_id: str) -> str:
    """Deterministic code: a redelivered or replayed event derives the same one (and it is unique)."""
    digest = hashlib.sha256(item_id.encode()).hexdigest()[:10].upper()
    return f"CG-{sgg_code or 'SMG'}-P{digest}"


def _policy_field(value: str | None) -> str:
    if not value:
        return "other"
    return value if value in POLICY_FIELDS else _FIELDS_BY_NAME.get(value, "other")


def _project_from_item(payload: PlanAdopted, item: PlanItemData) -> ProjectCreate:
    origin = item.origin if item.origin in {o.value for o in Origin} else Origin.DEPARTMENT.value
    # Planning only names partner organisations; resident-led items partner with resident groups.
    kind = PartnerKind.RESIDENT_GROUP if origin == Origin.RESIDENT else PartnerKind.CIVIC_GROUP
    year = payload.fiscal_year
    sgg = payload.sgg_code if payload.sgg_code in DISTRICTS else None
    return ProjectCreate(
        title_ko=item.title_ko[:300],
        title_en=item.title_en[:300],
        summary_ko=f"{payload.title_ko} 채택 항목 (계획 {payload.plan_id})"[:5000],
        sgg_code=sgg,
        lead_department=(item.responsible_department or None) and item.responsible_department[:200],
        partners=[
            Partner(name=name[:200], kind=kind, role="partner")
            for name in dict.fromkeys(n.strip() for n in item.partner_organisations)
            if name
        ][:50],
        origin=Origin(origin),
        policy_field=_policy_field(item.policy_field),
        target_groups=[t.strip()[:50] for t in item.target_groups if t.strip()][:20],
        start_date=date(year, 1, 1) if year else None,
        end_date=date(year, 12, 31) if year else None,
        plan_item_id=item.item_id[:100],
    )


async def register_adopted_items(session: AsyncSession, payload: PlanAdopted) -> list[str]:
    """Register each adopted item that no registry project carries yet; returns the new project ids."""
    created: list[str] = []
    for item in payload.items:
        if await session.scalar(select(exists().where(Project.plan_item_id == item.item_id))):
            continue
        if item.linked_project_ids and await session.scalar(
            select(exists().where(Project.id.in_(item.linked_project_ids)))
        ):
            continue  # the item continues a project the registry already knows
        data = _project_from_item(payload, item)
        project = await projects.create_project(
            session,
            actor=PLANNING_ACTOR,
            data=data,
            code=plan_item_code(data.sgg_code, item.item_id),
            audit_action="project.register_from_plan",
        )
        created.append(project.id)
    return created


async def _target_project(session: AsyncSession, line: AllocationLine) -> Project | None:
    if line.plan_item_id:
        by_item: Project | None = await session.scalar(
            select(Project).where(Project.plan_item_id == line.plan_item_id)
        )
        if by_item is not None:
            return by_item
    for project_id in line.linked_project_ids:
        linked: Project | None = await session.get(Project, project_id)
        if linked is not None:
            return linked
    return None


async def add_allocation_lines(session: AsyncSession, payload: AllocationFinalized) -> list[str]:
    """Add one funding line per allocation line; returns the ids of the projects that changed."""
    sources = {s.value for s in FundingSource}
    bad = sorted({line.source for line in payload.lines} - sources)
    if bad:
        # A contract violation, not a transient fault: the consumer dead-letters the whole event.
        raise ValueError(f"allocation {payload.allocation_id} has unknown funding sources {bad}")
    per_project: dict[str, list[AllocationLine]] = defaultdict(list)
    for line in payload.lines:
        if line.amount_krw <= 0:
            continue
        project = await _target_project(session, line)
        if project is None:
            # The plan-adopted event may still be on its way (another topic): keep the line for later.
            if await session.get(UnmatchedAllocationLine, (payload.allocation_id, line.request_id)) is None:
                session.add(
                    UnmatchedAllocationLine(
                        allocation_id=payload.allocation_id,
                        request_id=line.request_id,
                        sgg_code=payload.sgg_code,
                        plan_item_id=line.plan_item_id,
                        linked_project_ids=list(line.linked_project_ids),
                        source=line.source,
                        fiscal_year=payload.fiscal_year,
                        amount_krw=line.amount_krw,
                    )
                )
            log.info(
                "allocation line without a registry project kept for later",
                extra={"request": line.request_id},
            )
            continue
        per_project[project.id].append(line)
    changed: list[str] = []
    for project_id, lines in per_project.items():
        project = await projects.load(session, project_id, for_update=True)
        before = await projects.read(session, project)
        added = 0
        for line in lines:
            already = await session.scalar(
                select(
                    exists().where(
                        FundingLine.project_id == project.id,
                        FundingLine.allocation_id == payload.allocation_id,
                        FundingLine.request_id == line.request_id,
                    )
                )
            )
            if already:
                continue
            pending = await session.get(UnmatchedAllocationLine, (payload.allocation_id, line.request_id))
            if pending is not None:  # kept earlier while its project was unknown; now it has one
                await session.delete(pending)
            session.add(
                FundingLine(
                    project_id=project.id,
                    source=line.source,
                    fiscal_year=payload.fiscal_year,
                    amount_krw=line.amount_krw,
                    budget_line_id=f"{payload.allocation_id}/{line.request_id}",
                    allocation_id=payload.allocation_id,
                    request_id=line.request_id,
                )
            )
            added += 1
        if not added:
            continue
        await session.flush()
        projects.apply_money(project, (await projects.lines_by_project(session, [project.id]))[project.id])
        await projects.publish_update(
            session,
            project=project,
            actor=BUDGET_ACTOR,
            action="funded",
            before=before,
            audit_action="project.fund",
        )
        changed.append(project.id)
    return changed
