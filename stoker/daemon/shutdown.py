"""Shutdown that always ends: a thread that ends the process when stopping overruns its bound.

The orderly shutdown (stoker.daemon.app) is bounded step by step, but a step can still be
stuck where no timeout reaches: a wedged event loop, a client library blocked in C, a
database call that never returns. The reaper does not depend on any of them. Armed by the
first stop request, it ends the process ``graceful_seconds`` later; armed by a second
signal, ``FORCED_SECONDS`` later. Ending it means SIGKILL to every child process group
(drivers, spark-submit, Python shells and what they started) and ``os._exit``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

#: After the second signal, how long the orderly shutdown may still take.
FORCED_SECONDS = 5.0
#: On top of the runs' grace and stop grace: stopping the executors, flushing the outbox
#: and the metrics history, closing the API and the database.
TEARDOWN_SECONDS = 30.0
#: The exit status when the reaper ends the process.
EXIT_STATUS = 1


def kill_children() -> int:
    """SIGKILL every child process of this one, with its process group when it leads one
    (each run and each driver does). Returns how many were signalled."""
    me, own_group = os.getpid(), os.getpgid(0)
    killed = 0
    for pid, group in _children(me):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if group == pid and group != own_group:
                os.killpg(group, signal.SIGKILL)
            else:
                os.kill(pid, signal.SIGKILL)
            killed += 1
    return killed


def _children(parent: int) -> list[tuple[int, int]]:
    """(pid, process group) of each live child of ``parent``, from /proc (Linux)."""
    found = []
    with contextlib.suppress(OSError):
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue  # ended meanwhile
            # The command name may hold spaces and parentheses: fields start after the last ")".
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == parent and fields[0] != "Z":
                found.append((int(entry.name), int(fields[2])))
    return found


class Reaper:
    """Ends the process when shutdown overruns; ``begin``/``force`` only set flags (they are
    called from a signal handler), the thread does the rest."""

    def __init__(
        self,
        graceful_seconds: float,
        *,
        forced_seconds: float = FORCED_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        end: Callable[[int], None] = os._exit,
        kill: Callable[[], int] = kill_children,
    ) -> None:
        self.graceful_seconds = graceful_seconds
        self.forced_seconds = forced_seconds
        self._clock = clock
        self._end = end
        self._kill = kill
        self._begun_at: float | None = None
        self._forced_at: float | None = None
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="shutdown-reaper", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def begin(self) -> None:
        """Shutdown has begun: the process ends ``graceful_seconds`` from now at the latest."""
        if self._begun_at is None:
            self._begun_at = self._clock()
            self._wake.set()

    def force(self) -> None:
        """A second signal: the process ends ``forced_seconds`` from now at the latest."""
        if self._forced_at is None:
            self._forced_at = self._clock()
            self._wake.set()

    def _deadline(self) -> float | None:
        deadlines = []
        if self._begun_at is not None:
            deadlines.append(self._begun_at + self.graceful_seconds)
        if self._forced_at is not None:
            deadlines.append(self._forced_at + self.forced_seconds)
        return min(deadlines) if deadlines else None

    def _run(self) -> None:
        while True:
            deadline = self._deadline()
            timeout = None if deadline is None else max(0.0, deadline - self._clock())
            if self._wake.wait(timeout):
                self._wake.clear()
                continue
            if deadline is not None and self._clock() >= deadline:
                self._expire()
                return

    def _expire(self) -> None:
        bound = self.forced_seconds if self._forced_at is not None else self.graceful_seconds
        killed = self._kill()
        log.critical(
            "shutdown did not end within %gs: killed %d child process(es), exiting now",
            bound, killed, extra={"action": "daemon.shutdown_overrun", "children": killed},
        )  # fmt: skip
        for handler in logging.getLogger().handlers:
            with contextlib.suppress(Exception):
                handler.flush()
        self._end(EXIT_STATUS)
