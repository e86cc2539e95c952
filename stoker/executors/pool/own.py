"""A session's own driver: started for one interactive session, in a warm driver's slot.

A session whose properties a warm driver cannot take (Spark settings read only at start,
such as ``spark.driver.memory``; ``--additional-python-modules``) gets a driver of its
own. It takes the slot of the warm driver ``WarmPool.reserve`` handed it, which is
retired at once, so the pool has one warm driver fewer while the session lives and never
more than ``pool_size`` drivers: pip installs the modules into the driver's own directory
(first on its ``PYTHONPATH``), the driver starts with the pool's conf under the session's,
and the session's lease is attached once it is warm. When the session ends the driver is
retired like any session's, and a warm driver takes its slot back.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import Callable, Coroutine
from dataclasses import replace
from pathlib import Path
from typing import Any

from stoker.config.settings import SparkSettings
from stoker.errors import ExecutorError, StokerError
from stoker.executors.lineage import Lineage
from stoker.executors.logs import driver_log_path
from stoker.executors.modules import install_modules
from stoker.executors.pool.lease import DriverLease
from stoker.executors.pool.process import (
    RUNNING_STATES,
    DriverProcess,
    DriverSetup,
    DriverState,
)
from stoker.executors.pool.roster import Roster
from stoker.executors.pool.starter import DriverStarter
from stoker.executors.process import describe_exit

log = logging.getLogger(__name__)

SpawnTask = Callable[[str, Coroutine[Any, Any, None]], "asyncio.Task[Any]"]


class OwnDrivers:
    """Starts sessions' own drivers for the pool; ``retire`` and ``kill`` are the pool's."""

    def __init__(
        self,
        settings: Callable[[], SparkSettings],
        roster: Roster,
        starter: DriverStarter,
        *,
        log_dir: Path,
        python: str,
        lineage: Lineage | None,
        spawn_task: SpawnTask,
        on_spawned: Callable[[DriverProcess], None],
        retire: Callable[[DriverProcess, str], None],
        kill: Callable[[DriverProcess, str], None],
    ) -> None:
        self._settings = settings
        self._roster = roster
        self._starter = starter
        self._log_dir = log_dir
        self._python = python
        self._lineage = lineage
        self._spawn_task = spawn_task
        self._on_spawned = on_spawned
        self._retire = retire
        self._kill = kill

    def lease(self, session_id: str, setup: DriverSetup) -> DriverLease:
        """A lease whose driver is still to start (its slot held from now on)."""
        start = _OwnStart(self, session_id)
        self._starter.held += 1
        start.lease = DriverLease(session_id, None, None, start.release, start.kill,
                                  self._settings().stop_grace_seconds)  # fmt: skip
        start.task = self._spawn_task("pool.session.own_driver", start.run(setup))
        return start.lease

    def freed(self) -> None:
        """A slot held for a driver that never joined the roster is the pool's again."""
        self._starter.held -= 1
        self._starter.top_up()


class _OwnStart:
    """One session's own driver, from pip to warm, and its end."""

    def __init__(self, owner: OwnDrivers, session_id: str) -> None:
        self._owner = owner
        self._session_id = session_id
        self.lease: DriverLease
        self.task: asyncio.Task[Any] | None = None
        self.driver: DriverProcess | None = None

    async def run(self, setup: DriverSetup) -> None:
        owner = self._owner
        serial = owner._starter.next_serial()
        log_path = driver_log_path(owner._log_dir, serial)
        target = log_path.with_suffix(".modules") if setup.modules else None
        try:
            driver = await self._spawn(serial, setup, log_path, target)
        except StokerError as exc:
            self.lease.fail(exc.message)
            return
        except BaseException:
            _remove_tree(target)
            owner.freed()
            raise
        if driver is None:
            return
        await self._warm(driver)

    async def _spawn(self, serial: int, setup: DriverSetup, log_path: Path,
                     target: Path | None) -> DriverProcess | None:  # fmt: skip
        """Install, then start the driver; it joins the roster (and its slot with it)."""
        owner = self._owner
        try:
            if target is not None:
                await install_modules(owner._python, setup.modules, setup.installer_options,
                                      target, log_path, owner._lineage)  # fmt: skip
            if owner._roster.closed:
                raise ExecutorError("the warm pool shut down")
            conf = {"spark.app.name": f"stoker-session-{self._session_id}", **setup.conf}
            driver = await DriverProcess.spawn(
                serial, owner._settings(), log_path, owner._python, None, owner._lineage,
                setup=replace(setup, conf=conf), python_path=target,
            )  # fmt: skip
        except OSError as exc:
            raise self._failed(f"cannot start {owner._python}: {exc}", target) from None
        except StokerError as exc:
            raise self._failed(exc.message, target) from None
        driver.own, driver.modules_dir = True, target
        self.driver = driver
        owner._roster.add(driver)
        owner._starter.held -= 1  # the slot is the roster's now
        owner._on_spawned(driver)
        log.info("driver %s started for session %s (pid %s, log %s)", serial,
                 self._session_id, driver.pid, log_path,
                 extra={"action": "pool.session.own_driver", "driver": serial})  # fmt: skip
        return driver

    def _failed(self, reason: str, target: Path | None) -> ExecutorError:
        _remove_tree(target)
        self._owner.freed()
        return ExecutorError(reason)

    async def _warm(self, driver: DriverProcess) -> None:
        """Attach the lease once the driver is warm; fail it if the driver dies first or
        is not warm within ``start_timeout_seconds``."""
        owner = self._owner
        exited: asyncio.Future[Any] = asyncio.ensure_future(driver.proc.wait())
        timeout = owner._settings().start_timeout_seconds
        try:
            await asyncio.wait((driver.ready, exited), timeout=timeout,
                               return_when=asyncio.FIRST_COMPLETED)  # fmt: skip
        except asyncio.CancelledError:
            self._end(driver, "the session ended before its driver was warm", kill=True)
            raise
        finally:
            exited.cancel()
        if driver.ready.done() and driver.state in RUNNING_STATES:
            driver.lease = self.lease
            self.lease.attach(driver.serial, driver.channel.send)
            return
        if driver.proc.returncode is not None:
            how = describe_exit(driver.proc.returncode)
            why = driver.fatal or f"it exited with {how}; see {driver.log_path}"
        else:
            why = f"it was not warm after {timeout:g}s; see {driver.log_path}"
            self._end(driver, why, kill=True)
        self.lease.fail(f"the session's own driver did not start: {why}")

    def _end(self, driver: DriverProcess, reason: str, *, kill: bool) -> None:
        owner = self._owner
        if driver.state in (DriverState.RETIRED, DriverState.DEAD):
            return
        if kill:
            # Set first: its exit is then an expected one, not a driver to replace.
            owner._roster.set_state(driver, DriverState.RETIRED)
            owner._kill(driver, reason)
        else:
            owner._retire(driver, reason)
        owner._starter.top_up()

    def release(self, reason: str) -> None:
        """The session ended: stop whatever of its driver has started."""
        if self.task is not None and not self.task.done():
            self.task.cancel()
        elif self.driver is not None:
            self.driver.lease = None
            self._end(self.driver, f"session {self._session_id} ended: {reason}", kill=False)

    def kill(self, reason: str) -> None:
        if self.driver is not None:
            self._owner._kill(self.driver, reason)


def _remove_tree(path: Path | None) -> None:
    if path is not None:
        shutil.rmtree(path, ignore_errors=True)
