"""A run on a warm driver: the started future and the stop escalation."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from stoker.domain.runs import Exit, Outcome
from stoker.executors.base import RunSpec
from stoker.executors.handle import BaseRunHandle
from stoker.executors.pool import protocol

log = logging.getLogger(__name__)


class DriverGoneError(Exception):
    """Raised to start() when the chosen driver died before it acknowledged the run."""


class PoolRunHandle(BaseRunHandle):
    """Returned by WarmPool.start. Stop sends ``Cancel``; after the grace the driver is killed
    (through ``kill``, which the pool gives it) and the run reports STOPPED."""

    def __init__(
        self,
        spec: RunSpec,
        driver: int,
        send: Callable[[protocol.ToDriver], None],
        kill: Callable[[str], None],
        grace: float,
    ) -> None:
        super().__init__(spec, grace)
        self.driver = driver
        self._send = send
        self._kill = kill
        self.started: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def _request_stop(self) -> None:
        log.info(
            "stopping run %s on driver %s",
            self.run_id,
            self.driver,
            extra={"action": "pool.run.stop", "run_id": self.run_id, "driver": self.driver},
        )
        self._send(protocol.Cancel(self.run_id))

    def _grace_expired(self) -> None:
        # Report before killing, so the driver's death is not mistaken for a lost run.
        self.finish(
            Exit(
                Outcome.STOPPED,
                f"stopped: the script did not yield within {self.grace:g}s, so its driver "
                "was killed",
            )
        )
        self._kill(f"run {self.run_id} ignored its stop")

    def begun(self) -> None:
        if not self.started.done():
            self.started.set_result(None)

    def finish(self, exit_: Exit) -> None:
        super().finish(exit_)
        if not self.started.done():
            self.started.set_exception(DriverGoneError(exit_.error_message))
            # start() consumes it; mark retrieved so an unawaited one does not warn.
            self.started.exception()
