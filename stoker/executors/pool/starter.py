"""Starting warm drivers: the runtime check first, back-off after failures, the start timeout."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from stoker.config.settings import SparkSettings
from stoker.executors.lineage import Lineage
from stoker.executors.logs import driver_log_path
from stoker.executors.pool.health import StartFailures
from stoker.executors.pool.process import DriverProcess
from stoker.executors.pool.roster import Roster
from stoker.executors.runtime import SparkRuntime

log = logging.getLogger(__name__)


class DriverStarter:
    """Keeps the roster at ``pool_size`` serving drivers. ``on_spawned`` is told of each new
    driver (to read its messages); ``kill`` ends one that is not warm in time."""

    def __init__(
        self,
        settings: Callable[[], SparkSettings],
        roster: Roster,
        *,
        log_dir: Path,
        python: str,
        metrics_interval: float | None,
        lineage: Lineage | None,
        runtime: SparkRuntime,
        spawn_task: Callable[[str, Coroutine[Any, Any, None]], object],
        on_spawned: Callable[[DriverProcess], None],
        kill: Callable[[DriverProcess, str], None],
    ) -> None:
        self._settings = settings
        self._roster = roster
        self._log_dir = log_dir
        self._python = python
        self._metrics_interval = metrics_interval
        self._lineage = lineage
        self._runtime = runtime
        self._spawn_task = spawn_task
        self._on_spawned = on_spawned
        self._kill = kill
        self.failures = StartFailures()
        #: What the last runtime check found missing (None: Spark can run, or not checked).
        self.runtime_problem: str | None = None
        self.pending = 0
        #: Slots held for sessions' own drivers not (yet) in the roster (``pool/own.py``).
        self.held = 0
        self._serial = 0

    def next_serial(self) -> int:
        self._serial += 1
        return self._serial

    def top_up(self) -> int:
        """Spawn drivers until the serving (not leaving, not spent) ones make pool_size,
        after the back-off of the failures so far; returns how many it spawned."""
        settings = self._settings()
        serving = self._roster.serving(settings.recycle_after_runs)
        missing = max(0, settings.pool_size - serving - self.pending - self.held)
        for _ in range(missing):
            self.pending += 1
            self._spawn_task("pool.spawn", self._spawn(self.failures.backoff()))
        return missing

    async def _spawn(self, delay: float) -> None:
        try:
            if delay:
                await asyncio.sleep(delay)
            if self._roster.closed:
                return
            driver = await self._new_driver()
        finally:
            self.pending -= 1
        if driver is None:
            self.top_up()  # the failure is counted: the next attempt backs off further
            return
        self._roster.add(driver)
        self._on_spawned(driver)
        timeout = self._settings().start_timeout_seconds
        try:
            await asyncio.wait_for(asyncio.shield(driver.ready), timeout)
        except TimeoutError:
            driver.fatal = f"not warm after {timeout:g}s; see {driver.log_path}"
            self._kill(driver, driver.fatal)

    async def _new_driver(self) -> DriverProcess | None:
        """A spawned driver, or None (the failure recorded) when Spark cannot run here or
        the process cannot be started."""
        self.runtime_problem = await self._runtime.problem()
        if self.runtime_problem is not None:
            self._failed(self.runtime_problem, "pool.runtime_missing")
            return None
        serial = self.next_serial()
        path = driver_log_path(self._log_dir, serial)
        try:
            driver = await DriverProcess.spawn(
                serial, self._settings(), path, self._python,
                self._metrics_interval, self._lineage,
            )  # fmt: skip
        except OSError as exc:
            self._failed(f"cannot start {self._python}: {exc}", "pool.driver.spawn_failed")
            return None
        log.info(
            "driver %s spawned (pid %s, log %s)", driver.serial, driver.pid, path,
            extra={"action": "pool.driver.spawn", "driver": driver.serial},
        )  # fmt: skip
        return driver

    def _failed(self, reason: str, action: str) -> None:
        self.failures.record(reason)
        log.error(
            "cannot start a warm pool driver (attempt %s): %s", self.failures.count, reason,
            extra={"action": action, "failures": self.failures.count},
        )  # fmt: skip
        self._roster.changed.set()
