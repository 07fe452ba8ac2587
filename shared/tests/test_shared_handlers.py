"""Typed event handlers (issue 21): a handler map accepts only the payload models of cg_shared.events."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from cg_shared.events import CloudEvent, EventPayload
from cg_shared.events.registry import ProjectDeleted, ProjectSnapshot
from cg_shared.messaging import HandlerMap


class NotAnEvent(EventPayload):
    project_id: str


def test_a_handler_is_registered_for_the_model_the_consumer_decodes_into() -> None:
    handlers = HandlerMap()

    @handlers.on(ProjectDeleted, name="test.deleted")
    async def on_deleted(session: AsyncSession, event: CloudEvent, payload: ProjectDeleted) -> None:
        return None

    [sub] = handlers.for_type(ProjectDeleted.event_type)
    assert (sub.name, sub.payload_type, sub.handler) == ("test.deleted", ProjectDeleted, on_deleted)
    assert handlers.topics() == {ProjectDeleted.topic}


@pytest.mark.parametrize("model", [NotAnEvent, ProjectSnapshot])
def test_a_model_that_is_not_a_registered_event_type_is_refused(model: type[EventPayload]) -> None:
    # ProjectSnapshot is the base of two event types but not one itself: no event decodes into it.
    with pytest.raises(TypeError, match="not a registered event payload"):
        HandlerMap().on(model)
    with pytest.raises(TypeError, match="not a registered event payload"):
        HandlerMap().on_batch(model)
