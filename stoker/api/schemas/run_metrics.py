"""Wire models for a run's metrics history (GET /runs/{id}/metrics) and a job's over a time
range (GET /jobs/{name}/metrics), and their converters."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel

from stoker.api.schemas.common import UtcTime
from stoker.domain.metricsrange import JobMetricsRange
from stoker.domain.sparkmetrics import RunMetricsHistory, SparkSample


class ExecutorSampleOut(BaseModel):
    """One JVM: ``driver`` or a Spark executor id. Ratios are 0 to 1; null when unknown."""

    executor_id: str
    heap_used_bytes: int
    heap_max_bytes: int | None
    heap_usage: float | None
    cpu_load: float | None


class SparkSampleOut(BaseModel):
    """A run's Spark figures at ``sampled_at``; the aggregates are cumulative for the run."""

    sampled_at: UtcTime
    bytes_read: int
    records_read: int
    bytes_written: int
    records_written: int
    shuffle_bytes_read: int
    shuffle_local_bytes_read: int
    shuffle_bytes_written: int
    completed_stages: int
    completed_tasks: int
    failed_tasks: int
    killed_tasks: int
    active_executors: int
    max_needed_executors: int
    executors: list[ExecutorSampleOut]
    #: The run's last sample, taken after its script ended.
    final: bool


class RunMetricsOut(BaseModel):
    """A run's stored samples, oldest first (python shell runs have none)."""

    run_id: str
    job_name: str
    #: The final sample is stored: the history will not grow.
    complete: bool
    samples: list[SparkSampleOut]


def sample_out(sample: SparkSample) -> SparkSampleOut:
    data = sample.to_dict()
    data["sampled_at"] = datetime.fromtimestamp(sample.sampled_at, UTC)
    data["executors"] = [
        ExecutorSampleOut(
            executor_id=e.executor_id,
            heap_used_bytes=e.heap_used_bytes,
            heap_max_bytes=e.heap_max_bytes,
            heap_usage=e.heap_usage,
            cpu_load=e.cpu_load,
        )
        for e in sample.executors
    ]
    return SparkSampleOut(**data)


def run_metrics_out(history: RunMetricsHistory) -> RunMetricsOut:
    return RunMetricsOut(
        run_id=history.run_id,
        job_name=history.job_name,
        complete=any(s.final for s in history.samples),
        samples=[sample_out(s) for s in history.samples],
    )


class RangePointOut(BaseModel):
    """The mean figures of the runs read for the bucket starting at ``at``: totals per run
    (bytes, stages), peak executors, and heap usage and CPU load (0 to 1, null if unknown)."""

    at: UtcTime
    #: How many of the bucket's runs were read (its latest, a few at most).
    runs: int
    bytes_read: float
    bytes_written: float
    shuffle_local_bytes_read: float
    shuffle_bytes_written: float
    completed_stages: float
    active_executors: float
    max_needed_executors: float
    driver_heap_usage: float | None
    executors_heap_usage: float | None
    driver_cpu_load: float | None
    executors_cpu_load: float | None


class JobMetricsOut(BaseModel):
    """A job's Spark figures over [since, until), one point per bucket that had runs."""

    job_name: str
    since: UtcTime
    until: UtcTime
    bucket_seconds: float
    points: list[RangePointOut]


def job_metrics_out(found: JobMetricsRange) -> JobMetricsOut:
    return JobMetricsOut(
        job_name=found.job_name,
        since=found.since,
        until=found.until,
        bucket_seconds=found.bucket_seconds,
        points=[
            RangePointOut(
                at=p.at,
                runs=p.runs,
                **p.totals,
                active_executors=p.active_executors,
                max_needed_executors=p.max_needed_executors,
                driver_heap_usage=p.driver_heap_usage,
                executors_heap_usage=p.executors_heap_usage,
                driver_cpu_load=p.driver_cpu_load,
                executors_cpu_load=p.executors_cpu_load,
            )
            for p in found.points
        ],
    )
