"""A driver's sampling thread: the running run's Spark figures every few seconds, and its last.

The script thread only calls ``begin``/``end`` (a lock and a notify); every REST round,
py4j call and send happens on the sampler thread, so a run's final sample is taken while
the driver already reports the run's end and takes the next one.
"""

from __future__ import annotations

import collections
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from stoker.executors.base import SampleSink
from stoker.executors.sparkstats import ContextSource, SparkStats

#: The job group of the driver's warm-up job, sampled once (and thrown away) before READY:
#: the UI REST API's first round after a session start takes seconds, later ones ~10 ms.
WARMUP_GROUP = "stoker-warmup"
_WARMUP_TIMEOUT_SECONDS = 30.0
#: How long a final sample waits for Spark's listener bus to hand over the run's last events.
DRAIN_TIMEOUT_SECONDS = 5.0
#: Final samples waiting to be taken; past this (runs end faster than they can be sampled)
#: the oldest run's final is dropped rather than letting the queue and its delay grow.
MAX_PENDING_FINALS = 256


def _stderr(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


class RunSampler:
    """Samples the current run every ``interval`` seconds; ``end`` queues its final sample."""

    def __init__(
        self,
        stats: SparkStats,
        send: SampleSink,
        interval: float,
        *,
        drain: Callable[[float], None] | None = None,
        log: Callable[[str], None] = _stderr,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stats = stats
        self._send = send
        self._interval = interval
        self._drain = drain
        self._log = log
        self._clock = clock
        self._cond = threading.Condition()
        self._current: tuple[str, str] | None = None
        self._due = 0.0
        self._finals: collections.deque[tuple[str, str]] = collections.deque()
        self._closing = False
        self._warm = threading.Event()
        self._logged = False
        self._thread = threading.Thread(target=self._loop, name="stoker-sampler", daemon=True)

    def start(self, *, wait: bool = True) -> None:
        """Start the thread, which first takes one throw-away sample of the warm-up job
        group (so no run pays the REST API's first round); ``wait`` for that to end."""
        self._thread.start()
        if wait:
            self._warm.wait(_WARMUP_TIMEOUT_SECONDS)

    def begin(self, run_id: str, job_name: str) -> None:
        # No notify: waking this thread now would take the GIL from the run's start. The
        # idle thread re-checks every interval, so the first sample comes within two.
        with self._cond:
            self._current = (run_id, job_name)
            self._due = self._clock() + self._interval

    def end(self, run_id: str) -> None:
        """The run's script has ended: queue its final sample (taken on the sampler thread)."""
        with self._cond:
            if self._current is None or self._current[0] != run_id:
                return
            if len(self._finals) >= MAX_PENDING_FINALS:
                dropped, _ = self._finals.popleft()
                self._problem(f"final sample of run {dropped} dropped: sampling falls behind")
            self._finals.append(self._current)
            self._current = None
            self._cond.notify()

    def close(self, timeout: float) -> None:
        """Take the queued final samples, then stop the thread (waits up to ``timeout``)."""
        with self._cond:
            self._closing = True
            self._current = None
            self._cond.notify()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _loop(self) -> None:
        try:
            self._stats.sample(WARMUP_GROUP)
        except Exception as exc:
            self._problem(f"warm-up sample failed: {exc!r}")
        self._stats.forget(WARMUP_GROUP)
        self._stats.problems.clear()
        self._warm.set()
        while (work := self._next()) is not None:
            self._take(*work)

    def _next(self) -> tuple[str, str, bool] | None:
        with self._cond:
            while True:
                if self._finals:
                    return (*self._finals.popleft(), True)
                if self._closing:
                    return None
                wait = self._interval
                if self._current is not None:
                    wait = self._due - self._clock()
                    if wait <= 0:
                        self._due = self._clock() + self._interval
                        return (*self._current, False)
                self._cond.wait(wait)

    def _take(self, run_id: str, job_name: str, final: bool) -> None:
        if final and self._drain is not None:
            try:
                self._drain(DRAIN_TIMEOUT_SECONDS)
            except Exception as exc:  # a timeout: the sample may miss the last task ends
                self._problem(f"listener bus did not drain: {exc!r}")
        try:
            sample = self._stats.sample(run_id, final=final)
        except Exception as exc:
            self._problem(f"sampling run {run_id} failed: {exc!r}")
            return
        finally:
            if final:
                self._stats.forget(run_id)
            for problem in self._stats.problems:
                self._problem(f"run {run_id}: partial figures: {problem}")
            self._stats.problems.clear()
        try:
            self._send(run_id, job_name, sample)
        except Exception as exc:
            self._problem(f"sending a sample of run {run_id} failed: {exc!r}")

    def _problem(self, message: str) -> None:
        """Log the first problem only: a broken UI would otherwise log every sample."""
        if self._logged:
            return
        self._logged = True
        self._log(f"stoker: Spark metrics: {message} (further problems are not logged)")


def open_sampler(
    sc: Any,
    send: SampleSink,
    interval: float | None,
    log: Callable[[str], None] = _stderr,
    *,
    wait: bool = True,
) -> RunSampler | None:
    """A started sampler for this SparkContext, or None when sampling is off or impossible
    (the UI is disabled: the problem is logged once, runs go on without figures)."""
    if not interval or interval <= 0:
        return None
    try:
        source = ContextSource(sc)
    except Exception as exc:
        log(f"stoker: Spark metrics are off: {exc}")
        return None
    sampler = RunSampler(SparkStats(source), send, interval, drain=source.drain, log=log)
    sampler.start(wait=wait)
    return sampler
