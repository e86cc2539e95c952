"""Glue's job metrics on /metrics: drivers' cumulative samples become per-job counters and
lingering per-job gauges, never a per-run series."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry

from stoker.domain.sparkmetrics import AGGREGATES, ExecutorSample, SparkSample
from stoker.metrics.registry import Metrics
from stoker.metrics.spark import COUNTERS, SparkMetrics


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def metrics() -> Metrics:
    return Metrics("1.0")


@pytest.fixture
def registry(metrics: Metrics) -> CollectorRegistry:
    return metrics.registry


@pytest.fixture
def spark(metrics: Metrics, clock: Clock) -> SparkMetrics:
    return SparkMetrics(metrics, linger_seconds=30, monotonic=clock)


def driver(used: int, max_: int | None = 1000, cpu: float | None = 0.25) -> ExecutorSample:
    return ExecutorSample("driver", used, max_, cpu)


def value(registry: CollectorRegistry, name: str, **labels: str) -> float | None:
    return registry.get_sample_value(name, labels)


def test_every_aggregate_has_a_counter() -> None:
    assert set(COUNTERS) == set(AGGREGATES)


def test_cumulative_samples_add_their_difference(
    spark: SparkMetrics, registry: CollectorRegistry
) -> None:
    spark.on_sample("r1", "etl", SparkSample(1.0, bytes_read=100, completed_tasks=2))
    spark.on_sample("r1", "etl", SparkSample(2.0, bytes_read=250, completed_tasks=5))
    spark.on_sample("r2", "etl", SparkSample(2.5, bytes_read=10, final=True))
    assert value(registry, "stoker_glue_bytes_read_total", job="etl") == 260
    assert value(registry, "stoker_glue_completed_tasks_total", job="etl") == 5


def test_an_older_sample_arriving_late_is_not_counted(
    spark: SparkMetrics, registry: CollectorRegistry
) -> None:
    spark.on_sample("r1", "etl", SparkSample(2.0, bytes_written=50))
    spark.on_sample("r1", "etl", SparkSample(1.0, bytes_written=20))
    spark.on_sample("r1", "etl", SparkSample(3.0, bytes_written=70, final=True))
    assert value(registry, "stoker_glue_bytes_written_total", job="etl") == 70


def test_gauges_show_the_latest_sample_per_job_and_executor(
    spark: SparkMetrics, registry: CollectorRegistry
) -> None:
    spark.on_sample(
        "r1", "etl",
        SparkSample(1.0, active_executors=1, max_needed_executors=3,
                    executors=(driver(400), ExecutorSample("1", 50, None, None))),
    )  # fmt: skip
    spark.on_sample("r1", "etl", SparkSample(2.0, active_executors=1, max_needed_executors=2,
                                             executors=(driver(500),)))  # fmt: skip
    assert value(registry, "stoker_glue_jvm_heap_used_bytes", job="etl", executor="driver") == 500
    assert value(registry, "stoker_glue_jvm_heap_usage_ratio", job="etl", executor="driver") == 0.5
    assert value(registry, "stoker_glue_cpu_load", job="etl", executor="driver") == 0.25
    # An executor missing from the newest sample: it left, so it is not shown any more.
    assert value(registry, "stoker_glue_jvm_heap_used_bytes", job="etl", executor="1") is None
    assert value(registry, "stoker_glue_active_executors", job="etl") == 1
    assert value(registry, "stoker_glue_max_needed_executors", job="etl") == 2


def test_unknown_ratios_are_left_out(spark: SparkMetrics, registry: CollectorRegistry) -> None:
    spark.on_sample("r1", "etl", SparkSample(1.0, executors=(driver(10, None, None),)))
    assert value(registry, "stoker_glue_jvm_heap_used_bytes", job="etl", executor="driver") == 10
    assert value(registry, "stoker_glue_jvm_heap_usage_ratio", job="etl", executor="driver") is None
    assert value(registry, "stoker_glue_cpu_load", job="etl", executor="driver") is None


def test_concurrent_runs_of_a_job_add_up_their_executors(
    spark: SparkMetrics, registry: CollectorRegistry
) -> None:
    spark.on_sample("r1", "etl", SparkSample(1.0, active_executors=1, max_needed_executors=2))
    spark.on_sample("r2", "etl", SparkSample(1.5, active_executors=1, max_needed_executors=1))
    assert value(registry, "stoker_glue_active_executors", job="etl") == 2
    assert value(registry, "stoker_glue_max_needed_executors", job="etl") == 3


def test_a_finished_run_lingers_idle_then_disappears(
    spark: SparkMetrics, registry: CollectorRegistry, clock: Clock
) -> None:
    spark.on_sample("r1", "etl", SparkSample(1.0, active_executors=1, max_needed_executors=1,
                                             executors=(driver(500),)))  # fmt: skip
    spark.on_sample("r1", "etl", SparkSample(2.0, final=True, executors=(driver(600),),
                                             active_executors=1))  # fmt: skip
    assert value(registry, "stoker_glue_active_executors", job="etl") == 0
    assert value(registry, "stoker_glue_jvm_heap_used_bytes", job="etl", executor="driver") == 600
    clock.now += 31
    assert value(registry, "stoker_glue_active_executors", job="etl") is None
    assert value(registry, "stoker_glue_jvm_heap_used_bytes", job="etl", executor="driver") is None
    # The counters are history: they stay, zero ones included.
    assert value(registry, "stoker_glue_bytes_read_total", job="etl") == 0
    spark.on_sample("r2", "etl", SparkSample(3.0, bytes_read=5, final=True))
    clock.now += 31
    assert value(registry, "stoker_glue_bytes_read_total", job="etl") == 5
    assert value(registry, "stoker_glue_failed_tasks_total", job="etl") == 0


def test_a_run_whose_driver_died_stops_showing(
    spark: SparkMetrics, registry: CollectorRegistry, clock: Clock
) -> None:
    spark.on_sample("r1", "etl", SparkSample(1.0, active_executors=1))
    clock.now += 29
    assert value(registry, "stoker_glue_active_executors", job="etl") == 1
    clock.now += 2
    assert value(registry, "stoker_glue_active_executors", job="etl") is None
