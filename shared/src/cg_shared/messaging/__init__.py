"""Outbox, relay, idempotent consumer, dead letters and broker administration."""

from cg_shared.messaging.consumer import EventConsumer, HandlerMap, TransientError
from cg_shared.messaging.outbox import OutboxRelay, add_to_outbox

__all__ = ["EventConsumer", "HandlerMap", "OutboxRelay", "TransientError", "add_to_outbox"]
