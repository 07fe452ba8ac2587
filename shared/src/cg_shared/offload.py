"""CPU-bound work on uploads (parsing CSV, XLSX, Pabulib files) off the event loop.

A parse that runs on the loop stops everything else the process does — every other request, the
outbox relay, the event consumer, ``/healthz``. :func:`run_parser` runs it in a worker thread instead.
The parsers themselves are bounded (row, cell and byte limits), so a thread finishes in seconds; the
interpreter hands the loop the GIL every few milliseconds meanwhile, so the service keeps answering.
At most ``MAX_CONCURRENT_PARSES`` parses run at once per process (the others wait in their thread),
which bounds the memory a burst of uploads can take.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

MAX_CONCURRENT_PARSES = 2
_slots = threading.BoundedSemaphore(MAX_CONCURRENT_PARSES)


async def run_parser(func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``await run_parser(parse, data)``: ``parse(data)`` in a worker thread, its exceptions re-raised here."""

    def bounded() -> T:
        with _slots:
            return func(*args, **kwargs)

    return await asyncio.to_thread(bounded)
