"""The pool's drivers by serial number, their counts by state, and the queue of idle ones."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

from stoker.errors import ExecutorError
from stoker.executors.pool.process import RUNNING_STATES, DriverProcess, DriverState

#: Drivers that serve runs, or will once warm (not leaving, retired or dead).
_SERVING = (DriverState.STARTING, DriverState.IDLE, DriverState.BUSY)


class Roster:
    """Who is in the pool. ``take_idle`` waits for an idle driver; ``close`` wakes every
    waiter with ExecutorError; ``changed`` is set on every change of a driver's state."""

    def __init__(self) -> None:
        self._drivers: dict[int, DriverProcess] = {}
        self._idle: asyncio.Queue[DriverProcess | None] = asyncio.Queue()
        self._waiters = 0
        self.closed = False
        self.changed = asyncio.Event()

    def __iter__(self) -> Iterator[DriverProcess]:
        return iter(list(self._drivers.values()))

    def __len__(self) -> int:
        return len(self._drivers)

    def add(self, driver: DriverProcess) -> None:
        self._drivers[driver.serial] = driver
        self.changed.set()

    def remove(self, driver: DriverProcess) -> None:
        self._drivers.pop(driver.serial, None)
        self.changed.set()

    def count(self, *states: DriverState) -> int:
        return sum(1 for d in self._drivers.values() if d.state in states)

    @property
    def idle(self) -> int:
        return self.count(DriverState.IDLE)

    @property
    def busy(self) -> int:
        return self.count(*RUNNING_STATES)

    def serving(self, budget: int) -> int:
        """Drivers that count towards pool_size: serving or starting, within their budget."""
        return sum(1 for d in self._drivers.values() if d.state in _SERVING and not d.spent(budget))

    def make_idle(self, driver: DriverProcess) -> None:
        driver.state = DriverState.IDLE
        self._idle.put_nowait(driver)
        self.changed.set()

    def set_state(self, driver: DriverProcess, state: DriverState) -> None:
        driver.state = state
        self.changed.set()

    def take_idle_now(self) -> DriverProcess | None:
        """An idle driver if one is queued, without waiting (the start path's fast case)."""
        while not self.closed and not self._idle.empty():
            driver = self._idle.get_nowait()
            if driver is not None and driver.state is DriverState.IDLE:
                return driver
        return None

    async def take_idle(self) -> DriverProcess:
        """The next idle driver (skipping any that changed state while queued)."""
        while True:
            if self.closed:
                raise ExecutorError("the warm pool is closed")
            if self._idle.empty():
                self._waiters += 1
                try:
                    driver = await self._idle.get()
                finally:
                    self._waiters -= 1
            else:
                driver = self._idle.get_nowait()
            if driver is None:
                raise ExecutorError("the warm pool is closed")
            if driver.state is DriverState.IDLE:
                return driver

    def close(self) -> None:
        self.closed = True
        for _ in range(self._waiters):
            self._idle.put_nowait(None)  # wakes take_idle() callers so they can raise
        self.changed.set()
