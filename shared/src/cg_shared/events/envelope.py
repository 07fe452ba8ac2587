"""CloudEvents 1.0 envelope and the registry of typed event payloads.

On Kafka every record is a CloudEvent in the Kafka protocol binding's *structured* content mode: the
record value is the whole event in the JSON event format and the record carries exactly one header,
``content-type: application/cloudevents+json`` (no ``ce_*`` headers, which would make a reader take the
record for binary mode). The record key is the aggregate id (the event's ``subject``). Records written
before this (value the same JSON event, headers ``ce_type``/``ce_id`` only) are read by our consumers
unchanged, since they only read the value; outside CloudEvents SDKs read only the new shape.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal, TypeVar, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, create_model

from cg_shared.clock import now_utc
from cg_shared.tracing import current_traceparent

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"
STRUCTURED_CONTENT_TYPE = "application/cloudevents+json"
# The Kafka headers of every record we write (structured content mode).
KAFKA_HEADERS: list[tuple[str, bytes]] = [("content-type", STRUCTURED_CONTENT_TYPE.encode())]


class EventPayload(BaseModel):
    """Base of every event's ``data``. Frozen; unknown fields are kept so additive changes never break."""

    model_config = ConfigDict(frozen=True, extra="allow")

    event_type: ClassVar[str]
    topic: ClassVar[str]
    producer: ClassVar[str]
    description: ClassVar[str] = ""


_P = TypeVar("_P", bound=type[EventPayload])

EVENT_TYPES: dict[str, type[EventPayload]] = {}


def event_type(name: str, *, topic: str, description: str = "") -> Any:
    """Class decorator registering a payload model under its CloudEvents ``type``."""
    parts = name.split(".")
    if len(parts) < 7 or parts[:3] != ["kr", "seoul", "cg"] or not parts[-1].startswith("v"):
        raise ValueError(f"event type {name!r} must be kr.seoul.cg.<service>.<aggregate>.<verb>.vN")

    def wrap(cls: _P) -> _P:
        if name in EVENT_TYPES:
            raise ValueError(f"event type {name} registered twice")
        cls.event_type = name
        cls.topic = topic
        cls.producer = parts[3]
        cls.description = description or (cls.__doc__ or "").strip()
        EVENT_TYPES[name] = cls
        return cls

    return wrap


class CloudEvent(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")

    specversion: str = SPEC_VERSION
    id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    source: str
    type: str
    time: datetime = Field(default_factory=now_utc)
    subject: str | None = None
    datacontenttype: str = CONTENT_TYPE
    data: dict[str, Any] = Field(default_factory=dict)
    traceparent: str | None = None

    def payload(self) -> EventPayload:
        """The typed payload; raises ``KeyError`` for an unknown type and ``ValidationError`` for bad data."""
        return EVENT_TYPES[self.type].model_validate(self.data)

    def to_json(self) -> bytes:
        return self.model_dump_json(exclude_none=True).encode()

    @classmethod
    def from_json(cls, raw: bytes | str) -> CloudEvent:
        return cls.model_validate_json(raw)


@functools.cache
def _typed_envelope(payload_type: type[EventPayload]) -> type[CloudEvent]:
    """The CloudEvent of one registered type, its ``data`` field being the typed payload model."""
    literal: Any = Literal[payload_type.event_type]  # the discriminator of EventDecoder's union
    return create_model(
        f"{payload_type.__name__}Event",
        __base__=CloudEvent,
        type=(literal, ...),
        data=(payload_type, ...),
    )


class EventDecoder:
    """Decodes a record value into its CloudEvent and typed payload in one pass (issue 19).

    One discriminated union over the given event types, validated straight from the bytes with
    ``validate_json``: pydantic-core parses and validates envelope and payload together in Rust,
    without first building the ``data`` dict and then validating that dict a second time. The event
    returned is the envelope of its type — a :class:`CloudEvent` whose attributes are checked exactly
    as :meth:`CloudEvent.from_json` checks them, but whose ``data`` is the payload model itself (the
    same object as the payload returned with it; ``model_dump(mode="json")`` gives the same dict,
    ``to_json`` the same JSON but without the payload's null fields).
    :meth:`decode` returns ``None`` for anything that does not validate this way (another type, bad
    envelope, bad payload): the caller then decodes it the generic way, which names the reason.
    """

    def __init__(self, event_types: Iterable[str]) -> None:
        models = [_typed_envelope(EVENT_TYPES[name]) for name in sorted(set(event_types))]
        self._adapter: TypeAdapter[CloudEvent] | None = None
        if len(models) == 1:
            self._adapter = TypeAdapter(models[0])
        elif models:
            union: Any = Union[tuple(models)]  # noqa: UP007 - built at run time from a tuple
            self._adapter = TypeAdapter(Annotated[union, Field(discriminator="type")])

    def decode(self, raw: bytes) -> tuple[CloudEvent, EventPayload] | None:
        if self._adapter is None:
            return None
        try:
            event = self._adapter.validate_json(raw)
        except ValueError:  # pydantic's ValidationError is a ValueError
            return None
        payload: EventPayload = event.data  # type: ignore[assignment]
        return event, payload


def make_event(payload: EventPayload, *, subject: str, event_id: str | None = None) -> CloudEvent:
    return CloudEvent(
        id=event_id or str(uuid.uuid4()),
        source=f"/cg/{payload.producer}",
        type=payload.event_type,
        subject=subject,
        data=payload.model_dump(mode="json"),
        traceparent=current_traceparent(),  # CloudEvents distributed-tracing extension (cg_shared.tracing)
    )
