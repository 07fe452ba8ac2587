"""Append-only audit trail: every write records actor, time, action and before/after.

Service functions call :func:`record_audit` inside their own transaction, so an audit row exists
exactly when the change it describes was committed. ``/v1/audit`` is readable by ``smg_admin`` only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cg_shared.auth import Principal, Role, require_roles
from cg_shared.db import utcnow
from cg_shared.fields import NO_CONTROL_PATTERN
from cg_shared.http import PROBLEM_RESPONSES, Page, PageParams, encode_cursor, page_params
from cg_shared.messaging.tables import AuditEntry, DeadLetter
from cg_shared.rows import snapshot
from cg_shared.tracing import current_request_id

SYSTEM_ACTOR = "system"


def record_audit(
    session: AsyncSession,
    *,
    actor: Principal | str | None,
    action: str,
    entity_type: str,
    entity_id: str | None,
    sgg_code: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    request_id: str | None = None,
) -> None:
    if isinstance(actor, Principal):
        actor_sub, actor_role = actor.sub, actor.role.value
    else:
        actor_sub, actor_role = actor or SYSTEM_ACTOR, None
    session.add(
        AuditEntry(
            at=utcnow(),
            actor=actor_sub,
            actor_role=actor_role,
            sgg_code=sgg_code,
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            before=_jsonable(before),
            after=_jsonable(after),
            request_id=request_id or current_request_id(),  # the HTTP request or event being handled
        )
    )


def audit_row(
    session: AsyncSession,
    *,
    actor: Principal | str | None,
    action: str,
    entity_type: str,
    row: Any,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    sgg_code: str | None = None,
) -> None:
    """:func:`record_audit` of a change to ``row`` (an entity with ``id`` and ``sgg_code``); ``after`` is
    the row's columns (:func:`cg_shared.rows.snapshot`) unless given (a view of it, say). ``sgg_code``
    names the borough of a row that has none of its own (a cycle's supplementary budget, say)."""
    record_audit(
        session,
        actor=actor,
        action=action,
        entity_type=entity_type,
        entity_id=row.id,
        sgg_code=sgg_code if sgg_code is not None else getattr(row, "sgg_code", None),
        before=before,
        after=snapshot(row) if after is None else after,
    )


def _jsonable(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is None:
        return None
    from fastapi.encoders import jsonable_encoder

    result: dict[str, Any] = jsonable_encoder(value)
    return result


class AuditRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    at: datetime
    actor: str
    actor_role: str | None
    sgg_code: str | None
    action: str
    entity_type: str
    entity_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class DeadLetterRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    handler: str | None
    topic: str
    partition: int | None
    offset: int | None
    event_id: str | None
    event_type: str | None
    error: str
    raw: str
    attempts: int
    created_at: datetime


AdminPrincipal = Annotated[Principal, require_roles(Role.SMG_ADMIN)]


def admin_router() -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["operations"], responses=PROBLEM_RESPONSES)

    @router.get("/audit", response_model=Page[AuditRead], summary="Audit trail (smg_admin)")
    async def list_audit(
        request: Request,
        page: Annotated[PageParams, Depends(page_params)],
        _: AdminPrincipal,
        entity_type: Annotated[str | None, Query(max_length=100, pattern=NO_CONTROL_PATTERN)] = None,
        entity_id: Annotated[str | None, Query(max_length=100, pattern=NO_CONTROL_PATTERN)] = None,
    ) -> Page[AuditRead]:
        stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(page.limit + 1)
        if entity_type:
            stmt = stmt.where(AuditEntry.entity_type == entity_type)
        if entity_id:
            stmt = stmt.where(AuditEntry.entity_id == entity_id)
        if page.cursor:
            stmt = stmt.where(AuditEntry.id < int(page.cursor[0]))
        async with request.app.state.sessions() as session:
            rows = list((await session.execute(stmt)).scalars())
        more = len(rows) > page.limit
        rows = rows[: page.limit]
        return Page(
            items=[AuditRead.model_validate(r) for r in rows],
            next_cursor=encode_cursor([rows[-1].id]) if more and rows else None,
        )

    @router.get(
        "/dead-letters", response_model=Page[DeadLetterRead], summary="Dead-lettered messages (smg_admin)"
    )
    async def list_dead_letters(
        request: Request,
        page: Annotated[PageParams, Depends(page_params)],
        _: AdminPrincipal,
    ) -> Page[DeadLetterRead]:
        stmt = select(DeadLetter).order_by(DeadLetter.id).limit(page.limit + 1)
        if page.cursor:
            stmt = stmt.where(DeadLetter.id > int(page.cursor[0]))
        async with request.app.state.sessions() as session:
            rows = list((await session.execute(stmt)).scalars())
        more = len(rows) > page.limit
        rows = rows[: page.limit]
        return Page(
            items=[DeadLetterRead.model_validate(r) for r in rows],
            next_cursor=encode_cursor([rows[-1].id]) if more and rows else None,
        )

    return router
