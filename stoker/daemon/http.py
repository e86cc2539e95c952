"""Serves the API with uvicorn inside the daemon's event loop (the daemon owns signals)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Callable, Iterator

import uvicorn
from fastapi import FastAPI

from stoker.daemon.supervisor import SupervisedLoop, Supervisor
from stoker.errors import ConfigError

#: How long open requests may take to finish once the server is told to stop.
GRACEFUL_SHUTDOWN_SECONDS = 5


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # The daemon handles SIGTERM/SIGINT itself and decides the shutdown order.
        yield


class ApiServer:
    """Binds the socket itself so a taken port is a clear start-up error, not an exit(1)."""

    def __init__(
        self, app: FastAPI, host: str, port: int, *, tasks: Supervisor, setting: str = "api",
        closing: Callable[[], None] | None = None,
    ) -> None:  # fmt: skip
        config = uvicorn.Config(
            app, log_config=None, lifespan="off", access_log=False,
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        )  # fmt: skip
        self._server = _Server(config)
        self._host = host
        self._port = port
        self._tasks = tasks
        self._task: SupervisedLoop | None = None
        self._setting = setting
        self._closing = closing

    @property
    def address(self) -> str:
        return f"{self._host}:{self._port}"

    async def start(self) -> None:
        family = socket.AF_INET6 if ":" in self._host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Inherited by accepted connections: without it a response written in two pieces
        # waits for the client's delayed ACK (~40 ms per request, measured).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            sock.bind((self._host, self._port))
        except OSError as exc:
            sock.close()
            name = "API" if self._setting == "api" else "/metrics"
            raise ConfigError(
                f"{name} cannot listen on {self.address}: {exc.strerror}; set "
                f"[{self._setting}] port / STOKER_{self._setting.upper()}__PORT to a free port",
                field=f"{self._setting}.port",
                value=self._port,
            ) from exc
        sock.listen(512)
        name = "api" if self._setting == "api" else "metrics-api"
        # Not restarted: the socket is the server's; a crash stops the daemon (api) or
        # leaves /metrics down (metrics-api), per the supervisor's policies.
        self._task = self._tasks.supervise(name, lambda: self._server.serve(sockets=[sock]))
        while not self._server.started and not self._task.finished:
            await asyncio.sleep(0.005)

    async def stop(self) -> None:
        if self._closing is not None:
            # Ends what never finishes by itself (event streams): uvicorn would wait
            # GRACEFUL_SHUTDOWN_SECONDS on each open one, then cancel it.
            self._closing()
        self._server.should_exit = True
        if self._task is not None:
            await self._task.join()
