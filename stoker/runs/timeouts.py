"""Run deadlines: call back when a run has been RUNNING longer than its timeout."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime


class Deadlines:
    """One timer per run on the event loop; cancelled when the run ends."""

    def __init__(self, on_expiry: Callable[[str], None], clock: Callable[[], datetime]) -> None:
        self._on_expiry = on_expiry
        self._clock = clock
        self._timers: dict[str, asyncio.TimerHandle] = {}

    def arm(self, run_id: str, running_on: datetime, timeout_minutes: int) -> None:
        remaining = timeout_minutes * 60 - (self._clock() - running_on).total_seconds()
        loop = asyncio.get_running_loop()
        self.cancel(run_id)
        self._timers[run_id] = loop.call_later(max(0.0, remaining), self._fire, run_id)

    def cancel(self, run_id: str) -> None:
        timer = self._timers.pop(run_id, None)
        if timer is not None:
            timer.cancel()

    def cancel_all(self) -> None:
        for run_id in list(self._timers):
            self.cancel(run_id)

    def _fire(self, run_id: str) -> None:
        self._timers.pop(run_id, None)
        self._on_expiry(run_id)
