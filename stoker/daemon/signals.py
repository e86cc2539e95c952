"""Signal handling: handlers only set flags; a second SIGINT/SIGTERM forces the shutdown."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType

from stoker.daemon.shutdown import Reaper

log = logging.getLogger(__name__)
HANDLED = (signal.SIGTERM, signal.SIGINT)


@dataclass
class StopRequest:
    """Set by the first signal (graceful); ``forced`` by a second one (no more waiting).

    ``fail`` stops the daemon because a critical task keeps failing: the exit is then
    non-zero, so a service manager restarts it.
    """

    requested: asyncio.Event = field(default_factory=asyncio.Event)
    forced: asyncio.Event = field(default_factory=asyncio.Event)
    signal_name: str = ""
    failed_task: str | None = None

    def request(self, name: str) -> None:
        if self.requested.is_set():
            log.warning("second %s: forcing shutdown", name, extra={"action": "daemon.force"})
            self.forced.set()
            return
        self.signal_name = name
        log.info("%s received: shutting down", name, extra={"action": "daemon.stop_requested"})
        self.requested.set()

    def fail(self, task: str) -> None:
        if self.failed_task is None:
            self.failed_task = task
        if not self.requested.is_set():
            log.error(
                "shutting down: critical task %s keeps failing", task,
                extra={"action": "daemon.stop_failed_task", "task": task},
            )  # fmt: skip
            self.requested.set()


@contextmanager
def capture_signals(stop: StopRequest, reaper: Reaper) -> Iterator[None]:
    """SIGTERM/SIGINT set ``stop``'s flags on the loop and arm ``reaper`` (first signal: the
    graceful bound, second: the forced one); the previous handlers are restored after."""
    loop = asyncio.get_running_loop()
    previous = {sig: signal.getsignal(sig) for sig in HANDLED}
    received = 0

    def arm(signum: int, _frame: FrameType | None) -> None:
        # Runs in the main thread between two bytecodes, even while the event loop is
        # wedged: the reaper's deadline must not depend on the loop.
        nonlocal received
        received += 1
        if received == 1:
            reaper.begin()
        else:
            reaper.force()

    for sig in HANDLED:
        # asyncio's handler (through its wake-up fd) runs ``stop.request`` on the loop; the
        # Python-level handler it installs does nothing, so it is replaced by ``arm``.
        loop.add_signal_handler(sig, stop.request, sig.name)
        signal.signal(sig, arm)
    try:
        yield
    finally:
        for sig in HANDLED:
            loop.remove_signal_handler(sig)
            signal.signal(sig, previous[sig])
