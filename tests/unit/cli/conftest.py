"""Fixtures: the real API app over fake services, served by uvicorn on a free local port."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click.testing
import pytest
import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

from stoker.api.app import create_app
from stoker.cli.main import cli
from stoker.config.settings import ApiSettings
from tests.unit.api.fakes import FakeServices


class SwappableApp:
    """One server for the session; each test mounts its own app (and fakes) behind it."""

    def __init__(self) -> None:
        self.app: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self.app is not None
        await self.app(scope, receive, send)


@pytest.fixture(scope="session")
def server() -> Iterator[tuple[SwappableApp, str]]:
    holder = SwappableApp()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(holder, lifespan="off", log_level="warning", access_log=False)
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not uv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    yield holder, f"http://127.0.0.1:{port}"
    uv.should_exit = True
    thread.join(10)
    sock.close()


@pytest.fixture
def services(tmp_path: Path) -> FakeServices:
    return FakeServices(tmp_path / "logs")


@pytest.fixture
def api_settings() -> ApiSettings:
    return ApiSettings()


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def stoker(
    server: tuple[SwappableApp, str],
    services: FakeServices,
    api_settings: ApiSettings,
    monkeypatch: pytest.MonkeyPatch,
) -> Any:
    """Run `stoker ARGS…` against the served app; returns exit code, stdout, stderr."""
    holder, url = server
    # The guard accepts the Host the CLI sends: the served port, not ApiSettings' default.
    served = api_settings.model_copy(update={"port": int(url.rsplit(":", 1)[1])})
    holder.app = create_app(services, served, version="1.2.3")
    monkeypatch.setenv("STOKER_API_URL", url)
    monkeypatch.delenv("STOKER_API_TOKEN", raising=False)
    monkeypatch.delenv("STOKER_CONFIG", raising=False)
    runner = click.testing.CliRunner()

    def run(*args: str) -> Result:
        result = runner.invoke(cli, list(args), catch_exceptions=False)
        return Result(result.exit_code, result.stdout, result.stderr)

    return run
