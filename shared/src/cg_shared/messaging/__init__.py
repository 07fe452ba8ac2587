"""Outbox, relay, idempotent consumer, dead letters and broker administration."""

from cg_shared.messaging.consumer import EventConsumer, TransientError
from cg_shared.messaging.handlers import HandlerMap
from cg_shared.messaging.outbox import OutboxRelay, add_to_outbox

__all__ = ["EventConsumer", "HandlerMap", "OutboxRelay", "TransientError", "add_to_outbox"]
