"""Shared fixtures for executor integration tests: one event loop thread, one warm pool."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from stoker.config.settings import SparkSettings
from stoker.domain.jobs import ExecutorKind
from stoker.domain.sparkmetrics import SparkSample
from stoker.executors.base import RunSpec
from stoker.executors.pool.supervisor import WarmPool

T = TypeVar("T")
POOL_SIZE = 2
STOP_GRACE = 4.0


class LoopThread:
    """An asyncio loop on its own thread, so module-scoped async resources outlive tests."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 120) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


@pytest.fixture(scope="session")
def loop_thread() -> Iterator[LoopThread]:
    lt = LoopThread()
    yield lt
    lt.close()


def make_spec(
    tmp: Path,
    script: str,
    arguments: dict[str, str] | None = None,
    kind: ExecutorKind = ExecutorKind.POOL,
) -> RunSpec:
    run_id = "jr_" + uuid.uuid4().hex
    tmp.mkdir(parents=True, exist_ok=True)
    path = tmp / f"{run_id}.py"
    path.write_text(script)
    return RunSpec(
        run_id=run_id,
        job_name="itest",
        attempt=1,
        kind=kind,
        script_location=str(path),
        arguments=arguments or {},
        stdout_path=tmp / "logs" / run_id / "stdout",
        stderr_path=tmp / "logs" / run_id / "stderr",
    )


def wait_for_file(path: Path, deadline: float = 60) -> None:
    """Generous deadline only to avoid hanging; not a timing assertion."""
    end = time.monotonic() + deadline
    while not path.exists():
        if time.monotonic() > end:
            raise AssertionError(f"{path} did not appear within {deadline}s")
        time.sleep(0.02)


#: What a sampled pool's sink received: (run id, job name, sample).
Received = list[tuple[str, str, SparkSample]]


async def start_sampled_pool(
    settings: SparkSettings, logs: Path, received: Received, interval: float = 0.5
) -> WarmPool:
    """A warm pool (ready) whose drivers sample runs every ``interval`` s into ``received``."""
    pool = WarmPool(
        settings, logs, metrics_interval_seconds=interval,
        on_sample=lambda *item: received.append(item),
    )  # fmt: skip
    await pool.ready()
    return pool


def wait_until(predicate: Any, deadline: float = 120) -> None:
    end = time.monotonic() + deadline
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError(f"condition not met within {deadline}s")
        time.sleep(0.1)


@pytest.fixture(scope="module")
def pool(loop_thread: LoopThread, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WarmPool]:
    settings = SparkSettings(
        master="local[2]",
        pool_size=POOL_SIZE,
        stop_grace_seconds=STOP_GRACE,
        start_timeout_seconds=180,
    )
    logs = tmp_path_factory.mktemp("drivers")

    async def make() -> WarmPool:
        # Pings often, so a hung-driver check would run within these tests too.
        p = WarmPool(settings, logs, ping_interval_seconds=2.0, ping_timeout_seconds=10.0)
        await p.ready()
        return p

    warm = loop_thread.run(make(), timeout=240)
    yield warm
    loop_thread.run(warm.aclose(), timeout=60)
