"""Background asyncio tasks: the port that starts them so none dies silently, and one way to wait.

Components never call ``asyncio.create_task`` for work that outlives a request. They get a
``Spawner`` (the daemon injects its supervisor, ``stoker.daemon.supervisor``) and either
``spawn`` a one-shot task (a crash is logged and counted) or ``supervise`` a long-lived loop
(a crash is logged, counted and the loop restarted with a backoff). Built without the daemon
(unit tests, benchmarks) a component uses ``Unsupervised``, which logs crashes and restarts
nothing. This module is on the lowest floor so that executors may use it too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
#: Makes a fresh attempt of a long-lived loop (a coroutine object can be awaited only once).
TaskFactory = Callable[[], Coroutine[Any, Any, None]]
Ids = Mapping[str, object]


class TaskState(StrEnum):
    """A supervised task's state, as /health reports it."""

    OK = "ok"
    """Running."""
    RESTARTING = "restarting"
    """Crashed; waits out its backoff before the next attempt."""
    FAILED = "failed"
    """Crashed too often (or may not restart); no further attempt."""
    STOPPED = "stopped"
    """Ended because the daemon asked it to."""


@dataclass(frozen=True)
class TaskStatus:
    name: str
    state: TaskState
    #: Down means the daemon is unhealthy (503, no systemd watchdog ping).
    critical: bool
    crashes: int


class Supervised(Protocol):
    """A long-lived task started by ``Spawner.supervise``."""

    async def join(self) -> None:
        """No further restarts; wait for the current attempt to return.

        Call it right after telling the loop to stop (its stop event): the attempt then
        returns, or ends at once if the task is waiting out a backoff.
        """
        ...


class Spawner(Protocol):
    """Starts background tasks; what the daemon's supervisor provides."""

    def spawn(
        self, name: str, coro: Coroutine[Any, Any, T], ids: Ids | None = None
    ) -> asyncio.Task[T]:
        """Run ``coro`` once. If it raises, the exception is logged with its traceback,
        ``name`` and ``ids`` (e.g. the run id) and counted; it is not restarted. ``name`` is
        a kind of task ("run", "pool.reader"), never an id: it labels a metric."""
        ...

    def supervise(self, name: str, factory: TaskFactory) -> Supervised:
        """Run ``factory()`` until joined; a crash (or returning before ``join``) is logged
        and counted, then the loop is restarted as the supervisor's policy says."""
        ...


def log_crash(name: str, exc: BaseException, ids: Ids | None = None) -> None:
    """The one log line of a crashed task (its traceback included)."""
    log.error(
        "background task %s crashed: %s: %s", name, type(exc).__name__, exc,
        exc_info=exc, extra={"action": "task.crashed", "task": name, **(ids or {})},
    )  # fmt: skip


class Unsupervised:
    """A Spawner for components built outside the daemon: crashes are logged, never
    restarted (a supervised task runs once)."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(
        self, name: str, coro: Coroutine[Any, Any, T], ids: Ids | None = None
    ) -> asyncio.Task[T]:
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(lambda done: self._done(name, done, ids))
        return task

    def supervise(self, name: str, factory: TaskFactory) -> Supervised:
        return _Once(self.spawn(name, factory()))

    def _done(self, name: str, task: asyncio.Task[Any], ids: Ids | None) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            log_crash(name, exc, ids)


class _Once:
    def __init__(self, task: asyncio.Task[None]) -> None:
        self._task = task

    async def join(self) -> None:
        await asyncio.wait([self._task])  # a crash was logged when it happened


async def wait_any(*events: asyncio.Event, timeout: float | None) -> bool:
    """Wait until one of ``events`` is set or ``timeout`` seconds pass; True if one was set.

    The one shape of every loop that wakes on a hint, the poll interval or stop (STYLE 5).
    """
    if any(event.is_set() for event in events):
        return True
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        done, _ = await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
    return bool(done)


async def in_thread(fn: Callable[[], T], name: str) -> T:
    """Run blocking ``fn`` on a thread of its own and await its result.

    A daemon thread, not the loop's default executor: a thread stuck in a client library
    must never hold up the process's exit (the default executor is joined at exit).
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(result: T | None, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]

    def target() -> None:
        try:
            outcome: tuple[T | None, BaseException | None] = (fn(), None)
        except BaseException as exc:  # handed to the awaiting task, which decides
            outcome = (None, exc)
        with contextlib.suppress(RuntimeError):  # the loop has closed: nobody awaits it
            loop.call_soon_threadsafe(settle, *outcome)

    threading.Thread(target=target, name=name, daemon=True).start()
    return await future
