"""Glue's delay notification: one "Job Run Status" event when a run outlives notify_delay_after.

The event and the run's ``delay_notified`` flag are one guarded write (RunStore.notify_delay),
so a run is announced late once, across restarts too. Not a change of the run's state.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from stoker.aio import Blocking
from stoker.domain.runs import JobRun
from stoker.errors import StokerError
from stoker.runs.timeouts import Deadlines
from stoker.store.runs import RunStore
from stoker.tasks import Spawner

log = logging.getLogger(__name__)


class DelayNotices:
    """A timer per run with a ``notify_delay_after``; its expiry writes the notice."""

    def __init__(
        self,
        runs: RunStore,
        io: Blocking,
        clock: Callable[[], datetime],
        spawner: Spawner,
        on_delayed: Callable[[JobRun], None] | None = None,
    ) -> None:
        self._runs = runs
        self._io = io
        self._clock = clock
        self._spawner = spawner
        #: Told of each notice written (metrics, passed in by the daemon).
        self._on_delayed = on_delayed
        self._timers = Deadlines(self._due, clock)

    def arm(self, run: JobRun) -> None:
        if run.notify_delay_after:
            # Glue counts the delay from the run's start; a run dequeued late fires at once.
            self._timers.arm(run.id, run.started_on, run.notify_delay_after)

    def cancel(self, run_id: str) -> None:
        self._timers.cancel(run_id)

    def cancel_all(self) -> None:
        self._timers.cancel_all()

    def _due(self, run_id: str) -> None:
        self._spawner.spawn("run.delay_notice", self._notify(run_id), {"run_id": run_id})

    async def _notify(self, run_id: str) -> None:
        try:
            run = await self._io(self._runs.notify_delay, run_id, self._clock())
        except StokerError as exc:
            log.error("delay notification failed: %s", exc.message,
                      extra={"action": "run.delay_failed", "run_id": run_id})  # fmt: skip
            return
        if run is None:
            return
        if self._on_delayed is not None:
            self._on_delayed(run)
        log.info("run is late", extra={"action": "run.delayed", "run_id": run_id,
                                       "job": run.job_name,
                                       "minutes": run.notify_delay_after})  # fmt: skip
