"""A run on a warm driver: started/finished futures and the stop escalation."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from stoker.domain.runs import Exit, Outcome
from stoker.executors.base import RunSpec
from stoker.executors.pool import protocol

if TYPE_CHECKING:
    from stoker.executors.pool.process import DriverProcess
    from stoker.executors.pool.supervisor import WarmPool

log = logging.getLogger(__name__)


class DriverGoneError(Exception):
    """Raised to start() when the chosen driver died before it acknowledged the run."""


class PoolRunHandle:
    """Returned by WarmPool.start; implements the RunHandle port."""

    def __init__(self, spec: RunSpec, driver: DriverProcess, pool: WarmPool) -> None:
        loop = asyncio.get_running_loop()
        self.spec = spec
        self.driver = driver
        self._pool = pool
        self.started: asyncio.Future[None] = loop.create_future()
        self._done: asyncio.Future[Exit] = loop.create_future()
        self._stopping = False
        self._escalation: asyncio.Task[None] | None = None

    @property
    def run_id(self) -> str:
        return self.spec.run_id

    @property
    def done(self) -> bool:
        return self._done.done()

    async def wait(self) -> Exit:
        return await asyncio.shield(self._done)

    async def stop(self) -> None:
        if self._done.done() or self._stopping:
            return
        self._stopping = True
        log.info(
            "stopping run %s on driver %s",
            self.run_id,
            self.driver.serial,
            extra={"action": "pool.run.stop", "run_id": self.run_id, "driver": self.driver.serial},
        )
        self.driver.channel.send({"type": protocol.CANCEL, "run_id": self.run_id})
        self._escalation = asyncio.create_task(self._escalate())

    async def _escalate(self) -> None:
        grace = self._pool.settings.stop_grace_seconds
        try:
            await asyncio.wait_for(asyncio.shield(self._done), grace)
            return
        except TimeoutError:
            pass
        # Report before killing, so the driver's death is not mistaken for a lost run.
        self.finish(
            Exit(
                Outcome.STOPPED,
                f"stopped: the script did not yield within {grace:g}s, so its driver was killed",
            )
        )
        self._pool.kill_driver(self.driver, f"run {self.run_id} ignored its stop")

    def finish(self, exit_: Exit) -> None:
        if not self._done.done():
            self._done.set_result(exit_)
        if not self.started.done():
            self.started.set_exception(DriverGoneError(exit_.error_message))
            # start() consumes it; mark retrieved so an unawaited one does not warn.
            self.started.exception()
