"""The fast per-job families render exactly what prometheus-client would for the same data."""

from __future__ import annotations

import math

import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from stoker.metrics.families import LabelledFamily, format_value
from stoker.metrics.registry import Metrics


def samples(text: str) -> set[tuple[str, tuple[tuple[str, str], ...], float]]:
    return {
        (s.name, tuple(sorted(s.labels.items())), s.value)
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if not s.name.endswith("_created")
    }


def populated() -> Metrics:
    metrics = Metrics("1.2.3")
    for i in range(5):
        job = f'job-{i} "quoted" \\ back\nslash'
        metrics.runs_started.labels(job).inc()
        metrics.runs_finished.labels(job, "FAILED").inc(2)
        metrics.run_duration.labels(job).observe(0.5 * i)
        metrics.run_duration.labels(job).observe(10_000)
        metrics.dispatch_latency.labels(job).observe(0.012)
        metrics.runs.labels(job, "RUNNING").inc()
        metrics.runs.labels(job, "RUNNING").dec()
        metrics.queue_depth.labels(job).set(3)
    metrics.trigger_fires.labels("nightly", "SCHEDULED").inc()
    metrics.trigger_fire_lag.labels("SCHEDULED").observe(0.02)
    return metrics


def test_the_fast_exposition_parses_to_the_same_samples_as_the_library() -> None:
    metrics = populated()
    fast = metrics.exposition().decode()
    library = generate_latest(metrics.registry).decode()
    assert samples(fast) == samples(library)
    assert 'stoker_run_duration_seconds_bucket{job="job-1 \\"quoted\\"' in fast
    assert "# TYPE stoker_runs_started_total counter" in fast


def test_histogram_buckets_are_cumulative_and_end_in_inf() -> None:
    family = LabelledFamily("h", "help", ["job"], "histogram", (1, 0.1))
    family.labels("a").observe(0.05)
    family.labels("a").observe(5)
    out: list[str] = []
    family.render(out)
    text = "".join(out)
    assert 'h_bucket{job="a",le="0.1"} 1.0' in text
    assert 'h_bucket{job="a",le="1.0"} 1.0' in text
    assert 'h_bucket{job="a",le="+Inf"} 2.0' in text
    assert 'h_count{job="a"} 2.0' in text
    assert 'h_sum{job="a"} 5.05' in text


def test_remove_and_clear_drop_series() -> None:
    family = LabelledFamily("g", "help", ["job"], "gauge")
    family.labels("a").set(1)
    family.labels("b").set(2)
    family.remove("a")
    out: list[str] = []
    family.render(out)
    assert "a" not in "".join(out).split("\n", 2)[2]
    family.clear()
    out = []
    family.render(out)
    assert out == ["# HELP g help\n# TYPE g gauge\n"]


def test_wrong_label_count_is_refused() -> None:
    with pytest.raises(ValueError, match="takes labels"):
        LabelledFamily("c", "help", ["job", "state"], "counter").labels("only-one")


@pytest.mark.parametrize(
    ("value", "text"),
    [(1, "1.0"), (0.25, "0.25"), (2.5e-05, "2.5e-05"), (math.inf, "+Inf"), (1e20, "1e+20")],
)
def test_values_are_formatted_like_go(value: float, text: str) -> None:
    assert format_value(value) == text
