"""GET /runs/stream: run changes from the bus as server-sent events, through a real uvicorn
server in this process (the ASGI test transport buffers whole bodies; a stream never ends)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from stoker.api import streams as streams_module
from stoker.api.app import close_streams, create_app
from stoker.api.streams import QUEUE_SIZE, RunStreams, Subscription, run_event
from stoker.bus import Bus, RunChanged
from stoker.config.settings import ApiSettings
from stoker.daemon.http import GRACEFUL_SHUTDOWN_SECONDS, ApiServer
from stoker.domain.states import RunState
from tests.support.daemon import free_port
from tests.support.supervision import fast_supervisor, until
from tests.unit.api.fakes import FakeServices, make_run


def test_subscription_keeps_its_job_and_ends_when_full() -> None:
    async def check() -> None:
        sub = Subscription("etl", size=2)
        sub.offer(RunChanged(make_run(job_name="other")))
        assert sub.queue.qsize() == 0
        for _ in range(2):
            sub.offer(RunChanged(make_run(job_name="etl")))
        assert not sub.ended.is_set()
        sub.offer(RunChanged(make_run(job_name="etl")))
        assert sub.ended.is_set() and sub.reason == "overflow"

    asyncio.run(check())


def test_streams_unsubscribe_on_exit_and_close_ends_them() -> None:
    async def check() -> None:
        bus, streams = Bus(), RunStreams()
        with streams.subscribe(bus, None) as sub:
            assert streams.open_count == 1
            bus.publish(RunChanged(make_run()))
            assert sub.queue.qsize() == 1
            streams.close()
            assert sub.reason == "shutdown"
        assert streams.open_count == 0
        bus.publish(RunChanged(make_run()))  # no listener left to fail
        with streams.subscribe(bus, None) as late:
            assert late.ended.is_set()

    asyncio.run(check())


def test_run_event_is_one_sse_frame() -> None:
    assert run_event('{"id":"x"}') == b'event: run\ndata: {"id":"x"}\n\n'


@contextlib.asynccontextmanager
async def serving(services: FakeServices, **api: Any) -> AsyncIterator[tuple[Served, str]]:
    """The app over ``services`` behind uvicorn, as the daemon serves it."""
    port = free_port()
    app = create_app(services, ApiSettings(port=port, **api), version="9.9.9")
    server = ApiServer(app, "127.0.0.1", port, tasks=fast_supervisor(),
                       closing=lambda: close_streams(app))  # fmt: skip
    await server.start()
    try:
        yield Served(server, streams_of(app)), f"http://127.0.0.1:{port}"
    finally:
        await server.stop()


async def frames(lines: AsyncIterator[str]) -> AsyncIterator[list[str]]:
    """Server-sent event frames (their non-empty lines), as they arrive."""
    frame: list[str] = []
    async for line in lines:
        if line:
            frame.append(line)
        elif frame:
            yield frame
            frame = []


def streams_of(app: FastAPI) -> RunStreams:
    streams: RunStreams = app.state.run_streams
    return streams


@dataclass
class Served:
    server: ApiServer
    streams: RunStreams


def test_a_published_run_arrives_as_get_runs_gives_it(tmp_path: Path) -> None:
    services = FakeServices(tmp_path)

    async def check() -> None:
        async with serving(services) as (server, url), httpx.AsyncClient(base_url=url) as client:
            async with client.stream("GET", "/runs/stream?job=etl") as resp:
                assert resp.status_code == 200
                assert resp.headers["content-type"].startswith("text/event-stream")
                other, mine = make_run(job_name="other"), make_run(job_name="etl")
                for run in (other, mine, replace(mine, state=RunState.RUNNING)):
                    services.runs.add(run)
                    services.run_feed.publish(RunChanged(run))
                received = []
                async for frame in frames(resp.aiter_lines()):
                    assert frame[0] == "event: run"
                    received.append(json.loads(frame[1].removeprefix("data: ")))
                    if len(received) == 2:
                        break
            assert [r["state"] for r in received] == ["STARTING", "RUNNING"]
            assert {r["id"] for r in received} == {mine.id}
            # GET /runs/{id} gives the run as it is now: RUNNING, the second event's shape.
            assert received[1] == (await client.get(f"/runs/{mine.id}")).json()
            await until(lambda: server.streams.open_count == 0, "unsubscribed")
            assert services.run_feed._listeners == []

    asyncio.run(check())


def test_an_idle_stream_gets_keepalives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(streams_module, "KEEPALIVE_SECONDS", 0.05)

    async def check() -> None:
        async with (
            serving(FakeServices(tmp_path)) as (_, url),
            httpx.AsyncClient() as client,
            client.stream("GET", f"{url}/runs/stream") as resp,
        ):
            assert await anext(resp.aiter_lines()) == ": keepalive"

    asyncio.run(check())


def test_a_client_that_cannot_keep_up_is_disconnected(tmp_path: Path) -> None:
    services = FakeServices(tmp_path)

    async def check() -> None:
        async with serving(services) as (server, url), httpx.AsyncClient() as client:
            async with client.stream("GET", f"{url}/runs/stream") as resp:
                run = make_run()
                # Published synchronously, as the bus does: the stream cannot drain between.
                for _ in range(QUEUE_SIZE + 1):
                    services.run_feed.publish(RunChanged(run))
                count = 0
                async for frame in frames(resp.aiter_lines()):
                    count += 1
                assert 0 < count <= QUEUE_SIZE  # then the body ended
            assert server.streams.open_count == 0
            assert services.run_feed._listeners == []

    asyncio.run(check())


def test_stopping_the_server_ends_open_streams_at_once(tmp_path: Path) -> None:
    async def check() -> None:
        async with (
            httpx.AsyncClient() as client,
            serving(FakeServices(tmp_path)) as (server, url),
            client.stream("GET", f"{url}/runs/stream") as resp,
        ):
            started = time.monotonic()
            await server.server.stop()
            took = time.monotonic() - started
            assert [line async for line in resp.aiter_lines()] == []
        assert took < GRACEFUL_SHUTDOWN_SECONDS / 2

    asyncio.run(check())


def test_the_stream_needs_a_token_and_a_valid_job(tmp_path: Path) -> None:
    async def check() -> None:
        tokens = [SecretStr("t0ken")]
        async with (
            serving(FakeServices(tmp_path), tokens=tokens) as (_, url),
            httpx.AsyncClient(base_url=url) as client,
        ):
            refused = await client.get("/runs/stream")
            assert refused.status_code == 401
            bad = await client.get(
                "/runs/stream?job=no%20such", headers={"Authorization": "Bearer t0ken"}
            )
            assert bad.status_code == 400 and bad.json()["field"] == "job"

    asyncio.run(check())
