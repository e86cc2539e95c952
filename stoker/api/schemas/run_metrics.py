"""Wire models for a run's metrics history (GET /runs/{id}/metrics), and the converter."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel

from stoker.api.schemas.common import UtcTime
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
