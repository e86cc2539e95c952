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


#: Where ApiSettings() listens: the Host the API's guard accepts by default.
BASE_URL = "http://127.0.0.1:8421"
#: What the CLI and the console send with every request; a request that changes state
#: without it is refused (tests of that send their own headers).
JSON = {"Content-Type": "application/json"}


def asgi_client(app: FastAPI, *, raise_app_exceptions: bool = True) -> httpx.Client:
    transport = SyncASGITransport(app, raise_app_exceptions=raise_app_exceptions)
    return httpx.Client(transport=transport, base_url=BASE_URL, headers=JSON)
