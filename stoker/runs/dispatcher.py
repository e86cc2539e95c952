"""When the queue is looked at: on any run ending (a hint) and every poll interval.

Which WAITING runs start is domain/slots.py's decision, written by the store and asked
for through the run service (RunService.dequeue).
"""

from __future__ import annotations

import asyncio
import logging

from stoker.bus import Bus, RunChanged
from stoker.errors import StoreUnavailable
from stoker.runs.service import RunService
from stoker.tasks import Spawner, Supervised, Unsupervised, wait_any

log = logging.getLogger(__name__)


class Dispatcher:
    """Wakes on any run ending (a hint) or every poll interval (the guarantee).

    A database outage (StoreUnavailable) is retried on the next poll; anything else ends
    the loop, and the supervisor restarts it (the queue is in the store: nothing is lost).
    """

    def __init__(
        self,
        *,
        service: RunService,
        bus: Bus,
        poll_interval: float,
        tasks: Spawner | None = None,
    ) -> None:
        self._service = service
        self._poll = poll_interval
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._unsubscribe = bus.subscribe(self._on_change)
        self._tasks = tasks if tasks is not None else Unsupervised()
        self._task: Supervised | None = None

    def start(self) -> None:
        self._task = self._tasks.supervise("dispatcher", self._loop)

    async def stop(self) -> None:
        self._unsubscribe()
        self._stopping.set()
        if self._task is not None:
            await self._task.join()

    def _on_change(self, event: RunChanged) -> None:
        # Only an ending run frees a slot; a run that was just queued needs no promotion.
        if event.run.state.terminal:
            self._wake.set()

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                await self.dispatch_once()
            except StoreUnavailable as exc:
                log.warning(
                    "queue check failed; will retry",
                    extra={"action": "dispatch.failed", "error": str(exc)},
                )
            await wait_any(self._wake, self._stopping, timeout=self._poll)

    async def dispatch_once(self) -> int:
        return await self._service.dequeue()
