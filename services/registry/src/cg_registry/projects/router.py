"""HTTP routes for projects: translate, call one service function, translate back."""

from __future__ import annotations

import inspect
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status

from cg_registry.domain import FundingSource, Origin, ProjectStatus
from cg_registry.fastquery import FastQueryRoute, ValidatedQueries, query_model, shortcut
from cg_registry.projects import json_pages, milestones, service
from cg_registry.projects.schemas import (
    HistoryEntry,
    MilestoneCreate,
    MilestoneUpdate,
    ProjectCreate,
    ProjectProgress,
    ProjectRead,
    ProjectUpdate,
)
from cg_shared.auth import CurrentPrincipal
from cg_shared.deps import SessionDep
from cg_shared.fields import NO_CONTROL_PATTERN
from cg_shared.http import (
    PROBLEM_RESPONSES,
    CursorParam,
    IfMatchHeader,
    LimitParam,
    Page,
    PageParams,
    decode_cursor,
    etag_for,
    page_params,
)

router = APIRouter(
    prefix="/v1/projects", tags=["projects"], responses=PROBLEM_RESPONSES, route_class=FastQueryRoute
)

ProjectId = Annotated[str, Path(max_length=36, description="Project id (UUID)")]
# Free-text filters refuse control characters (422): a NUL reaching PostgreSQL was a 500.
NO_CONTROL = NO_CONTROL_PATTERN


# Both dependencies of the public list are ``async def``: a sync dependency runs in the thread pool,
# which cost ~12 % of a list request's CPU (bench/rest profile).
async def project_filters(
    sgg_code: Annotated[str | None, Query(pattern=r"^\d{5}$", description="Borough code")] = None,
    city_wide: Annotated[bool | None, Query(description="true: only city-wide; false: only borough")] = None,
    status: Annotated[ProjectStatus | None, Query()] = None,
    origin: Annotated[Origin | None, Query()] = None,
    source: Annotated[FundingSource | None, Query(description="Has a funding line from this source")] = None,
    policy_field: Annotated[str | None, Query(max_length=40, pattern=NO_CONTROL)] = None,
    active_from: Annotated[date | None, Query(description="Period overlaps [active_from, active_to]")] = None,
    active_to: Annotated[date | None, Query()] = None,
    q: Annotated[
        str | None,
        Query(
            max_length=100,
            pattern=NO_CONTROL,
            description="Words that must all occur in code, titles, department or partners",
        ),
    ] = None,
    plan_item_id: Annotated[str | None, Query(max_length=100, pattern=NO_CONTROL)] = None,
    has_smg_grant: Annotated[bool | None, Query()] = None,
    tokenism_risk: Annotated[bool | None, Query()] = None,
) -> service.ProjectFilters:
    return service.ProjectFilters(
        sgg_code=sgg_code,
        city_wide=city_wide,
        status=status.value if status else None,
        origin=origin.value if origin else None,
        source=source.value if source else None,
        policy_field=policy_field,
        active_from=active_from,
        active_to=active_to,
        q=q,
        plan_item_id=plan_item_id,
        has_smg_grant=has_smg_grant,
        tokenism_risk=tokenism_risk,
    )


Filters = Annotated[service.ProjectFilters, Depends(project_filters)]


async def async_page_params(limit: LimitParam = 50, cursor: CursorParam = None) -> PageParams:
    """:func:`cg_shared.http.page_params` (same parameters and validation) without the thread pool."""
    return PageParams(limit=limit, cursor=decode_cursor(cursor))


@router.post(
    "", status_code=status.HTTP_201_CREATED, response_model=ProjectRead, summary="Register a project"
)
async def register_project(
    project_in: ProjectCreate, principal: CurrentPrincipal, session: SessionDep, request: Request
) -> Response:
    async with session.begin():
        project = await service.register(session=session, principal=principal, project_in=project_in)
    # Already a validated ProjectRead: serialised once in pydantic-core instead of FastAPI's validate →
    # dump → encode (the declared response_model still documents it).
    return Response(
        content=project.model_dump_json(),
        status_code=status.HTTP_201_CREATED,
        media_type="application/json",
        headers={
            "Location": str(request.url_for("get_project", project_id=project.id)),
            "ETag": etag_for(project.version),
        },
    )


_FILTER_NAMES = tuple(inspect.signature(project_filters).parameters)
_list_queries = ValidatedQueries(query_model("ListProjectsQuery", project_filters, async_page_params))


async def _list_projects_shortcut(request: Request) -> Response | None:
    """:func:`list_projects` for a query string that validates (else FastAPI handles the request)."""
    values = _list_queries.get(request)
    if values is None:
        return None
    filters = await project_filters(**{name: values[name] for name in _FILTER_NAMES})
    page = await async_page_params(limit=values["limit"], cursor=values["cursor"])
    return await list_projects(request, filters, page)


@router.get("", response_model=Page[ProjectRead], summary="Search and list projects (public)")
@shortcut(_list_projects_shortcut)
async def list_projects(
    request: Request, filters: Filters, page: Annotated[PageParams, Depends(async_page_params)]
) -> Response:
    # Already a validated Page[ProjectRead], serialised once in pydantic-core instead of FastAPI's
    # dump → re-validate → encode round (the declared response_model still documents the schema).
    # No session dependency: a page from the cache needs none (one is opened on a miss).
    state = request.app.state
    body = await json_pages.list_projects_json(
        engine=state.engine, sessions=state.sessions, filters=filters, page=page
    )
    return Response(content=body, media_type="application/json")


@router.get("/{project_id}", response_model=ProjectRead, summary="One project (public)")
async def get_project(project_id: ProjectId, session: SessionDep, response: Response) -> ProjectRead:
    project = await service.get(session=session, project_id=project_id)
    response.headers["ETag"] = etag_for(project.version)
    return project


@router.patch(
    "/{project_id}",
    response_model=ProjectRead,
    summary="Change a project (If-Match with the ETag you read)",
)
async def update_project(
    project_id: ProjectId,
    project_in: ProjectUpdate,
    principal: CurrentPrincipal,
    session: SessionDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> ProjectRead:
    async with session.begin():
        project = await service.update_project(
            session=session,
            principal=principal,
            project_id=project_id,
            project_in=project_in,
            if_match=if_match,
        )
    response.headers["ETag"] = etag_for(project.version)
    return project


@router.delete(
    "/{project_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Delete a project registered in error (If-Match required)",
)
async def delete_project(
    project_id: ProjectId, principal: CurrentPrincipal, session: SessionDep, if_match: IfMatchHeader = None
) -> Response:
    async with session.begin():
        await service.delete_project(
            session=session, principal=principal, project_id=project_id, if_match=if_match
        )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{project_id}/history",
    response_model=Page[HistoryEntry],
    summary="Who changed what and when (any signed-in user: actors are people)",
)
async def project_history(
    project_id: ProjectId,
    _: CurrentPrincipal,
    session: SessionDep,
    page: Annotated[PageParams, Depends(page_params)],
) -> Page[HistoryEntry]:
    return await service.history(session=session, project_id=project_id, page=page)


MilestoneId = Annotated[str, Path(max_length=36, description="Milestone id (UUID)")]


@router.get(
    "/{project_id}/progress",
    response_model=ProjectProgress,
    summary="Progress of a project: percent done, milestones, child projects (public)",
)
async def project_progress(project_id: ProjectId, session: SessionDep, response: Response) -> ProjectProgress:
    view = await milestones.view(session=session, project_id=project_id)
    response.headers["ETag"] = etag_for(view.version)
    return view


@router.post(
    "/{project_id}/milestones",
    status_code=status.HTTP_201_CREATED,
    response_model=ProjectProgress,
    summary="Add a milestone (If-Match with the project's ETag); progress rolls up to the parents",
)
async def add_milestone(
    project_id: ProjectId,
    milestone_in: MilestoneCreate,
    principal: CurrentPrincipal,
    session: SessionDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> ProjectProgress:
    async with session.begin():
        view = await milestones.add(
            session=session,
            principal=principal,
            project_id=project_id,
            milestone_in=milestone_in,
            if_match=if_match,
        )
    response.headers["ETag"] = etag_for(view.version)
    return view


@router.patch(
    "/{project_id}/milestones/{milestone_id}",
    response_model=ProjectProgress,
    summary="Change a milestone (If-Match with the project's ETag)",
)
async def update_milestone(
    project_id: ProjectId,
    milestone_id: MilestoneId,
    milestone_in: MilestoneUpdate,
    principal: CurrentPrincipal,
    session: SessionDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> ProjectProgress:
    async with session.begin():
        view = await milestones.update(
            session=session,
            principal=principal,
            project_id=project_id,
            milestone_id=milestone_id,
            milestone_in=milestone_in,
            if_match=if_match,
        )
    response.headers["ETag"] = etag_for(view.version)
    return view


@router.delete(
    "/{project_id}/milestones/{milestone_id}",
    response_model=ProjectProgress,
    summary="Remove a milestone (If-Match with the project's ETag)",
)
async def delete_milestone(
    project_id: ProjectId,
    milestone_id: MilestoneId,
    principal: CurrentPrincipal,
    session: SessionDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> ProjectProgress:
    async with session.begin():
        view = await milestones.remove(
            session=session,
            principal=principal,
            project_id=project_id,
            milestone_id=milestone_id,
            if_match=if_match,
        )
    response.headers["ETag"] = etag_for(view.version)
    return view
