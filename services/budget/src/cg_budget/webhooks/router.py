"""HTTP routes of webhook subscriptions and their delivery log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from cg_budget.webhooks import service
from cg_budget.webhooks.schemas import DeliveryRead, WebhookCreate, WebhookCreated, WebhookRead, WebhookUpdate
from cg_shared.auth import CurrentPrincipal
from cg_shared.deps import SessionDep
from cg_shared.http import PROBLEM_RESPONSES, IfMatchHeader, Page, PageParams, etag_for, page_params

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"], responses=PROBLEM_RESPONSES)


def _block_private(request: Request) -> bool:
    return bool(request.app.state.settings.webhook_block_private_networks)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=WebhookCreated,
    summary="Subscribe a URL to budget events (Standard Webhooks signatures)",
)
async def create_webhook(
    webhook_in: WebhookCreate,
    principal: CurrentPrincipal,
    session: SessionDep,
    request: Request,
    response: Response,
) -> WebhookCreated:
    async with session.begin():
        created = await service.create(
            session=session, principal=principal, webhook_in=webhook_in, block_private=_block_private(request)
        )
    response.headers["ETag"] = etag_for(created.version)
    response.headers["Location"] = f"/v1/webhooks/{created.id}"
    return created


@router.get("", response_model=Page[WebhookRead], summary="Webhook subscriptions visible to the caller")
async def list_webhooks(
    principal: CurrentPrincipal, session: SessionDep, page: Annotated[PageParams, Depends(page_params)]
) -> Page[WebhookRead]:
    return await service.list_(session=session, principal=principal, page=page)


@router.get("/{webhook_id}", response_model=WebhookRead, summary="One webhook subscription")
async def get_webhook(
    webhook_id: str, principal: CurrentPrincipal, session: SessionDep, response: Response
) -> WebhookRead:
    read = await service.get(session=session, principal=principal, webhook_id=webhook_id)
    response.headers["ETag"] = etag_for(read.version)
    return read


@router.patch("/{webhook_id}", response_model=WebhookRead, summary="Change URL, event types or pause/resume")
async def update_webhook(
    webhook_id: str,
    webhook_in: WebhookUpdate,
    principal: CurrentPrincipal,
    session: SessionDep,
    request: Request,
    response: Response,
    if_match: IfMatchHeader = None,
) -> WebhookRead:
    async with session.begin():
        read = await service.update(
            session=session,
            principal=principal,
            webhook_id=webhook_id,
            webhook_in=webhook_in,
            if_match=if_match,
            block_private=_block_private(request),
        )
    response.headers["ETag"] = etag_for(read.version)
    return read


@router.get(
    "/{webhook_id}/deliveries",
    response_model=Page[DeliveryRead],
    summary="Delivery log: every event sent to this subscription with each attempt",
)
async def list_deliveries(
    webhook_id: str,
    principal: CurrentPrincipal,
    session: SessionDep,
    page: Annotated[PageParams, Depends(page_params)],
) -> Page[DeliveryRead]:
    return await service.list_deliveries(
        session=session, principal=principal, webhook_id=webhook_id, page=page
    )
