"""Typed event handlers (issue 21): a handler map accepts only the payload models of cg_shared.events."""

from __future__ import annotations

import json

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from cg_shared.events import CloudEvent, EventPayload, make_event
from cg_shared.events.registry import ProjectDeleted, ProjectRegistered, ProjectSnapshot
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


def _map_of(*models: type[EventPayload]) -> HandlerMap:
    handlers = HandlerMap()
    for model in models:

        async def apply(session: AsyncSession, event: CloudEvent, payload: EventPayload) -> None:
            return None

        handlers.on(model, name=f"test.{model.__name__}")(apply)
    return handlers


def test_one_pass_decoding_gives_what_the_generic_decoding_gives() -> None:
    handlers = _map_of(ProjectRegistered, ProjectDeleted)
    payload = ProjectRegistered(project_id="p-1", code="CG-1", title_ko="마을 협치 사업", total_krw=5_000_000)
    raw = make_event(payload, subject="p-1").to_json()

    decoded = handlers.decode(raw)

    assert decoded is not None
    event, typed, subs = decoded
    generic = CloudEvent.from_json(raw)
    assert typed == generic.payload() == payload and type(typed) is ProjectRegistered
    assert isinstance(event, CloudEvent)
    assert event.model_dump(mode="json") == generic.model_dump(mode="json")
    assert [s.name for s in subs] == ["test.ProjectRegistered"]


def test_what_one_pass_decoding_cannot_take_is_left_to_the_generic_decoding() -> None:
    handlers = _map_of(ProjectDeleted)
    good = make_event(ProjectDeleted(project_id="p-1", code="CG-1"), subject="p-1")
    bad_payload = good.model_copy(update={"data": {"project_id": "p-1"}})  # "code" is required
    registered = make_event(ProjectRegistered(project_id="p-1", code="CG-1", title_ko="사업"), subject="p-1")
    no_source = good.model_dump(mode="json")
    del no_source["source"]

    assert handlers.decode(good.to_json()) is not None
    for raw in (
        b"not json",
        bad_payload.to_json(),  # an invalid payload: the generic decoding names it
        registered.to_json(),  # a type nobody here subscribed to: ignored
        json.dumps(no_source).encode(),  # a CloudEvents attribute missing: undecodable
    ):
        assert handlers.decode(raw) is None
