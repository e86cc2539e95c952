"""Each run's metrics history: thins the drivers' Spark samples and stores them in batches.

Drivers sample a running run every few seconds; the history keeps one sample per
``interval_seconds`` (plus a run's first and its final one), so a long run stays small.
``record`` runs on the event loop and only appends to a buffer; one task writes the buffer
in batches through the ``io`` thread boundary, one transaction per batch, because at peak
the daemon creates ~100 runs a second and SQLite has one writer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from stoker.aio import Blocking
from stoker.domain.metricsrange import Bucket, JobMetricsRange, RunFigures, buckets, points
from stoker.domain.runs import JobRun
from stoker.domain.sparkmetrics import RunMetricsHistory, SparkSample
from stoker.tasks import Spawner, Supervised, Unsupervised, wait_any

log = logging.getLogger(__name__)

#: Runs whose last kept sample is remembered; a run that never sends its final sample (its
#: driver died) is forgotten once this many newer runs have been seen.
MAX_TRACKED_RUNS = 10_000

Pending = tuple[str, SparkSample]


class SampleStore(Protocol):
    """Where samples go (RunMetricsStore in the daemon). Blocking; called from a thread."""

    def add_many(self, samples: Sequence[Pending]) -> int: ...

    def history(self, run_id: str) -> list[SparkSample]: ...

    def job_range(self, job_name: str, spans: Sequence[Bucket]) -> dict[int, list[RunFigures]]: ...


class RunLookup(Protocol):
    """Tells whether a run exists (RunStore in the daemon). Blocking."""

    def get(self, run_id: str) -> JobRun:
        """NotFound if missing."""
        ...


class MetricsHistory:
    """Keeps samples ``interval_seconds`` apart per run and flushes them in batches.

    Flushes happen every ``flush_seconds``, or sooner once ``batch_size`` samples wait. A
    failed flush keeps its samples for the next one; past ``max_buffer`` waiting samples the
    oldest non-final ones are dropped, with a warning.
    """

    def __init__(
        self,
        store: SampleStore,
        runs: RunLookup,
        io: Blocking,
        *,
        interval_seconds: float = 10.0,
        flush_seconds: float = 0.5,
        batch_size: int = 200,
        max_buffer: int = 20_000,
        tasks: Spawner | None = None,
    ) -> None:
        self._store = store
        self._runs = runs
        self._io = io
        self._interval = interval_seconds
        self._flush_seconds = flush_seconds
        self._batch_size = batch_size
        self._max_buffer = max_buffer
        #: run id → sampled_at of its last kept sample; insertion order is recency.
        self._last_kept: dict[str, float] = {}
        self._buffer: list[Pending] = []
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._lock = asyncio.Lock()
        self._failing = False
        self._tasks = tasks if tasks is not None else Unsupervised()
        self._task: Supervised | None = None

    # -- intake (event loop, never blocks, never raises) -----------------------------------

    def record(self, run_id: str, job_name: str, sample: SparkSample) -> None:
        """Keep ``sample`` if it is the run's first, its final, or ``interval_seconds`` after
        the last one kept. ``job_name`` is accepted for callers' convenience; the run row
        already names its job."""
        try:
            if not self._keep(run_id, sample):
                return
            self._buffer.append((run_id, sample))
            if len(self._buffer) > self._max_buffer:
                self._shed()
            if len(self._buffer) >= self._batch_size:
                self._wake.set()
        except Exception:  # a caller on the sampling path must never see our failure
            log.exception(
                "metrics sample not recorded",
                extra={"action": "metrics_history.record_failed", "run_id": run_id},
            )

    def _keep(self, run_id: str, sample: SparkSample) -> bool:
        last = self._last_kept.pop(run_id, None)
        if sample.final:
            return True  # and the run is forgotten: nothing follows a final sample
        if last is not None and sample.sampled_at - last < self._interval:
            self._last_kept[run_id] = last
            return False
        self._last_kept[run_id] = sample.sampled_at
        if len(self._last_kept) > MAX_TRACKED_RUNS:
            del self._last_kept[next(iter(self._last_kept))]
        return True

    def _shed(self) -> None:
        """Drop the oldest non-final samples down to 90% of the bound (in one pass, so a
        long outage does not rescan the buffer on every sample)."""
        excess = len(self._buffer) - int(self._max_buffer * 0.9)
        kept: list[Pending] = []
        dropped = 0
        for item in self._buffer:
            if dropped < excess and not item[1].final:
                dropped += 1
            else:
                kept.append(item)
        self._buffer = kept
        log.warning(
            "metrics history buffer full: oldest samples dropped",
            extra={
                "action": "metrics_history.dropped",
                "dropped": dropped,
                "buffered": len(kept),
                "max_buffer": self._max_buffer,
            },
        )

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        self._stopping.clear()
        self._task = self._tasks.supervise("metrics-history", self._run)

    async def stop(self) -> None:
        """Flush what is buffered and end the task; samples a failing store refused are lost
        (and counted in the log)."""
        self._stopping.set()
        self._wake.set()
        if self._task is not None:
            await self._task.join()
            self._task = None
        if self._buffer:  # the task's own last flush did not happen, or failed
            await self.flush()
        if self._buffer:
            log.error(
                "metrics samples lost at shutdown: the store refused the last flush",
                extra={"action": "metrics_history.lost", "count": len(self._buffer)},
            )

    async def _run(self) -> None:
        while not self._stopping.is_set():
            await wait_any(self._wake, timeout=self._flush_seconds)
            self._wake.clear()
            await self.flush()
        await self.flush()

    async def flush(self) -> bool:
        """Write everything buffered, a batch per transaction; False if the store failed."""
        async with self._lock:
            return await self._drain()

    async def _drain(self) -> bool:
        # Called with the lock held, so one batch at most is in flight.
        while self._buffer:
            batch = self._buffer[: self._batch_size]
            # Out of the buffer while in flight, so shedding never drops a written one.
            del self._buffer[: len(batch)]
            try:
                await self._io(self._store.add_many, batch)
            except Exception as exc:
                self._buffer[:0] = batch
                self._flush_failed(exc)
                return False
            self._flush_recovered()
        return True

    def _flush_failed(self, exc: Exception) -> None:
        if self._failing:
            return  # logged once per outage; the recovery is logged too
        self._failing = True
        log.warning(
            "metrics history not written; retrying every flush, samples kept in memory",
            extra={
                "action": "metrics_history.flush_failed",
                "error": f"{type(exc).__name__}: {exc}",
                "buffered": len(self._buffer),
                "max_buffer": self._max_buffer,
            },
        )

    def _flush_recovered(self) -> None:
        if self._failing:
            self._failing = False
            log.info(
                "metrics history written again",
                extra={"action": "metrics_history.flush_recovered", "buffered": len(self._buffer)},
            )

    # -- reads -----------------------------------------------------------------------------

    async def get(self, run_id: str) -> RunMetricsHistory:
        """The run's samples, oldest first, buffered ones included. NotFound if no such run."""
        run = await self._io(self._runs.get, run_id)
        async with self._lock:
            await self._drain()
            stored = await self._io(self._store.history, run_id)
            # Only when the store refused the flush above: still readable from memory.
            waiting = [s for rid, s in self._buffer if rid == run_id]
        samples = sorted([*stored, *waiting], key=lambda s: s.sampled_at)
        return RunMetricsHistory(run_id=run.id, job_name=run.job_name, samples=samples)

    async def over_range(
        self, job_name: str, since: datetime, until: datetime, count: int
    ) -> JobMetricsRange:
        """The job's runs started in [since, until) as ``count`` points (domain/metricsrange.py);
        InvalidInput for a bad range. A deleted job's history stays readable."""
        spans = buckets(since, until, count)
        async with self._lock:
            await self._drain()  # what drivers sent is in the graphs
            found = await self._io(self._store.job_range, job_name, spans)
        step = (until - since).total_seconds() / count
        return JobMetricsRange(job_name, since, until, step, points(spans, found))
