"""The daemon's one supervisor: runs every background task, restarts the crashed, says who is down.

Each long-lived task has a policy (``POLICIES``, the table in docs/architecture.md). A task
that raises is logged once with its traceback (action ``task.crashed``), counted
(``stoker_task_crashes_total{task}``) and restarted after a backoff of 0.5 s doubling to
30 s. ``MAX_CRASHES`` crashes within ``CRASH_WINDOW_SECONDS`` mean it keeps failing: it is
marked failed and, if critical, the daemon is told to stop (``on_fatal``) and exits
non-zero, so systemd's ``Restart=`` starts a fresh process. A long-lived task that returns
before it was joined has died too, and is treated as a crash.

One-shot tasks (a run's watcher, a scheduled fire, a driver's reader) are never restarted
(their coroutine cannot be replayed): a crash is logged with the task's ids and counted.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from stoker.tasks import Ids, TaskFactory, TaskState, TaskStatus, log_crash, wait_any

log = logging.getLogger(__name__)
T = TypeVar("T")

#: A task that crashes this often within the window keeps failing: no further restart.
MAX_CRASHES = 5
CRASH_WINDOW_SECONDS = 60.0
FIRST_BACKOFF_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 30.0


@dataclass(frozen=True)
class Policy:
    """How a long-lived task is supervised."""

    #: While down (restarting or failed) /health answers 503 and systemd's watchdog is not
    #: fed; once failed the daemon stops.
    critical: bool
    #: False: the first crash is final (the task cannot be restarted in place).
    restart: bool = True


#: Every long-lived task of the daemon, by name. docs/architecture.md ("Supervision") is
#: this table in words; a name missing here is a programming error.
POLICIES: Mapping[str, Policy] = {
    "dispatcher": Policy(critical=True),
    "scheduler": Policy(critical=True),
    "outbox-relay": Policy(critical=True),
    "event-consumer": Policy(critical=True),
    "watchdog": Policy(critical=True),
    "cluster": Policy(critical=True),
    "api": Policy(critical=True, restart=False),
    "metrics-api": Policy(critical=False, restart=False),
    "metrics-history": Policy(critical=False),
    "retention": Policy(critical=False),
    "audit-retention": Policy(critical=False),
}


class Supervisor:
    """Implements stoker.tasks.Spawner for the daemon, and reports each task's state."""

    def __init__(
        self,
        on_fatal: Callable[[str], None],
        *,
        policies: Mapping[str, Policy] = POLICIES,
        max_crashes: int = MAX_CRASHES,
        window_seconds: float = CRASH_WINDOW_SECONDS,
        first_backoff: float = FIRST_BACKOFF_SECONDS,
        max_backoff: float = MAX_BACKOFF_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._on_fatal = on_fatal
        self._policies = policies
        self._max_crashes = max_crashes
        self._window = window_seconds
        self._first_backoff = first_backoff
        self._max_backoff = max_backoff
        self._clock = clock
        self._supervised: dict[str, SupervisedLoop] = {}
        self._oneshots: set[asyncio.Task[Any]] = set()
        #: Crashes since start, by task name: the metric's source. A long-lived task is listed
        #: (at 0) from its start, a one-shot kind from its first crash.
        self.crashes: dict[str, int] = {}

    # -- stoker.tasks.Spawner ------------------------------------------------------------

    def spawn(
        self, name: str, coro: Coroutine[Any, Any, T], ids: Ids | None = None
    ) -> asyncio.Task[T]:
        task = asyncio.create_task(coro, name=name)
        self._oneshots.add(task)
        task.add_done_callback(lambda done: self._oneshot_done(name, done, ids))
        return task

    def supervise(self, name: str, factory: TaskFactory) -> SupervisedLoop:
        policy = self._policies[name]
        if name in self._supervised and not self._supervised[name].finished:
            raise RuntimeError(f"task {name!r} is already supervised")
        self.crashes.setdefault(name, 0)
        loop = SupervisedLoop(self, name, factory, policy)
        self._supervised[name] = loop
        return loop

    # -- health ----------------------------------------------------------------------------

    def statuses(self) -> list[TaskStatus]:
        """The long-lived tasks, in the order they were started."""
        return [
            TaskStatus(name, loop.state, loop.policy.critical, self.crashes.get(name, 0))
            for name, loop in self._supervised.items()
        ]

    def critical_down(self) -> list[str]:
        """Critical tasks now restarting or failed (stopped ones are not down: they were
        asked to stop)."""
        down = (TaskState.RESTARTING, TaskState.FAILED)
        return [
            name for name, loop in self._supervised.items()
            if loop.policy.critical and loop.state in down
        ]  # fmt: skip

    def alive(self) -> bool:
        """Whether every critical task is up: the condition for feeding systemd's watchdog."""
        return not self.critical_down()

    async def aclose(self, timeout: float = 5.0) -> None:
        """Cancel what is still running (the components have stopped their own)."""
        pending = [*self._oneshots, *(loop.task for loop in self._supervised.values())]
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=timeout)

    # -- internals ---------------------------------------------------------------------------

    def _oneshot_done(self, name: str, task: asyncio.Task[Any], ids: Ids | None) -> None:
        self._oneshots.discard(task)
        if task.cancelled() or (exc := task.exception()) is None:
            return
        self.count_crash(name)
        log_crash(name, exc, ids)

    def count_crash(self, name: str) -> None:
        self.crashes[name] = self.crashes.get(name, 0) + 1

    def crashed(self, loop: SupervisedLoop, exc: BaseException) -> float | None:
        """Log and count a long-lived task's crash; the backoff before its restart, or None
        when it must not restart."""
        name = loop.name
        self.count_crash(name)
        now = self._clock()
        loop.recent.append(now)
        while loop.recent and loop.recent[0] <= now - self._window:
            loop.recent.popleft()
        count = len(loop.recent)
        if not loop.policy.restart or count >= self._max_crashes:
            log_crash(name, exc)
            self._failed(loop, count)
            return None
        backoff: float = min(self._max_backoff, self._first_backoff * 2.0 ** (count - 1))
        log.error(
            "task %s crashed (%d in %gs); restarting in %gs: %s: %s",
            name, count, self._window, backoff, type(exc).__name__, exc, exc_info=exc,
            extra={"action": "task.crashed", "task": name, "crashes": count,
                   "backoff_seconds": backoff},
        )  # fmt: skip
        return backoff

    def _failed(self, loop: SupervisedLoop, count: int) -> None:
        loop.state = TaskState.FAILED
        reason = "may not restart" if not loop.policy.restart else f"{count} crashes"
        log.critical(
            "task %s failed (%s in %gs)%s", loop.name, reason, self._window,
            "; the daemon stops" if loop.policy.critical else "; it stays down",
            extra={"action": "task.failed", "task": loop.name, "critical": loop.policy.critical},
        )  # fmt: skip
        if loop.policy.critical:
            self._on_fatal(loop.name)


class SupervisedLoop:
    """One long-lived task: its attempts, restarts and state (stoker.tasks.Supervised)."""

    def __init__(self, owner: Supervisor, name: str, factory: TaskFactory, policy: Policy) -> None:
        self._owner = owner
        self.name = name
        self._factory = factory
        self.policy = policy
        self.state = TaskState.OK
        self.recent: deque[float] = deque()
        self._joined = asyncio.Event()
        self.task = asyncio.create_task(self._run(), name=f"supervised:{name}")

    @property
    def finished(self) -> bool:
        return self.task.done()

    async def join(self) -> None:
        self._joined.set()  # before any await: an attempt that returns now is not a crash
        await asyncio.wait([self.task])

    async def _run(self) -> None:
        while True:
            self.state = TaskState.OK
            try:
                await self._factory()
            except Exception as exc:
                if self._joined.is_set():  # while stopping: reported, not restarted
                    self._owner.count_crash(self.name)
                    log_crash(self.name, exc)
                    self.state = TaskState.STOPPED
                    return
                backoff = self._owner.crashed(self, exc)
            else:
                if self._joined.is_set():
                    self.state = TaskState.STOPPED
                    return
                backoff = self._owner.crashed(
                    self, RuntimeError(f"task {self.name} returned before it was stopped")
                )
            if backoff is None:
                return
            self.state = TaskState.RESTARTING
            if await wait_any(self._joined, timeout=backoff):
                self.state = TaskState.STOPPED
                return
