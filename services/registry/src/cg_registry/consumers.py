"""Event type → handler map for what the registry service consumes."""

from __future__ import annotations

from cg_shared.messaging import HandlerMap

handlers = HandlerMap()
