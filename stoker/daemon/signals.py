"""Signal handling: handlers only set flags; a second SIGINT/SIGTERM forces the shutdown."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

log = logging.getLogger(__name__)


@dataclass
class StopRequest:
    """Set by the first signal (graceful); ``forced`` by a second one (no more waiting)."""

    requested: asyncio.Event = field(default_factory=asyncio.Event)
    forced: asyncio.Event = field(default_factory=asyncio.Event)
    signal_name: str = ""

    def request(self, name: str) -> None:
        if self.requested.is_set():
            log.warning("second %s: forcing shutdown", name, extra={"action": "daemon.force"})
            self.forced.set()
            return
        self.signal_name = name
        log.info("%s received: shutting down", name, extra={"action": "daemon.stop_requested"})
        self.requested.set()


@contextmanager
def capture_signals(stop: StopRequest) -> Iterator[None]:
    loop = asyncio.get_running_loop()
    handled = (signal.SIGTERM, signal.SIGINT)
    for sig in handled:
        loop.add_signal_handler(sig, stop.request, sig.name)
    try:
        yield
    finally:
        for sig in handled:
            loop.remove_signal_handler(sig)
