"""HTTP routes of webhook subscriptions and their delivery log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from cg_budget.common import tagged
from cg_budget.webhooks import service
from cg_budget.webhooks.crypto import SecretBox
from cg_budget.webhooks.schemas import (
    DeliveryRead,
    SecretRotate,
    SecretRotated,
    WebhookCreate,
    WebhookCreated,
    WebhookRead,
    WebhookUpdate,
)
from cg_shared.auth import CurrentPrincipal
from cg_shared.deps import SessionDep
from cg_shared.http import PROBLEM_RESPONSES, IfMatchHeader, Page, PageParams, page_params

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"], responses=PROBLEM_RESPONSES)


def _block_private(request: Request) -> bool:
    return bool(request.app.state.settings.webhook_block_private_networks)


def _box(request: Request) -> SecretBox:
    box: SecretBox = request.app.state.settings.secret_box()
    return box


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
            session=session,
            principal=principal,
            webhook_in=webhook_in,
            block_private=_block_private(request),
            box=_box(request),
        )
    return tagged(response, created, collection="/v1/webhooks")


@router.get("", response_model=Page[WebhookRead], summary="Webhook subscriptions visible to the caller")
async def list_webhooks(
    principal: CurrentPrincipal, session: SessionDep, page: Annotated[PageParams, Depends(page_params)]
) -> Page[WebhookRead]:
    return await service.list_(session=session, principal=principal, page=page)


@router.get("/{webhook_id}", response_model=WebhookRead, summary="One webhook subscription")
async def get_webhook(
    webhook_id: str, principal: CurrentPrincipal, session: SessionDep, response: Response
) -> WebhookRead:
    return tagged(response, await service.get(session=session, principal=principal, webhook_id=webhook_id))


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
    return tagged(response, read)


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


@router.delete(
    "/{webhook_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a subscription and its delivery log (If-Match required)",
)
async def delete_webhook(
    webhook_id: str, principal: CurrentPrincipal, session: SessionDep, if_match: IfMatchHeader = None
) -> Response:
    async with session.begin():
        await service.delete(session=session, principal=principal, webhook_id=webhook_id, if_match=if_match)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{webhook_id}/rotate-secret",
    response_model=SecretRotated,
    summary="New signing secret (If-Match required); the old one keeps signing alongside it for the overlap",
)
async def rotate_secret(
    webhook_id: str,
    rotate_in: SecretRotate,
    principal: CurrentPrincipal,
    session: SessionDep,
    request: Request,
    response: Response,
    if_match: IfMatchHeader = None,
) -> SecretRotated:
    async with session.begin():
        rotated = await service.rotate_secret(
            session=session,
            principal=principal,
            webhook_id=webhook_id,
            rotate_in=rotate_in,
            if_match=if_match,
            box=_box(request),
            max_overlap_s=request.app.state.settings.webhook_rotation_max_overlap_s,
        )
    return tagged(response, rotated)


@router.post(
    "/{webhook_id}/ping",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=DeliveryRead,
    summary="Queue a signed test delivery (type kr.seoul.cg.budget.webhook.ping.v1) now",
)
async def ping_webhook(webhook_id: str, principal: CurrentPrincipal, session: SessionDep) -> DeliveryRead:
    async with session.begin():
        return await service.ping(session=session, principal=principal, webhook_id=webhook_id)


@router.post(
    "/{webhook_id}/deliveries/{delivery_id}/redeliver",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=DeliveryRead,
    summary="Send one earlier delivery again (same webhook-id and body)",
)
async def redeliver(
    webhook_id: str, delivery_id: str, principal: CurrentPrincipal, session: SessionDep
) -> DeliveryRead:
    async with session.begin():
        return await service.redeliver(
            session=session, principal=principal, webhook_id=webhook_id, delivery_id=delivery_id
        )
