"""Glue's job metrics on /metrics, from the Spark samples the drivers send for their runs.

Aggregates become counters per job: each run's samples are cumulative, so the difference to
that run's previous sample is added. Heap, CPU and executor counts are gauges per job (and
executor) taken from the latest sample of each run of the job; they stay visible for a
while after the run's last sample, so a scrape that comes after a short run still sees them,
and then disappear: a gauge of a job with nothing running would be a lie.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from stoker.domain.sparkmetrics import SparkSample
from stoker.metrics.registry import Metrics

#: Prometheus name (without _total) and help for each cumulative aggregate of a sample.
COUNTERS: dict[str, tuple[str, str]] = {
    "bytes_read": ("stoker_glue_bytes_read", "Bytes read from all sources by completed tasks."),
    "records_read": ("stoker_glue_records_read", "Records read by completed tasks."),
    "bytes_written": ("stoker_glue_bytes_written", "Bytes written to outputs by tasks."),
    "records_written": ("stoker_glue_records_written", "Records written to outputs by tasks."),
    "shuffle_bytes_read": (
        "stoker_glue_shuffle_bytes_read",
        "Shuffle bytes read, local and remote.",
    ),
    "shuffle_local_bytes_read": (
        "stoker_glue_shuffle_local_bytes_read",
        "Shuffle bytes read from local disk (Glue's shuffleLocalBytesRead).",
    ),
    "shuffle_bytes_written": ("stoker_glue_shuffle_bytes_written", "Shuffle bytes written."),
    "completed_stages": ("stoker_glue_completed_stages", "Spark stages completed."),
    "completed_tasks": ("stoker_glue_completed_tasks", "Spark tasks completed."),
    "failed_tasks": ("stoker_glue_failed_tasks", "Spark tasks failed."),
    "killed_tasks": ("stoker_glue_killed_tasks", "Spark tasks killed."),
}

HEAP_USED = ("stoker_glue_jvm_heap_used_bytes", "JVM heap bytes used, by job and executor.")
HEAP_USAGE = ("stoker_glue_jvm_heap_usage_ratio", "JVM heap used / max (0 to 1).")
CPU_LOAD = ("stoker_glue_cpu_load", "CPU load (0 to 1) of the driver and of each executor.")
ACTIVE_EXECUTORS = ("stoker_glue_active_executors", "Executors running the job's tasks.")
MAX_NEEDED = (
    "stoker_glue_max_needed_executors",
    "Executors the job's running and pending tasks need (Glue's numberMaxNeededExecutors).",
)


@dataclass
class _Latest:
    job: str
    sample: SparkSample
    seen_at: float


class SparkMetrics(Collector):
    """The sink for drivers' samples (an executors.base.SampleSink) and a scrape collector.

    ``on_sample`` runs on the event loop; ``collect`` on the scraping thread.
    """

    def __init__(
        self,
        metrics: Metrics,
        *,
        linger_seconds: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._counters = {
            field: metrics.family(name, text, ["job"], "counter")
            for field, (name, text) in COUNTERS.items()
        }
        self._linger = linger_seconds
        self._now = monotonic
        self._latest: dict[str, _Latest] = {}  # run id → its latest sample
        self._lock = threading.Lock()
        metrics.register(self)

    def on_sample(self, run_id: str, job: str, sample: SparkSample) -> None:
        with self._lock:
            previous = self._latest.get(run_id)
            if previous is not None and previous.sample.sampled_at > sample.sampled_at:
                return  # a late, older sample: its figures are already counted
            for field, counter in self._counters.items():
                before = getattr(previous.sample, field) if previous is not None else 0
                delta = getattr(sample, field) - before
                # Every counter exists from the job's first sample, zero or not: increase()
                # then sees a job's first failed task, and "no failures" is a 0, not a gap.
                child = counter.labels(job)
                if delta > 0:
                    child.inc(delta)
            self._latest[run_id] = _Latest(job, sample, self._now())

    def collect(self) -> Iterator[GaugeMetricFamily]:
        heap_used = GaugeMetricFamily(*HEAP_USED, labels=["job", "executor"])
        heap_usage = GaugeMetricFamily(*HEAP_USAGE, labels=["job", "executor"])
        cpu = GaugeMetricFamily(*CPU_LOAD, labels=["job", "executor"])
        active = GaugeMetricFamily(*ACTIVE_EXECUTORS, labels=["job"])
        needed = GaugeMetricFamily(*MAX_NEEDED, labels=["job"])
        per_job: dict[str, tuple[int, int]] = {}
        executors: dict[tuple[str, str], tuple[float, int, float | None, float | None]] = {}
        with self._lock:
            cutoff = self._now() - self._linger
            for run_id in [r for r, e in self._latest.items() if e.seen_at < cutoff]:
                del self._latest[run_id]
            for entry in self._latest.values():
                sample = entry.sample
                running = (0, 0) if sample.final else (
                    sample.active_executors, sample.max_needed_executors
                )  # fmt: skip
                counts = per_job.get(entry.job, (0, 0))
                per_job[entry.job] = (counts[0] + running[0], counts[1] + running[1])
                for ex in sample.executors:
                    key = (entry.job, ex.executor_id)
                    # Two runs of one job on two drivers both have a "driver": the newest wins.
                    if key not in executors or executors[key][0] < sample.sampled_at:
                        executors[key] = (
                            sample.sampled_at, ex.heap_used_bytes, ex.heap_usage, ex.cpu_load
                        )  # fmt: skip
        for (job, executor), (_, used, usage, load) in sorted(executors.items()):
            heap_used.add_metric([job, executor], used)
            if usage is not None:
                heap_usage.add_metric([job, executor], usage)
            if load is not None:
                cpu.add_metric([job, executor], load)
        for job, (active_count, needed_count) in sorted(per_job.items()):
            active.add_metric([job], active_count)
            needed.add_metric([job], needed_count)
        yield from (heap_used, heap_usage, cpu, active, needed)

    def describe(self) -> Iterator[GaugeMetricFamily]:
        """Names only, so registering does not run ``collect``."""
        for name, text in (HEAP_USED, HEAP_USAGE, CPU_LOAD):
            yield GaugeMetricFamily(name, text, labels=["job", "executor"])
        for name, text in (ACTIVE_EXECUTORS, MAX_NEEDED):
            yield GaugeMetricFamily(name, text, labels=["job"])
