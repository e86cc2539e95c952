"""Batch rules of EVENT triggers on the event loop: fire at batch_size, or batch_window
seconds after the first unfired event, whichever comes first (Glue's EventBatchingCondition).

The consumer thread only stores events; it hands the names of triggers that got new ones
to ``recorded``. Each trigger is settled under its own lock, so a size fire and a window
fire of one trigger never race each other in this daemon (across daemons the fire key
decides, see stoker.store.event_batches). Settling and each window are one-shot tasks of
the spawner: one that fails is logged with its trigger and counted, and its events stay
stored for the next message or the next start to settle.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

from stoker.aio import Blocking
from stoker.domain.inbound import BatchCondition
from stoker.domain.triggers import Trigger, TriggerType
from stoker.runs.service import RunService
from stoker.store.event_batches import EventBatchStore
from stoker.store.firing import NoObserver, TriggerObserver
from stoker.tasks import Spawner, Unsupervised

log = logging.getLogger(__name__)


class BatchWindows:
    def __init__(
        self,
        *,
        batches: EventBatchStore,
        runs: RunService,
        io: Blocking,
        clock: Callable[[], datetime],
        active: Callable[[], Mapping[str, Trigger]],
        observer: TriggerObserver | None = None,
        tasks: Spawner | None = None,
    ) -> None:
        self._batches = batches
        self._spawner = tasks if tasks is not None else Unsupervised()
        self._observer: TriggerObserver = observer or NoObserver()
        self._runs = runs
        self._io = io
        self._clock = clock
        self._active = active
        self._locks: dict[str, asyncio.Lock] = {}
        #: trigger name → (first unfired event's arrival, the task waiting for its window)
        self._windows: dict[str, tuple[datetime, asyncio.Task[None]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        #: Batches fired by this daemon (for logs and tests).
        self.fired_count = 0

    async def start(self) -> None:
        """Re-arm the windows of events stored before a restart (and fire full batches)."""
        for name in await self._io(self._batches.pending_since):
            self.recorded([name])

    async def stop(self) -> None:
        for _, task in self._windows.values():
            task.cancel()
        pending = [*self._tasks, *(task for _, task in self._windows.values())]
        self._windows.clear()
        await asyncio.gather(*pending, return_exceptions=True)

    def recorded(self, names: Iterable[str]) -> None:
        """New events were stored for these triggers (call on the loop's thread)."""
        for name in names:
            task = self._spawner.spawn("event.batch", self.settle(name), {"trigger": name})
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def settle(self, name: str) -> None:
        """Fire every full batch, then arm the window of what is left."""
        lock = self._locks.setdefault(name, asyncio.Lock())
        async with lock:
            await self._settle(name)

    async def _settle(self, name: str) -> None:
        trigger = self._active().get(name)
        if trigger is None or trigger.event is None:
            self._disarm(name)  # not ACTIVATED: its events wait for reactivation
            return
        size = trigger.event.batch_size
        while True:
            pending = await self._io(self._batches.pending, name, size)
            if len(pending) < size:
                break
            if not await self._fire(name, BatchCondition.BATCH_SIZE):
                break
        if pending:
            self._arm(name, trigger, pending[0].received_on)
        else:
            self._disarm(name)

    async def _fire(self, name: str, reason: BatchCondition) -> bool:
        fired = await self._io(self._batches.fire_batch, name, reason, self._clock())
        if fired is None:
            return False
        log.info(
            "event trigger fired",
            extra={"action": "event.fired", "trigger": name, "condition": reason.value,
                   "events": len(fired.event_ids), "run_ids": list(fired.run_ids)},
        )  # fmt: skip
        self.fired_count += 1
        self._observer.fired(name, TriggerType.EVENT, None)
        await self._runs.adopt(fired.runs)
        return True

    def _arm(self, name: str, trigger: Trigger, since: datetime) -> None:
        current = self._windows.get(name)
        if current is not None and current[0] == since:
            return  # already waiting for this batch's window
        self._disarm(name)
        assert trigger.event is not None
        delay = (since - self._clock()).total_seconds() + trigger.event.batch_window
        window = self._window(name, max(delay, 0.0))
        task = self._spawner.spawn("event.window", window, {"trigger": name})
        self._windows[name] = (since, task)

    def _disarm(self, name: str) -> None:
        current = self._windows.pop(name, None)
        if current is not None and current[1] is not asyncio.current_task():
            current[1].cancel()

    async def _window(self, name: str, delay: float) -> None:
        await asyncio.sleep(delay)
        lock = self._locks.setdefault(name, asyncio.Lock())
        async with lock:
            self._windows.pop(name, None)  # this window is spent; settle arms the next
            await self._fire(name, BatchCondition.BATCH_WINDOW)
            await self._settle(name)
