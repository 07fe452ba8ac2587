"""The ending every budget write shares: flush the changed row, read it back, put the event (if any) in the
outbox and the webhook queue, and record the audit row — all in the caller's transaction, so the event and
the audit row exist exactly when the change committed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, Protocol, TypeVar

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from cg_budget.events import emit
from cg_shared.audit import audit_row
from cg_shared.auth import Principal
from cg_shared.events import EventPayload

R = TypeVar("R", bound=BaseModel)


class Entity(Protocol):
    @property
    def id(self) -> str: ...


async def finish_write(
    session: AsyncSession,
    row: Entity,
    read: Callable[[], R],
    *,
    actor: Principal | str,
    action: str,
    entity_type: str,
    before: dict[str, Any] | None = None,
    event: Callable[[R], EventPayload] | None = None,
    after: Callable[[R], dict[str, Any]] | None = None,
    dump: Literal["python", "json"] = "python",
    sgg_code: str | None = None,
) -> R:
    """Flush, then ``read()``; ``event(read)`` goes out with the row's id as subject; the audit row names the
    row (borough: ``sgg_code`` or the row's own) with ``before`` and ``after(read)`` (default: the read)."""
    await session.flush()
    result = read()
    borough = sgg_code if sgg_code is not None else getattr(row, "sgg_code", None)
    if event is not None:
        await emit(session, event(result), subject=row.id, sgg_code=borough)
    audit_row(
        session,
        actor=actor,
        action=action,
        entity_type=entity_type,
        row=row,
        before=before,
        after=after(result) if after is not None else result.model_dump(mode=dump),
        sgg_code=borough,
    )
    return result
