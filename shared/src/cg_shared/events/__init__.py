"""CloudEvents envelope, topics, and one module of payload models per producing service.

Importing this package registers every event type in :data:`EVENT_TYPES`.
"""

from cg_shared.events import budget, committee, planning, registry, topics
from cg_shared.events.envelope import EVENT_TYPES, CloudEvent, EventPayload, event_type, make_event

__all__ = [
    "EVENT_TYPES",
    "CloudEvent",
    "EventPayload",
    "budget",
    "committee",
    "event_type",
    "make_event",
    "planning",
    "registry",
    "topics",
]
