"""The daemon's supervisor with short backoffs, and waits on its view, for fault tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from stoker.daemon.supervisor import Supervisor
from stoker.tasks import TaskState


def fast_supervisor(fatal: list[str] | None = None, **options: Any) -> Supervisor:
    """The real policies (POLICIES) and threshold, with backoffs of 10 ms to 50 ms;
    ``fatal`` collects the tasks that made it want the daemon to stop."""
    sink = fatal if fatal is not None else []
    defaults = {"first_backoff": 0.01, "max_backoff": 0.05}
    return Supervisor(sink.append, **(defaults | options))


def state(supervisor: Supervisor, name: str) -> TaskState | None:
    return next((s.state for s in supervisor.statuses() if s.name == name), None)


async def until(condition: Callable[[], object], what: str, timeout: float = 10.0) -> None:
    """Poll ``condition()`` on the loop until it is true (AssertionError after ``timeout``)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"not within {timeout}s: {what}")
        await asyncio.sleep(0.005)
