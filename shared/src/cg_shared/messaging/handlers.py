"""The event type -> handler map each service declares in its ``consumers.py`` (typed payloads)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeAlias, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from cg_shared.events.envelope import EVENT_TYPES, CloudEvent, EventDecoder, EventPayload

P = TypeVar("P", bound=EventPayload)

# A handler takes the event's typed payload (the model registered for its CloudEvents type in
# cg_shared.events), never a dict: ``on(ProjectDeleted)`` accepts only a function whose payload
# parameter is a ProjectDeleted (or a base of it), which mypy checks.
Handler: TypeAlias = Callable[[AsyncSession, CloudEvent, P], Awaitable[None]]
BatchHandler: TypeAlias = Callable[[AsyncSession, list[tuple[CloudEvent, P]]], Awaitable[None]]


@dataclass(frozen=True)
class Subscription:
    """``handler`` runs for every event of ``event_type``; ``name`` keys its inbox rows.

    A subscription registered with :meth:`HandlerMap.on_batch` also has ``batch_handler``: the
    consumer then hands it every run of consecutive new events of its type in a partition batch at
    once (one call, one set of statements, instead of one call per event)."""

    event_type: str
    name: str
    payload_type: type[EventPayload]
    handler: Handler[Any]
    batch_handler: BatchHandler[Any] | None = None


def _registered(payload_type: type[EventPayload]) -> str:
    """The payload type's CloudEvents type, checking it is the model the consumer decodes it into."""
    event_type: str | None = getattr(payload_type, "event_type", None)
    if event_type is None or EVENT_TYPES.get(event_type) is not payload_type:
        raise TypeError(f"{payload_type.__name__} is not a registered event payload (cg_shared.events)")
    return event_type


@dataclass
class HandlerMap:
    """The event type → handlers map a service declares in its ``consumers.py``."""

    subscriptions: list[Subscription] = field(default_factory=list)
    _by_type: dict[str, list[Subscription]] = field(default_factory=dict, init=False, repr=False)
    _index_of: list[Subscription] = field(default_factory=list, init=False, repr=False)
    _decoder: EventDecoder = field(default_factory=lambda: EventDecoder(()), init=False, repr=False)

    def on(self, payload_type: type[P], *, name: str | None = None) -> Callable[[Handler[P]], Handler[P]]:
        """Register ``func(session, event, payload)`` for every event of ``payload_type``."""
        event_type = _registered(payload_type)

        def register(func: Handler[P]) -> Handler[P]:
            self.subscriptions.append(
                Subscription(event_type, name or f"{func.__module__}.{func.__name__}", payload_type, func)
            )
            return func

        return register

    def on_batch(
        self, payload_type: type[P], *, name: str | None = None
    ) -> Callable[[BatchHandler[P]], BatchHandler[P]]:
        """Register ``func(session, [(event, payload), …])``: called with consecutive new events of the
        type, in partition order (several may concern one aggregate), inside the batch's transaction;
        with a single event when records are applied one by one (retries, dead-lettering)."""
        event_type = _registered(payload_type)

        def register(func: BatchHandler[P]) -> BatchHandler[P]:
            async def one(session: AsyncSession, event: CloudEvent, payload: P) -> None:
                await func(session, [(event, payload)])

            self.subscriptions.append(
                Subscription(
                    event_type, name or f"{func.__module__}.{func.__name__}", payload_type, one, func
                )
            )
            return func

        return register

    def _reindex(self) -> None:
        # Asked once per consumed record: an index by type (and the one-pass decoder of exactly the
        # subscribed types), rebuilt when a subscription was added.
        if len(self._index_of) != len(self.subscriptions):
            index: dict[str, list[Subscription]] = {}
            for sub in self.subscriptions:
                index.setdefault(sub.event_type, []).append(sub)
            self._by_type, self._index_of = index, list(self.subscriptions)
            self._decoder = EventDecoder(index)

    def for_type(self, event_type: str) -> list[Subscription]:
        self._reindex()
        return self._by_type.get(event_type, [])

    def decode(self, raw: bytes) -> tuple[CloudEvent, EventPayload, list[Subscription]] | None:
        """A record value of a subscribed type with a valid envelope and payload, decoded in one pass
        (:class:`EventDecoder`) with its subscriptions; ``None`` for anything else, which the consumer
        then decodes the generic way (to ignore it or to name why it is dead-lettered)."""
        self._reindex()
        decoded = self._decoder.decode(raw)
        if decoded is None:
            return None
        event, payload = decoded
        return event, payload, self._by_type[event.type]

    def topics(self) -> set[str]:
        return {EVENT_TYPES[s.event_type].topic for s in self.subscriptions}
