"""Routers of the committee's aggregates, and the kit every write route uses.

The aggregates that grew out of the meetings and members folders keep the group tag their routes
had before (``meetings`` or ``members``), next to each route's own tag, so the published OpenAPI
document did not change when the folders were split.

A write route takes one :data:`Write` (the request's session, the caller and the response) and hands
it the not-yet-awaited service call: :meth:`WriteCall.run` runs it in the request's single
transaction, :meth:`WriteCall.versioned` also answers its ``ETag``, :meth:`WriteCall.located` its
``Location``. Nothing of this shows in the OpenAPI document: the dependencies are the same ones the
routes declared one by one before.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable
from typing import Annotated, Literal, Protocol, TypedDict, TypeVar

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from cg_shared.auth import CurrentPrincipal, Principal
from cg_shared.deps import SessionDep
from cg_shared.http import PROBLEM_RESPONSES, Versioned
from cg_shared.http import with_etag as with_etag


class Identified(Protocol):
    @property
    def id(self) -> str: ...


T = TypeVar("T")
V = TypeVar("V", bound=Versioned)
C = TypeVar("C", bound=Identified)


def aggregate_router(group: Literal["meetings", "members"]) -> APIRouter:
    return APIRouter(tags=[group], responses=PROBLEM_RESPONSES)


class Caller(TypedDict):
    """The two arguments every write use case takes first (``service.f(**write.caller, ...)``)."""

    session: AsyncSession
    principal: Principal


class WriteCall:
    """What a write route needs besides its path and body."""

    def __init__(self, session: AsyncSession, principal: Principal, request: Request, response: Response):
        self.session = session
        self.principal = principal
        self.request = request
        self.response = response
        self.caller = Caller(session=session, principal=principal)

    async def run(self, work: Awaitable[T]) -> T:
        """Await the service call inside the request's one transaction (commit, or roll back on error)."""
        try:
            async with self.session.begin():
                return await work
        finally:
            if inspect.iscoroutine(work):
                work.close()  # no-op once awaited; silences a call never started when begin() failed

    async def versioned(self, work: Awaitable[V]) -> V:
        return with_etag(self.response, await self.run(work))

    def located(self, row: C, route: str, key: str) -> C:
        """Answer the URL of the row just created (``route`` is the name of its GET endpoint)."""
        self.response.headers["Location"] = str(self.request.url_for(route, **{key: row.id}))
        return row


async def write_call(
    principal: CurrentPrincipal, session: SessionDep, request: Request, response: Response
) -> WriteCall:
    return WriteCall(session, principal, request, response)


Write = Annotated[WriteCall, Depends(write_call)]
