"""Yearly evaluation of a plan: item results and KPI progress checked against the plan's items, the
participation figures of the year, the city's grade (가/나/다) and the PlanEvaluated event budget keys on."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cg_planning.common import ensure_officer, new_id
from cg_planning.items import service as items
from cg_planning.items.models import PlanItem
from cg_planning.plans import participation
from cg_planning.plans.metrics import PlanMetrics
from cg_planning.plans.models import Plan, PlanEvaluation
from cg_planning.plans.moves import apply_move, decide, plan_facts
from cg_planning.plans.rows import load_plan
from cg_planning.plans.schemas import (
    EvaluationCreate,
    EvaluationRead,
    Grade,
    GradeUpdate,
    ItemResult,
    ParticipationFigures,
    PlanKind,
)
from cg_planning.plans.workflow import PlanState, Trigger
from cg_shared.audit import audit_row
from cg_shared.auth import Principal, ensure_role
from cg_shared.clock import today_seoul
from cg_shared.db import utcnow
from cg_shared.events.planning import PlanEvaluated
from cg_shared.http import Conflict, FieldError, Forbidden, NotFound, Unprocessable, check_if_match
from cg_shared.i18n import msg
from cg_shared.messaging import add_to_outbox
from cg_shared.rows import bump_version


def kpi_progress(*, actual: float, target: float, baseline: float | None) -> float | None:
    """Share of the way from baseline (or 0) to target, clipped to 0..1; None when it is undefined."""
    start = baseline if baseline is not None else 0.0
    if target == start:
        return None
    return max(0.0, min(1.0, (actual - start) / (target - start)))


def _grade(value: str | None) -> Grade | None:
    return cast(Grade, value) if value in ("가", "나", "다") else None


def _evaluation_view(row: PlanEvaluation) -> EvaluationRead:
    return EvaluationRead(
        id=row.id,
        plan_id=row.plan_id,
        fiscal_year=row.fiscal_year,
        item_results=[ItemResult.model_validate(r) for r in row.item_results],
        total_items=row.total_items,
        completed_items=row.completed_items,
        item_completion_rate=row.item_completion_rate,
        kpi_achievement_rate=row.kpi_achievement_rate,
        participation=ParticipationFigures.model_validate(row.participation),
        grade=_grade(row.grade),
        graded_at=row.graded_at,
        summary=row.summary,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _evaluated_event(plan: Plan, row: PlanEvaluation) -> PlanEvaluated:
    return PlanEvaluated(
        plan_id=plan.id,
        sgg_code=plan.sgg_code,
        fiscal_year=row.fiscal_year,
        grade=row.grade,
        item_completion_rate=row.item_completion_rate,
        participants=int(row.participation.get("participants", 0)),
        evaluation_id=row.id,
        kind=plan.kind,
        kpi_achievement_rate=row.kpi_achievement_rate,
        deliberation_events=int(row.participation.get("deliberation_events", 0)),
    )


def _check_results(
    results: Sequence[ItemResult], plan_items: dict[str, PlanItem]
) -> tuple[list[FieldError], list[float]]:
    errors: list[FieldError] = []
    progress: list[float] = []
    seen: set[str] = set()
    for n, result in enumerate(results):
        item = plan_items.get(result.item_id)
        if item is None:
            errors.append(
                FieldError(
                    field=f"body.item_results.{n}.item_id",
                    message=msg("{item_id} is not in this plan", item_id=result.item_id),
                )
            )
            continue
        if result.item_id in seen:
            errors.append(
                FieldError(
                    field=f"body.item_results.{n}.item_id",
                    message=msg("{item_id} is listed twice", item_id=result.item_id),
                )
            )
        seen.add(result.item_id)
        kpis = {k["name"]: k for k in item.kpis}
        for m, kpi_result in enumerate(result.kpi_results):
            kpi = kpis.get(kpi_result.name)
            if kpi is None:
                errors.append(
                    FieldError(
                        field=f"body.item_results.{n}.kpi_results.{m}.name",
                        message=msg(
                            "item '{title_ko}' has no KPI {name!r}",
                            title_ko=item.title_ko,
                            name=kpi_result.name,
                        ),
                    )
                )
                continue
            p = kpi_progress(
                actual=kpi_result.actual, target=float(kpi["target"]), baseline=kpi.get("baseline")
            )
            if p is not None:
                progress.append(p)
    return errors, progress


def _ensure_may_grade(principal: Principal, evaluation_in: EvaluationCreate) -> None:
    if evaluation_in.grade is not None and not principal.is_admin:
        raise Forbidden(
            "the grade (가/나/다) is the city's: only smg_admin may set body.grade",
            errors=[FieldError(field="body.grade", message="only smg_admin may grade")],
        )


def _ensure_year(plan: Plan, year: int) -> None:
    """422 for a year outside the plan (an annual plan has one), 409 for a year that has not begun."""
    if plan.kind == PlanKind.ANNUAL.value and year != plan.fiscal_year:
        raise Unprocessable(
            "wrong fiscal year",
            errors=[
                FieldError(
                    field="body.fiscal_year",
                    message=msg("this annual plan runs {fiscal_year}", fiscal_year=plan.fiscal_year),
                )
            ],
        )
    if not plan.term_start_year <= year <= plan.term_end_year:
        raise Unprocessable(
            "wrong fiscal year",
            errors=[
                FieldError(
                    field="body.fiscal_year",
                    message=msg(
                        "{year} is outside the plan's term {term_start_year}–{term_end_year}",
                        year=year,
                        term_start_year=plan.term_start_year,
                        term_end_year=plan.term_end_year,
                    ),
                )
            ],
        )
    today = today_seoul()
    if year > today.year:
        raise Conflict(
            msg(
                "fiscal year {year} begins on {year}-01-01: it cannot be evaluated before it began "
                "(today is {today} in Seoul)",
                year=year,
                today=today.isoformat(),
            ),
            slug="year-not-begun",
            extra={"fiscal_year": year, "begins_on": f"{year}-01-01"},
        )


def _evaluation_row(
    plan: Plan,
    evaluation_in: EvaluationCreate,
    *,
    principal: Principal,
    total: int,
    progress: list[float],
    m: PlanMetrics,
) -> PlanEvaluation:
    completed = sum(1 for r in evaluation_in.item_results if r.completed)
    now = utcnow()
    return PlanEvaluation(
        id=new_id(),
        plan_id=plan.id,
        sgg_code=plan.sgg_code,
        fiscal_year=evaluation_in.fiscal_year,
        item_results=[r.model_dump() for r in evaluation_in.item_results],
        total_items=total,
        completed_items=completed,
        item_completion_rate=round(completed / total, 4) if total else 0.0,
        kpi_achievement_rate=round(sum(progress) / len(progress), 4) if progress else None,
        participation=ParticipationFigures(
            deliberation_events=m.deliberation_events,
            participants=m.participants,
            proposals_received=m.proposals_received,
            proposals_taken_up=m.proposals_by_status["accepted"] + m.proposals_by_status["merged"],
            share_items_changed_by_input=m.share_items_changed_by_input,
        ).model_dump(),
        grade=evaluation_in.grade,
        graded_by=principal.sub if evaluation_in.grade else None,
        graded_at=now if evaluation_in.grade else None,
        summary=evaluation_in.summary,
        recorded_by=principal.sub,
        version=1,
        created_at=now,
        updated_at=now,
    )


def _audit_evaluation(
    session: AsyncSession,
    principal: Principal,
    plan: Plan,
    row: PlanEvaluation,
    *,
    action: str,
    before: dict[str, object] | None = None,
) -> EvaluationRead:
    """The evaluation's event (budget keys its grade bonus on plan and year) and audit row; its view."""
    add_to_outbox(session, _evaluated_event(plan, row), subject=plan.id)
    view = _evaluation_view(row)
    audit_row(
        session,
        actor=principal,
        action=action,
        entity_type="plan_evaluation",
        row=row,
        before=before,
        after=view.model_dump(),
    )
    return view


async def evaluate(
    *, session: AsyncSession, principal: Principal, plan_id: str, evaluation_in: EvaluationCreate
) -> EvaluationRead:
    plan = await load_plan(session, plan_id, for_update=True)
    ensure_officer(principal, plan.sgg_code)
    _ensure_may_grade(principal, evaluation_in)
    move = decide(plan, PlanState.EVALUATED, Trigger.EVALUATION, await plan_facts(session, plan))
    year = evaluation_in.fiscal_year
    _ensure_year(plan, year)
    if await session.scalar(
        select(PlanEvaluation.id).where(PlanEvaluation.plan_id == plan.id, PlanEvaluation.fiscal_year == year)
    ):
        raise Conflict(
            msg("plan {plan_id} already has an evaluation for {year}", plan_id=plan.id, year=year),
            slug="evaluation-exists",
        )
    plan_items = {i.id: i for i in await items.items_of_plan(session, plan.id)}
    errors, progress = _check_results(evaluation_in.item_results, plan_items)
    if errors:
        raise Unprocessable("the evaluation is not valid", errors=errors)
    m = await participation.compute(session, plan)
    row = _evaluation_row(
        plan, evaluation_in, principal=principal, total=len(plan_items), progress=progress, m=m
    )
    session.add(row)
    apply_move(session, plan, move, actor=principal, reason=f"evaluation of {year} recorded")
    await session.flush()
    return _audit_evaluation(session, principal, plan, row, action="plan.evaluate")


async def _load_evaluation(
    session: AsyncSession, plan_id: str, fiscal_year: int, *, for_update: bool = False
) -> PlanEvaluation:
    stmt = select(PlanEvaluation).where(
        PlanEvaluation.plan_id == plan_id, PlanEvaluation.fiscal_year == fiscal_year
    )
    row = await session.scalar(stmt.with_for_update() if for_update else stmt)
    if row is None:
        raise NotFound(
            msg(
                "plan {plan_id} has no evaluation for {fiscal_year}", plan_id=plan_id, fiscal_year=fiscal_year
            )
        )
    evaluation: PlanEvaluation = row
    return evaluation


async def set_grade(
    *,
    session: AsyncSession,
    principal: Principal,
    plan_id: str,
    fiscal_year: int,
    grade_in: GradeUpdate,
    if_match: str | None,
) -> EvaluationRead:
    ensure_role(principal)  # the city grades plans: smg_admin only
    plan = await load_plan(session, plan_id)
    row = await _load_evaluation(session, plan_id, fiscal_year, for_update=True)
    check_if_match(if_match, row.version)
    before = _evaluation_view(row).model_dump()
    now = utcnow()
    row.grade = grade_in.grade
    row.graded_by = principal.sub
    row.graded_at = now
    bump_version(row, at=now)
    await session.flush()
    # Budget keys its grade bonus on (plan, year): a re-emitted evaluation with the grade replaces the first.
    return _audit_evaluation(session, principal, plan, row, action="plan.grade", before=before)


async def list_evaluations(*, session: AsyncSession, plan_id: str) -> list[EvaluationRead]:
    await load_plan(session, plan_id)
    rows = await session.scalars(
        select(PlanEvaluation).where(PlanEvaluation.plan_id == plan_id).order_by(PlanEvaluation.fiscal_year)
    )
    return [_evaluation_view(r) for r in rows]


async def get_evaluation(*, session: AsyncSession, plan_id: str, fiscal_year: int) -> EvaluationRead:
    await load_plan(session, plan_id)
    return _evaluation_view(await _load_evaluation(session, plan_id, fiscal_year))
