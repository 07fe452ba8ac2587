"""HTTP routes of plans: translate, call one service function, translate back."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response, status

from cg_planning.common import with_etag
from cg_planning.plans import decisions, participation, service
from cg_planning.plans import evaluation as evaluations
from cg_planning.plans.schemas import (
    CommitteeDecisionRead,
    EvaluationCreate,
    EvaluationRead,
    GradeUpdate,
    PlanCreate,
    PlanKind,
    PlanMetricsRead,
    PlanRead,
    PlanUpdate,
    SubmitRequest,
    TransitionRead,
    TransitionRequest,
    WorkflowRuleRead,
)
from cg_planning.plans.workflow import PlanState
from cg_planning.types import ID_PATTERN
from cg_shared.auth import CurrentPrincipal
from cg_shared.deps import SessionDep
from cg_shared.http import PROBLEM_RESPONSES, IfMatchHeader, Page, PageParams, page_params

router = APIRouter(prefix="/v1", tags=["plans"], responses=PROBLEM_RESPONSES)

PlanId = Annotated[str, Path(pattern=ID_PATTERN, description="Plan id")]
FiscalYear = Annotated[int, Path(ge=2000, le=2100)]


@router.get(
    "/plan-workflow",
    response_model=list[WorkflowRuleRead],
    summary="The plan state machine: every allowed transition with its trigger, actor and guard",
)
async def get_plan_workflow() -> list[WorkflowRuleRead]:
    return service.workflow_rules()


@router.post("/plans", status_code=status.HTTP_201_CREATED, response_model=PlanRead, summary="Create a plan")
async def create_plan(
    plan_in: PlanCreate,
    principal: CurrentPrincipal,
    session: SessionDep,
    request: Request,
    response: Response,
) -> PlanRead:
    async with session.begin():
        plan = await service.create(session=session, principal=principal, plan_in=plan_in)
    response.headers["Location"] = str(request.url_for("get_plan", plan_id=plan.id))
    return with_etag(response, plan)


@router.get("/plans", response_model=Page[PlanRead], summary="Plans (public)")
async def list_plans(
    session: SessionDep,
    page: Annotated[PageParams, Depends(page_params)],
    sgg_code: Annotated[str | None, Query(pattern=r"^11\d{3}$")] = None,
    kind: PlanKind | None = None,
    state: PlanState | None = None,
    fiscal_year: Annotated[
        int | None, Query(ge=2000, le=2100, description="Plans covering this year")
    ] = None,
) -> Page[PlanRead]:
    return await service.list_plans(
        session=session, page=page, sgg_code=sgg_code, kind=kind, state=state, fiscal_year=fiscal_year
    )


@router.get("/plans/{plan_id}", response_model=PlanRead, summary="One plan, with its allowed next moves")
async def get_plan(plan_id: PlanId, session: SessionDep, response: Response) -> PlanRead:
    plan = await service.get(session=session, plan_id=plan_id)
    return with_etag(response, plan)


@router.patch(
    "/plans/{plan_id}", response_model=PlanRead, summary="Change titles, themes, goals, coordinator"
)
async def update_plan(
    plan_id: PlanId,
    plan_in: PlanUpdate,
    principal: CurrentPrincipal,
    session: SessionDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> PlanRead:
    async with session.begin():
        plan = await service.update(
            session=session, principal=principal, plan_id=plan_id, plan_in=plan_in, if_match=if_match
        )
    return with_etag(response, plan)


@router.post(
    "/plans/{plan_id}/transitions",
    response_model=PlanRead,
    summary="Move the plan (manual moves only; illegal moves get 409 naming the allowed ones)",
)
async def transition_plan(
    plan_id: PlanId,
    request_in: TransitionRequest,
    principal: CurrentPrincipal,
    session: SessionDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> PlanRead:
    async with session.begin():
        plan = await service.transition(
            session=session, principal=principal, plan_id=plan_id, request=request_in, if_match=if_match
        )
    return with_etag(response, plan)


@router.get("/plans/{plan_id}/transitions", response_model=Page[TransitionRead], summary="Workflow history")
async def list_transitions(
    plan_id: PlanId, session: SessionDep, page: Annotated[PageParams, Depends(page_params)]
) -> Page[TransitionRead]:
    return await service.list_transitions(session=session, plan_id=plan_id, page=page)


@router.post(
    "/plans/{plan_id}/submit",
    response_model=PlanRead,
    summary="Submit to the borough committee (DRAFTING → COMMITTEE_REVIEW); every item needs deliberation",
)
async def submit_plan(
    plan_id: PlanId,
    principal: CurrentPrincipal,
    session: SessionDep,
    response: Response,
    submit_in: Annotated[SubmitRequest | None, Body()] = None,
    if_match: IfMatchHeader = None,
) -> PlanRead:
    async with session.begin():
        plan = await service.submit(
            session=session,
            principal=principal,
            plan_id=plan_id,
            submit_in=submit_in or SubmitRequest(),
            if_match=if_match,
        )
    return with_etag(response, plan)


@router.get(
    "/plans/{plan_id}/decisions",
    response_model=list[CommitteeDecisionRead],
    summary="Committee decisions received for this plan, and whether they were applied",
)
async def list_plan_decisions(plan_id: PlanId, session: SessionDep) -> list[CommitteeDecisionRead]:
    return await decisions.list_decisions(session=session, plan_id=plan_id)


@router.post(
    "/plans/{plan_id}/evaluation",
    status_code=status.HTTP_201_CREATED,
    response_model=EvaluationRead,
    summary="Record the yearly evaluation (IN_EXECUTION → EVALUATED)",
)
async def evaluate_plan(
    plan_id: PlanId,
    evaluation_in: EvaluationCreate,
    principal: CurrentPrincipal,
    session: SessionDep,
    response: Response,
) -> EvaluationRead:
    async with session.begin():
        evaluation = await evaluations.evaluate(
            session=session, principal=principal, plan_id=plan_id, evaluation_in=evaluation_in
        )
    return with_etag(response, evaluation)


@router.get("/plans/{plan_id}/evaluation", response_model=list[EvaluationRead], summary="Yearly evaluations")
async def list_evaluations(plan_id: PlanId, session: SessionDep) -> list[EvaluationRead]:
    return await evaluations.list_evaluations(session=session, plan_id=plan_id)


@router.get(
    "/plans/{plan_id}/evaluation/{fiscal_year}",
    response_model=EvaluationRead,
    summary="One year's evaluation",
)
async def get_evaluation(
    plan_id: PlanId, fiscal_year: FiscalYear, session: SessionDep, response: Response
) -> EvaluationRead:
    evaluation = await evaluations.get_evaluation(session=session, plan_id=plan_id, fiscal_year=fiscal_year)
    return with_etag(response, evaluation)


@router.patch(
    "/plans/{plan_id}/evaluation/{fiscal_year}",
    response_model=EvaluationRead,
    summary="Set the city's grade 가/나/다 (smg_admin)",
)
async def grade_plan(
    plan_id: PlanId,
    fiscal_year: FiscalYear,
    grade_in: GradeUpdate,
    principal: CurrentPrincipal,
    session: SessionDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> EvaluationRead:
    async with session.begin():
        evaluation = await evaluations.set_grade(
            session=session,
            principal=principal,
            plan_id=plan_id,
            fiscal_year=fiscal_year,
            grade_in=grade_in,
            if_match=if_match,
        )
    return with_etag(response, evaluation)


@router.get(
    "/plans/{plan_id}/metrics",
    response_model=PlanMetricsRead,
    summary="Participation and tokenism metrics of the plan",
)
async def plan_metrics(plan_id: PlanId, session: SessionDep) -> PlanMetricsRead:
    return await participation.metrics(session=session, plan_id=plan_id)
