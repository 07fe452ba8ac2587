"""Run a service app in-process on its own event-loop thread, callable from synchronous code.

Hypothesis (and so schemathesis) drives synchronous test functions; the apps are async and their
database pools are bound to the loop they were first used on. One long-lived loop per app keeps the
pool valid for the whole run and lets a synchronous caller send requests through
``httpx.ASGITransport`` without a server.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

import httpx
from fastapi import FastAPI

T = TypeVar("T")


class LoopThread:
    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout_s: float = 120) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout_s)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        self.loop.close()


class InProcessApp:
    """An app (no lifespan: no relay, consumer or background task) and a client on its own loop."""

    def __init__(self, app: FastAPI, name: str) -> None:
        self.app = app
        self.thread = LoopThread(f"app-{name}")
        self.client: httpx.AsyncClient = self.thread.run(self._make_client())

    async def _make_client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app, raise_app_exceptions=False),
            base_url="http://testserver",
            timeout=60,
        )

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self.thread.run(self.client.request(method, url, **kwargs))

    def close(self) -> None:
        async def shutdown() -> None:
            await self.client.aclose()
            await self.app.state.engine.dispose()

        try:
            self.thread.run(shutdown())
        finally:
            self.thread.close()
