"""A synchronous httpx transport into an ASGI app (starlette's TestClient is deprecated)."""

from __future__ import annotations

import asyncio

import httpx
from fastapi import FastAPI


class SyncASGITransport(httpx.BaseTransport):
    """Each request runs on a fresh event loop: the fakes hold no loop-bound state."""

    def __init__(self, app: FastAPI, *, raise_app_exceptions: bool = True) -> None:
        self._inner = httpx.ASGITransport(app=app, raise_app_exceptions=raise_app_exceptions)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def send() -> httpx.Response:
            response = await self._inner.handle_async_request(request)
            content = await response.aread()
            return httpx.Response(response.status_code, headers=response.headers, content=content)

        return asyncio.run(send())


def asgi_client(app: FastAPI, *, raise_app_exceptions: bool = True) -> httpx.Client:
    transport = SyncASGITransport(app, raise_app_exceptions=raise_app_exceptions)
    return httpx.Client(transport=transport, base_url="http://stoker.test")
