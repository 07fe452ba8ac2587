"""Convergence suggestions for an item: the registry's projects of the same borough and policy field,
ranked by :mod:`cg_planning.items.convergence`."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cg_planning.items import convergence
from cg_planning.items.schemas import ConvergenceRead, ConvergenceSuggestionRead
from cg_planning.items.service import load_item
from cg_planning.plans.rows import load_plan
from cg_planning.registry_projects.models import RegistryProject
from cg_planning.registry_projects.service import DELETED


async def suggest_convergence(
    *, session: AsyncSession, item_id: str, limit: int, min_score: float
) -> ConvergenceRead:
    item = await load_item(session, item_id)
    plan = await load_plan(session, item.plan_id)
    start, end = date(plan.term_start_year, 1, 1), date(plan.term_end_year, 12, 31)
    candidates: list[RegistryProject] = []
    if item.policy_field:
        candidates = list(
            await session.scalars(
                select(RegistryProject).where(
                    RegistryProject.sgg_code == item.sgg_code,
                    RegistryProject.policy_field == item.policy_field,
                    RegistryProject.status != DELETED,
                    # The registry registers adopted items as projects: never suggest the item to itself.
                    (RegistryProject.plan_item_id.is_(None)) | (RegistryProject.plan_item_id != item.id),
                )
            )
        )
    profile = convergence.ItemProfile(
        title_ko=item.title_ko,
        title_en=item.title_en,
        partner_organisations=tuple(item.partner_organisations),
        target_groups=tuple(item.target_groups),
        period_start=start,
        period_end=end,
        linked_project_ids=frozenset(item.linked_project_ids),
    )
    by_id = {p.project_id: p for p in candidates}
    ranked = convergence.rank(
        profile,
        [
            convergence.ProjectProfile(
                project_id=p.project_id,
                title_ko=p.title_ko,
                title_en=p.title_en,
                partner_organisations=tuple(p.partner_organisations),
                target_groups=tuple(p.target_groups),
                start_date=p.start_date,
                end_date=p.end_date,
            )
            for p in candidates
        ],
        min_score=min_score,
    )[:limit]
    return ConvergenceRead(
        item_id=item.id,
        sgg_code=item.sgg_code,
        policy_field=item.policy_field,
        period_start=start,
        period_end=end,
        candidates_considered=len(candidates),
        suggestions=[
            ConvergenceSuggestionRead(
                project_id=s.project_id,
                code=by_id[s.project_id].code,
                title_ko=by_id[s.project_id].title_ko,
                title_en=by_id[s.project_id].title_en,
                policy_field=by_id[s.project_id].policy_field,
                status=by_id[s.project_id].status,
                start_date=by_id[s.project_id].start_date,
                end_date=by_id[s.project_id].end_date,
                score=s.score,
                title_similarity=s.title_similarity,
                shared_partners=list(s.shared_partners),
                shared_target_groups=list(s.shared_target_groups),
                period_overlap=s.period_overlap,
                already_linked=s.already_linked,
                reasons=list(s.reasons),
            )
            for s in ranked
        ],
    )
