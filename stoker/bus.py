"""In-process pub/sub of domain happenings: wake-ups only, never the record (the store is)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from stoker.domain.runs import JobRun

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunChanged:
    """A run was created or changed state (the stored run after the change)."""

    run: JobRun


Listener = Callable[[RunChanged], None]


class Bus:
    """Synchronous fan-out on the event loop; a failing listener never blocks the others."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def publish(self, event: RunChanged) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("bus listener failed", extra={"action": "bus.listener_failed"})
