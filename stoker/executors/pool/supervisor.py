"""The warm pool: keeps N warm driver processes, hands runs to idle ones, replaces the dead."""

from __future__ import annotations

import asyncio
import logging
import shutil
import signal
import sys
from pathlib import Path
from typing import Any

from stoker.config.settings import SparkSettings
from stoker.domain.runs import Exit, Outcome
from stoker.errors import ExecutorError, InvalidInput
from stoker.executors.base import RunSpec, SampleSink
from stoker.executors.lineage import Lineage
from stoker.executors.logs import prepare_run_logs
from stoker.executors.pool import protocol
from stoker.executors.pool.handle import DriverGoneError, PoolRunHandle
from stoker.executors.pool.health import PoolHealth, summarize
from stoker.executors.pool.lease import DriverLease
from stoker.executors.pool.own import OwnDrivers
from stoker.executors.pool.process import (
    RUNNING_STATES,
    DriverProcess,
    DriverSetup,
    DriverState,
    driver_conf,
)
from stoker.executors.pool.roster import Roster
from stoker.executors.pool.sampling import await_final_sample, note_sample
from stoker.executors.pool.starter import DriverStarter
from stoker.executors.private import remove
from stoker.executors.process import describe_exit
from stoker.executors.runtime import SparkRuntime
from stoker.tasks import Spawner, Unsupervised

log = logging.getLogger(__name__)

#: After this many drivers in a row failed to start, ready() gives up with their error.
_FAILURES_BEFORE_GIVING_UP = 3


def _extra(action: str, driver: DriverProcess | None = None, run_id: str | None = None) -> Any:
    return {"action": action, "driver": driver.serial if driver else None, "run_id": run_id}


class WarmPool:
    """Executor for ``ExecutorKind.POOL``: runs scripts on warm, long-lived Spark drivers.

    Call ``await open()`` (spawns ``settings.pool_size`` drivers in parallel), optionally
    ``await ready()``, then ``start(spec)`` per run; ``aclose()`` ends every driver.
    """

    def __init__(
        self,
        settings: SparkSettings,
        drivers_log_dir: Path,
        python: str = sys.executable,
        *,
        ping_interval_seconds: float = 15.0,
        ping_timeout_seconds: float = 10.0,
        terminate_grace_seconds: float = 5.0,
        metrics_interval_seconds: float | None = None,
        on_sample: SampleSink | None = None,
        lineage: Lineage | None = None,
        runtime: SparkRuntime | None = None,
        tasks: Spawner | None = None,
    ) -> None:
        self.settings = settings
        #: Starts the pool's tasks; the daemon injects its supervisor (crashes are counted).
        self._task_port = tasks if tasks is not None else Unsupervised()
        self._log_dir = drivers_log_dir
        self._python = python
        self._ping_interval = ping_interval_seconds
        self._ping_timeout = ping_timeout_seconds
        self._terminate_grace = terminate_grace_seconds
        # Drivers sample runs only when someone listens.
        self._metrics_interval = metrics_interval_seconds if on_sample is not None else None
        self._on_sample = on_sample
        self._lineage = lineage
        self._roster = Roster()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._starter = DriverStarter(
            lambda: self.settings, self._roster, log_dir=drivers_log_dir, python=python,
            metrics_interval=self._metrics_interval, lineage=lineage,
            runtime=runtime or SparkRuntime(), spawn_task=self._spawn_task,
            on_spawned=self._read, kill=self.kill_driver,
        )  # fmt: skip
        self._failures = self._starter.failures
        self._own = OwnDrivers(
            lambda: self.settings, self._roster, self._starter, log_dir=drivers_log_dir,
            python=python, lineage=lineage, spawn_task=self._spawn_task,
            on_spawned=self._read, retire=self._retire, kill=self.kill_driver,
        )  # fmt: skip
        self._opened = False
        self.recycled_total = 0
        self.replaced_total = 0

    # -- stats ---------------------------------------------------------------------------

    @property
    def size(self) -> int:
        return self.settings.pool_size

    @property
    def idle(self) -> int:
        return self._roster.idle

    @property
    def busy(self) -> int:
        return self._roster.busy

    @property
    def starting(self) -> int:
        return self._roster.count(DriverState.STARTING) + self._starter.pending

    def health(self) -> PoolHealth:
        return self._failures.health(self.size, self.idle, self.busy, self.starting)

    # -- lifecycle -----------------------------------------------------------------------

    async def open(self) -> None:
        """Spawn the drivers (returns before they are warm) and start the liveness checks."""
        if self._opened:
            return
        self._opened = True
        self._starter.top_up()
        self._spawn_task("pool.monitor", self._monitor())

    async def ready(self) -> None:
        """Wait until at least one driver is warm; raise ExecutorError if drivers keep
        failing to start (bad master, no Java, ...)."""
        await self.open()
        while self.idle == 0 and self.busy == 0:
            if self._roster.closed:
                raise ExecutorError("the warm pool is closed")
            if self._failures.count >= _FAILURES_BEFORE_GIVING_UP:
                raise ExecutorError(
                    f"{self._failures.count} pool drivers in a row failed to start: "
                    f"{self._failures.last_reason}"
                )
            self._roster.changed.clear()
            await self._roster.changed.wait()

    async def aclose(self) -> None:
        """SIGTERM every driver group, SIGKILL what is left after the grace period."""
        if self._roster.closed:
            return
        log.info("closing warm pool", extra=_extra("pool.close"))
        self._roster.close()
        drivers = list(self._roster)
        for driver in drivers:
            driver.state = DriverState.RETIRED
        await asyncio.gather(*(await_final_sample(d) for d in drivers))
        for driver in drivers:
            driver.signal_group(signal.SIGTERM)
        exits = [asyncio.create_task(d.proc.wait()) for d in drivers]
        if exits:
            _, pending = await asyncio.wait(exits, timeout=self._terminate_grace)
            if pending:
                for driver in drivers:
                    driver.signal_group(signal.SIGKILL)
                await asyncio.wait(pending)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    # -- runs ----------------------------------------------------------------------------

    async def start(self, spec: RunSpec) -> PoolRunHandle:
        """Wait (up to ``start_timeout_seconds``) for an idle driver, hand it the run, and
        return once the driver has begun it. Raises ExecutorError with the reason when no
        driver can take it: none configured, Spark's runtime missing, none warm in time."""
        if self.settings.pool_size == 0:
            raise ExecutorError("the warm pool has no drivers (spark.pool_size = 0)")
        await self.open()
        prepare_run_logs(spec)
        message = protocol.Run(
            run_id=spec.run_id,
            job_name=spec.job_name,
            script=spec.script_location.removeprefix("file://"),
            arguments=spec.arguments,
            stdout=str(spec.stdout_path),
            stderr=str(spec.stderr_path),
            env=dict(spec.env),
            hadoop_conf=dict(spec.hadoop_conf),
        )
        for _ in range(3):
            driver = await self._take_idle()
            handle = self._handle(spec, driver)
            self._roster.set_state(driver, DriverState.BUSY)
            driver.handle = handle
            driver.channel.send(message)
            try:
                await handle.started
            except DriverGoneError:
                continue  # it died before the script began: another driver may take it
            except asyncio.CancelledError:
                await handle.stop()  # the launch was called off: the script must not run on
                raise
            log.debug(
                "run %s started", spec.run_id, extra=_extra("pool.run.start", driver, spec.run_id)
            )
            return handle
        raise ExecutorError(f"run {spec.run_id}: pool drivers kept dying before it could start")

    async def reserve(self, session_id: str, setup: DriverSetup | None = None) -> DriverLease:
        """A warm driver for an interactive session, waited for as ``start`` waits (and
        refused with ExecutorError as it is); busy until the lease is released. A session
        whose ``setup`` a warm driver cannot take gets a driver of its own in that warm
        driver's slot (``pool/own.py``): the lease then opens once it is warm."""
        if self.settings.pool_size == 0:
            raise ExecutorError("the warm pool has no drivers (spark.pool_size = 0)")
        await self.open()
        driver = await self._take_idle()
        self._roster.set_state(driver, DriverState.BUSY)
        if setup is not None and not setup.fits(driver_conf(self.settings, self._lineage)):
            lease = self._own.lease(session_id, setup)  # holds the slot before it is freed
            self._retire(driver, f"its slot goes to session {session_id}'s own driver")
            return lease

        def release(reason: str) -> None:
            driver.lease = None
            if driver.state in RUNNING_STATES:
                self._retire(driver, f"session {session_id} ended: {reason}")
                self._starter.top_up()

        def kill(reason: str) -> None:
            self.kill_driver(driver, reason)

        lease = DriverLease(session_id, driver.serial, driver.channel.send, release, kill,
                            self.settings.stop_grace_seconds)  # fmt: skip
        driver.lease = lease
        log.info("driver %s reserved for session %s", driver.serial, session_id,
                 extra=_extra("pool.session.reserve", driver))  # fmt: skip
        return lease

    async def _take_idle(self) -> DriverProcess:
        problem = self._starter.runtime_problem
        if problem is not None and self.idle == 0 and self.busy == 0:
            raise ExecutorError(f"the warm pool cannot start drivers: {problem}")
        if (driver := self._roster.take_idle_now()) is not None:
            return driver
        timeout = self.settings.start_timeout_seconds
        try:
            return await asyncio.wait_for(self._roster.take_idle(), timeout)
        except TimeoutError:
            why = self._failures.last_reason if self._failures.count else None
            raise ExecutorError(
                f"no warm pool driver was free within spark.start_timeout_seconds = {timeout:g}"
                + (f"; drivers fail to start: {why}" if why else "")
            ) from None

    def _handle(self, spec: RunSpec, driver: DriverProcess) -> PoolRunHandle:
        def kill(reason: str) -> None:
            self.kill_driver(driver, reason)

        grace = self.settings.stop_grace_seconds
        return PoolRunHandle(spec, driver.serial, driver.channel.send, kill, grace)

    def kill_driver(self, driver: DriverProcess, reason: str) -> None:
        """SIGKILL a driver's process group; its exit is handled (and replaced) as usual."""
        log.warning(
            "killing driver %s: %s", driver.serial, reason, extra=_extra("pool.driver.kill", driver)
        )
        driver.signal_group(signal.SIGKILL)

    # -- driver messages -----------------------------------------------------------------

    def _read(self, driver: DriverProcess) -> None:
        self._spawn_task("pool.reader", self._read_loop(driver))

    async def _read_loop(self, driver: DriverProcess) -> None:
        try:
            await self._read_messages(driver)
        except Exception:
            # A reader that fails ends its driver (replaced like any dead one), not the pool;
            # the error is the task port's to log and count.
            self.kill_driver(driver, "its message reader failed")
            await self._reaped(driver)
            raise
        await self._reaped(driver)

    async def _read_messages(self, driver: DriverProcess) -> None:
        while True:
            try:
                message = await driver.channel.recv()
            except (ValueError, InvalidInput) as exc:
                log.warning(
                    "driver %s sent a bad message: %s", driver.serial, exc,
                    extra=_extra("pool.driver.bad_message", driver),
                )  # fmt: skip
                continue
            if message is None:
                return
            self._dispatch(driver, message)

    async def _reaped(self, driver: DriverProcess) -> None:
        returncode = await driver.proc.wait()
        driver.channel.close()
        self._on_exit(driver, returncode)

    def _dispatch(self, driver: DriverProcess, message: protocol.Message) -> None:
        match message:
            case protocol.Started():
                if driver.handle is not None:
                    driver.handle.begun()
            case protocol.Finished():
                self._on_finished(driver, message)
            case protocol.Metrics():
                note_sample(driver, message, self._on_sample)
            case protocol.Pong():
                if driver.pong is not None and not driver.pong.done():
                    driver.pong.set_result(None)
            case protocol.Ready():
                self._on_ready(driver)
            case protocol.SessionOpened() | protocol.StatementDone():
                self._session_message(driver, message)
            case protocol.Fatal(error=error):
                driver.fatal = f"{summarize(error)}; see {driver.log_path}"
                log.error(
                    "driver %s failed to start: %s", driver.serial, error[-2000:],
                    extra=_extra("pool.driver.fatal", driver),
                )  # fmt: skip

    @staticmethod
    def _session_message(
        driver: DriverProcess, message: protocol.SessionOpened | protocol.StatementDone
    ) -> None:
        if driver.lease is None:
            return  # released meanwhile: the session has ended
        if isinstance(message, protocol.SessionOpened):
            driver.lease.session_opened(message)
        else:
            driver.lease.statement_done(message)

    def _on_ready(self, driver: DriverProcess) -> None:
        if driver.state is not DriverState.STARTING:
            return
        remove(driver.properties_path)
        driver.ready.set_result(None)
        log.info(
            "driver %s is warm (pid %s)",
            driver.serial,
            driver.pid,
            extra=_extra("pool.driver.ready", driver),
        )
        if driver.own:
            self._roster.set_state(driver, DriverState.BUSY)  # its session's, never a run's
            return
        self._failures.reset()
        # A warm newcomer lets one driver that is past its run budget go.
        budget = self.settings.recycle_after_runs
        for old in self._roster:
            if old is not driver and old.spent(budget):
                if old.state is DriverState.IDLE:
                    self._retire(old, "recycled after its run budget")
                    break
                if old.state is DriverState.BUSY:
                    self._roster.set_state(old, DriverState.LEAVING)
                    break
        self._roster.make_idle(driver)

    def _on_finished(self, driver: DriverProcess, message: protocol.Finished) -> None:
        handle = driver.handle
        driver.handle = None
        driver.runs_done += 1
        if handle is not None:
            if self._metrics_interval:
                driver.expect_final_sample(handle.run_id)
            handle.finish(Exit(message.outcome, message.error))
            log.info(
                "run %s finished on driver %s: %s",
                handle.run_id,
                driver.serial,
                message.outcome.value,
                extra=_extra("pool.run.finish", driver, handle.run_id),
            )
        if driver.state not in RUNNING_STATES:
            return  # killed or retired meanwhile
        if message.retire:
            self.replaced_total += 1
            self._retire(driver, message.retire)
            self._starter.top_up()
        elif driver.state is DriverState.LEAVING:
            self._retire(driver, "recycled after its run budget")
        else:
            if driver.spent(self.settings.recycle_after_runs) and self._starter.top_up():
                # Its replacement starts now; it serves on until that one is warm.
                self.recycled_total += 1
                log.info(
                    "recycling driver %s after %s runs",
                    driver.serial,
                    driver.runs_done,
                    extra=_extra("pool.driver.recycle", driver),
                )
            self._roster.make_idle(driver)

    def _retire(self, driver: DriverProcess, reason: str) -> None:
        log.info(
            "retiring driver %s: %s",
            driver.serial,
            reason,
            extra=_extra("pool.driver.retire", driver),
        )
        self._roster.set_state(driver, DriverState.RETIRED)
        self._spawn_task("pool.retire", self._terminate_when_sampled(driver))

    async def _terminate_when_sampled(self, driver: DriverProcess) -> None:
        await await_final_sample(driver)
        driver.signal_group(signal.SIGTERM)

    def _on_exit(self, driver: DriverProcess, returncode: int) -> None:
        was = driver.state
        driver.state = DriverState.DEAD
        driver.final_sampled.set()  # nothing more will come: release whoever waits for it
        self._roster.remove(driver)
        remove(driver.properties_path)
        if driver.modules_dir is not None:
            self._spawn_task("pool.session.modules", asyncio.to_thread(
                shutil.rmtree, driver.modules_dir, ignore_errors=True))  # fmt: skip
        how = describe_exit(returncode)
        if driver.lease is not None:
            closed = self._roster.closed
            driver.lease.driver_gone("the warm pool shut down" if closed
                                     else f"its driver process exited with {how}")  # fmt: skip
            driver.lease = None
        handle = driver.handle
        if handle is not None and not handle.done:
            closed = self._roster.closed
            reason = "the warm pool shut down" if closed else f"driver process exited with {how}"
            handle.finish(Exit(Outcome.LOST, f"{reason} while the run was executing"))
            log.error(
                "run %s lost: driver %s exited with %s",
                handle.run_id,
                driver.serial,
                how,
                extra=_extra("pool.run.lost", driver, handle.run_id),
            )
        if self._roster.closed or was is DriverState.RETIRED:
            return
        log.warning(
            "driver %s exited with %s; replacing it",
            driver.serial,
            how,
            extra=_extra("pool.driver.exit", driver),
        )
        if not driver.ready.done() and not driver.own:
            self._failures.record(
                driver.fatal or f"exited with {how} before it was warm; see {driver.log_path}"
            )
        self.replaced_total += 1
        self._starter.top_up()

    # -- spawning and liveness -----------------------------------------------------------

    def _spawn_task(self, name: str, coro: Any) -> asyncio.Task[Any]:
        task = self._task_port.spawn(name, coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _monitor(self) -> None:
        while True:
            await asyncio.sleep(self._ping_interval)
            for driver in self._roster:
                if driver.state is DriverState.IDLE:
                    self._spawn_task("pool.ping", self._ping(driver))

    async def _ping(self, driver: DriverProcess) -> None:
        driver.pong = asyncio.get_running_loop().create_future()
        driver.channel.send(protocol.Ping())
        try:
            await asyncio.wait_for(driver.pong, self._ping_timeout)
        except TimeoutError:
            if driver.state is DriverState.IDLE:
                self.kill_driver(driver, f"no answer to a ping within {self._ping_timeout:g}s")
