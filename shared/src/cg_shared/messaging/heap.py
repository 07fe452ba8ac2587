"""Keep the garbage collector off a service's long-lived startup heap (issue 19)."""

from __future__ import annotations

import gc

_frozen = False


def freeze_startup_heap() -> None:
    """Move everything alive now (modules, the app, mappers, validators: the service's startup heap) out
    of the garbage collector's sight, once per process; the consumer calls it before consuming.

    Decoding a batch allocates enough to trigger collections often, and every full collection walked
    that whole long-lived heap again, which showed in profiles as time in whatever line allocated
    (most of the consumer's "decode" cost). Frozen objects are still freed by reference counting; only
    cycles among them are no longer collected, and startup objects live as long as the process."""
    global _frozen
    if not _frozen:
        _frozen = True
        gc.collect()
        gc.freeze()
