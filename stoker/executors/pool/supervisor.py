"""The warm pool: keeps N warm driver processes, hands runs to idle ones, replaces the dead."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from pathlib import Path
from typing import Any

from stoker.config.settings import SparkSettings
from stoker.domain.runs import Exit, Outcome
from stoker.errors import ExecutorError, InvalidInput
from stoker.executors.base import RunSpec, SampleSink
from stoker.executors.logs import driver_log_path, prepare_run_logs, tail
from stoker.executors.pool import protocol
from stoker.executors.pool.handle import DriverGoneError, PoolRunHandle
from stoker.executors.pool.process import RUNNING_STATES, DriverProcess, DriverState
from stoker.executors.process import describe_exit

log = logging.getLogger(__name__)

#: A driver that dies before it is warm is retried after this back-off (doubling, capped).
_MAX_BACKOFF_SECONDS = 60.0
#: How long ending a driver waits for the final Spark sample of its last run (normally
#: ~20 ms after FINISHED; the sampler itself gives Spark's listener bus up to 5 s).
FINAL_SAMPLE_GRACE_SECONDS = 6.0
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
    ) -> None:
        self.settings = settings
        self._log_dir = drivers_log_dir
        self._python = python
        self._ping_interval = ping_interval_seconds
        self._ping_timeout = ping_timeout_seconds
        self._terminate_grace = terminate_grace_seconds
        # Drivers sample runs only when someone listens.
        self._metrics_interval = metrics_interval_seconds if on_sample is not None else None
        self._on_sample = on_sample
        self._drivers: dict[int, DriverProcess] = {}
        self._idle: asyncio.Queue[DriverProcess | None] = asyncio.Queue()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._serial = 0
        self._pending_spawns = 0
        self._waiters = 0
        self._failures = 0
        self._last_failure = ""
        self._opened = False
        self._closed = False
        self._state_changed = asyncio.Event()
        self.recycled_total = 0
        self.replaced_total = 0

    # -- stats ---------------------------------------------------------------------------

    @property
    def size(self) -> int:
        return self.settings.pool_size

    def _count(self, state: DriverState) -> int:
        return sum(1 for d in self._drivers.values() if d.state is state)

    @property
    def idle(self) -> int:
        return self._count(DriverState.IDLE)

    @property
    def busy(self) -> int:
        return sum(1 for d in self._drivers.values() if d.state in RUNNING_STATES)

    @property
    def starting(self) -> int:
        return self._count(DriverState.STARTING) + self._pending_spawns

    # -- lifecycle -----------------------------------------------------------------------

    async def open(self) -> None:
        """Spawn the drivers (returns before they are warm) and start the liveness checks."""
        if self._opened:
            return
        self._opened = True
        self._top_up()
        self._spawn_task(self._monitor())

    async def ready(self) -> None:
        """Wait until at least one driver is warm; raise ExecutorError if drivers keep
        failing to start (bad master, no Java, ...)."""
        await self.open()
        while self.idle == 0 and self.busy == 0:
            if self._closed:
                raise ExecutorError("the warm pool is closed")
            if self._failures >= _FAILURES_BEFORE_GIVING_UP:
                raise ExecutorError(
                    f"{self._failures} pool drivers in a row failed to start: {self._last_failure}"
                )
            self._state_changed.clear()
            await self._state_changed.wait()

    async def aclose(self) -> None:
        """SIGTERM every driver group, SIGKILL what is left after the grace period."""
        if self._closed:
            return
        self._closed = True
        log.info("closing warm pool", extra=_extra("pool.close"))
        for _ in range(self._waiters):
            self._idle.put_nowait(None)  # wakes start() callers so they can raise
        self._state_changed.set()
        for driver in list(self._drivers.values()):
            driver.state = DriverState.RETIRED
        await asyncio.gather(*(self._final_sample(d) for d in list(self._drivers.values())))
        for driver in list(self._drivers.values()):
            driver.signal_group(signal.SIGTERM)
        exits = [asyncio.create_task(d.proc.wait()) for d in self._drivers.values()]
        if exits:
            _, pending = await asyncio.wait(exits, timeout=self._terminate_grace)
            if pending:
                for driver in list(self._drivers.values()):
                    driver.signal_group(signal.SIGKILL)
                await asyncio.wait(pending)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    # -- runs ----------------------------------------------------------------------------

    async def start(self, spec: RunSpec) -> PoolRunHandle:
        """Wait for an idle driver, hand it the run, return once the driver has begun it."""
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
        )
        for _ in range(3):
            driver = await self._take_idle()
            handle = self._handle(spec, driver)
            driver.state = DriverState.BUSY
            driver.handle = handle
            driver.channel.send(message)
            try:
                await handle.started
            except DriverGoneError:
                continue  # it died before the script began: another driver may take it
            log.debug(
                "run %s started", spec.run_id, extra=_extra("pool.run.start", driver, spec.run_id)
            )
            return handle
        raise ExecutorError(f"run {spec.run_id}: pool drivers kept dying before it could start")

    def _handle(self, spec: RunSpec, driver: DriverProcess) -> PoolRunHandle:
        def kill(reason: str) -> None:
            self.kill_driver(driver, reason)

        grace = self.settings.stop_grace_seconds
        return PoolRunHandle(spec, driver.serial, driver.channel.send, kill, grace)

    async def _take_idle(self) -> DriverProcess:
        while True:
            if self._closed:
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

    def kill_driver(self, driver: DriverProcess, reason: str) -> None:
        """SIGKILL a driver's process group; its exit is handled (and replaced) as usual."""
        log.warning(
            "killing driver %s: %s", driver.serial, reason, extra=_extra("pool.driver.kill", driver)
        )
        driver.signal_group(signal.SIGKILL)

    # -- driver messages -----------------------------------------------------------------

    async def _read_loop(self, driver: DriverProcess) -> None:
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
                break
            self._dispatch(driver, message)
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
                self._on_metrics(driver, message)
            case protocol.Pong():
                if driver.pong is not None and not driver.pong.done():
                    driver.pong.set_result(None)
            case protocol.Ready():
                self._on_ready(driver)
            case protocol.Fatal(error=error):
                self._last_failure = error[-2000:]
                log.error(
                    "driver %s failed to start: %s", driver.serial, self._last_failure,
                    extra=_extra("pool.driver.fatal", driver),
                )  # fmt: skip

    def _on_metrics(self, driver: DriverProcess, message: protocol.Metrics) -> None:
        if self._on_sample is None:
            return
        run_id, sample = message.run_id, message.sample
        if sample.final and driver.final_sample_of == run_id:
            driver.final_sample_of = None
            driver.final_sampled.set()
        try:
            self._on_sample(run_id, message.job_name, sample)
        except Exception:  # a sink's bug must not end this driver's read loop
            log.exception(
                "the Spark sample sink failed for run %s", run_id,
                extra=_extra("pool.metrics.sink_failed", driver, run_id),
            )  # fmt: skip

    def _on_ready(self, driver: DriverProcess) -> None:
        if driver.state is not DriverState.STARTING:
            return
        self._failures = 0
        driver.ready.set_result(None)
        log.info(
            "driver %s is warm (pid %s)",
            driver.serial,
            driver.pid,
            extra=_extra("pool.driver.ready", driver),
        )
        # A warm newcomer lets one driver that is past its run budget go.
        budget = self.settings.recycle_after_runs
        for old in self._drivers.values():
            if old is not driver and old.spent(budget):
                if old.state is DriverState.IDLE:
                    self._retire(old, "recycled after its run budget")
                    break
                if old.state is DriverState.BUSY:
                    old.state = DriverState.LEAVING
                    break
        self._make_idle(driver)

    def _on_finished(self, driver: DriverProcess, message: protocol.Finished) -> None:
        handle = driver.handle
        driver.handle = None
        driver.runs_done += 1
        if handle is not None:
            if self._metrics_interval:
                driver.final_sample_of = handle.run_id
                driver.final_sampled.clear()
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
            self._top_up()
        elif driver.state is DriverState.LEAVING:
            self._retire(driver, "recycled after its run budget")
        else:
            if driver.spent(self.settings.recycle_after_runs) and self._top_up():
                # Its replacement starts now; it serves on until that one is warm.
                self.recycled_total += 1
                log.info(
                    "recycling driver %s after %s runs",
                    driver.serial,
                    driver.runs_done,
                    extra=_extra("pool.driver.recycle", driver),
                )
            self._make_idle(driver)

    def _make_idle(self, driver: DriverProcess) -> None:
        driver.state = DriverState.IDLE
        self._idle.put_nowait(driver)
        self._state_changed.set()

    def _retire(self, driver: DriverProcess, reason: str) -> None:
        log.info(
            "retiring driver %s: %s",
            driver.serial,
            reason,
            extra=_extra("pool.driver.retire", driver),
        )
        driver.state = DriverState.RETIRED
        self._spawn_task(self._terminate_when_sampled(driver))

    async def _terminate_when_sampled(self, driver: DriverProcess) -> None:
        await self._final_sample(driver)
        driver.signal_group(signal.SIGTERM)

    async def _final_sample(self, driver: DriverProcess) -> None:
        """Wait (bounded) for the final sample of the driver's last run: SIGTERM ends its
        JVM and its Python at once, and the run's last figures with them."""
        if driver.final_sample_of is None or driver.state is DriverState.DEAD:
            return
        try:
            await asyncio.wait_for(driver.final_sampled.wait(), FINAL_SAMPLE_GRACE_SECONDS)
        except TimeoutError:
            log.warning(
                "driver %s: no final Spark sample for run %s within %gs; ending it anyway",
                driver.serial, driver.final_sample_of, FINAL_SAMPLE_GRACE_SECONDS,
                extra=_extra("pool.driver.final_sample_missing", driver, driver.final_sample_of),
            )  # fmt: skip

    def _on_exit(self, driver: DriverProcess, returncode: int) -> None:
        was = driver.state
        driver.state = DriverState.DEAD
        driver.final_sampled.set()  # nothing more will come: release whoever waits for it
        self._drivers.pop(driver.serial, None)
        self._state_changed.set()
        how = describe_exit(returncode)
        handle = driver.handle
        if handle is not None and not handle.done:
            reason = (
                "the warm pool shut down" if self._closed else f"driver process exited with {how}"
            )
            handle.finish(Exit(Outcome.LOST, f"{reason} while the run was executing"))
            log.error(
                "run %s lost: driver %s exited with %s",
                handle.run_id,
                driver.serial,
                how,
                extra=_extra("pool.run.lost", driver, handle.run_id),
            )
        if self._closed or was is DriverState.RETIRED:
            return
        log.warning(
            "driver %s exited with %s; replacing it",
            driver.serial,
            how,
            extra=_extra("pool.driver.exit", driver),
        )
        if not driver.ready.done():
            self._failures += 1
            if not self._last_failure:
                self._last_failure = (
                    f"exited with {how}; see {driver.log_path}: {tail(driver.log_path, 500)}"
                )
        self.replaced_total += 1
        self._top_up()

    # -- spawning and liveness -----------------------------------------------------------

    def _spawn_task(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _top_up(self) -> int:
        """Spawn drivers until the serving (not leaving, not spent) ones make pool_size;
        returns how many it spawned."""
        budget = self.settings.recycle_after_runs
        serving = sum(
            1
            for d in self._drivers.values()
            if d.state in (DriverState.STARTING, DriverState.IDLE, DriverState.BUSY)
            and not d.spent(budget)
        )
        missing = max(0, self.settings.pool_size - serving - self._pending_spawns)
        for _ in range(missing):
            self._pending_spawns += 1
            delay = min(_MAX_BACKOFF_SECONDS, 2.0**self._failures - 1) if self._failures else 0.0
            self._spawn_task(self._spawn(delay))
        return missing

    async def _spawn(self, delay: float) -> None:
        try:
            if delay:
                await asyncio.sleep(delay)
            if self._closed:
                return
            self._serial += 1
            serial = self._serial
            path = driver_log_path(self._log_dir, serial)
            driver = await DriverProcess.spawn(
                serial, self.settings, path, self._python, self._metrics_interval
            )
        finally:
            self._pending_spawns -= 1
        self._drivers[serial] = driver
        log.info(
            "driver %s spawned (pid %s, log %s)",
            serial,
            driver.pid,
            path,
            extra=_extra("pool.driver.spawn", driver),
        )
        self._spawn_task(self._read_loop(driver))
        try:
            await asyncio.wait_for(
                asyncio.shield(driver.ready), self.settings.start_timeout_seconds
            )
        except TimeoutError:
            self._last_failure = (
                f"not warm after {self.settings.start_timeout_seconds:g}s; see {path}"
            )
            self.kill_driver(driver, self._last_failure)

    async def _monitor(self) -> None:
        while True:
            await asyncio.sleep(self._ping_interval)
            for driver in list(self._drivers.values()):
                if driver.state is DriverState.IDLE:
                    self._spawn_task(self._ping(driver))

    async def _ping(self, driver: DriverProcess) -> None:
        driver.pong = asyncio.get_running_loop().create_future()
        driver.channel.send(protocol.Ping())
        try:
            await asyncio.wait_for(driver.pong, self._ping_timeout)
        except TimeoutError:
            if driver.state is DriverState.IDLE:
                self.kill_driver(driver, f"no answer to a ping within {self._ping_timeout:g}s")
