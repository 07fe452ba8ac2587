"""HTTP routes of the resident's notification inbox (``/v1/me/notifications``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from cg_planning.timeline import service
from cg_planning.timeline.schemas import NotificationPage, NotificationRead, NotificationsMarked
from cg_planning.types import ID_PATTERN
from cg_shared.auth import CurrentPrincipal
from cg_shared.deps import SessionDep
from cg_shared.http import PROBLEM_RESPONSES, PageParams, page_params

router = APIRouter(prefix="/v1/me/notifications", tags=["notifications"], responses=PROBLEM_RESPONSES)


@router.get(
    "",
    response_model=NotificationPage,
    summary="My notifications: what became of my proposals, newest first",
)
async def list_my_notifications(
    principal: CurrentPrincipal,
    session: SessionDep,
    page: Annotated[PageParams, Depends(page_params)],
    unread: Annotated[bool, Query(description="Only unread notifications")] = False,
) -> NotificationPage:
    return await service.inbox(session=session, principal=principal, page=page, unread_only=unread)


@router.post(
    "/read-all",
    response_model=NotificationsMarked,
    summary="Mark every notification in my inbox read",
)
async def mark_all_my_notifications_read(
    principal: CurrentPrincipal, session: SessionDep
) -> NotificationsMarked:
    async with session.begin():
        return await service.mark_all_read(session=session, principal=principal)


@router.post(
    "/{notification_id}/read",
    response_model=NotificationRead,
    summary="Mark one of my notifications read",
)
async def mark_my_notification_read(
    notification_id: Annotated[str, Path(pattern=ID_PATTERN)],
    principal: CurrentPrincipal,
    session: SessionDep,
) -> NotificationRead:
    async with session.begin():
        return await service.mark_read(session=session, principal=principal, notification_id=notification_id)
