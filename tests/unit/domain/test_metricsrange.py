"""A time range cut into buckets, a run's figures from its stored samples, a point's means."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest

from stoker.domain.metricsrange import MAX_POINTS, RunFigures, buckets, point, points, run_figures
from stoker.domain.sparkmetrics import ExecutorSample, SparkSample
from stoker.errors import InvalidInput

T0 = datetime(2026, 12, 1, tzinfo=UTC)


def stored(at: float, **fields: object) -> dict[str, object]:
    return SparkSample(sampled_at=at, **fields).to_dict()  # type: ignore[arg-type]


def test_buckets_cover_the_range_end_to_end() -> None:
    spans = buckets(T0, T0 + timedelta(hours=1), 4)
    assert [s.start for s in spans] == [T0 + timedelta(minutes=15 * i) for i in range(4)]
    assert all(a.end == b.start for a, b in pairwise(spans))
    assert spans[-1].end == T0 + timedelta(hours=1)


@pytest.mark.parametrize(
    ("since", "until", "count", "field"),
    [
        (T0, T0, 10, "since"),
        (T0, T0 - timedelta(seconds=1), 10, "since"),
        (T0 - timedelta(days=367), T0, 10, "since"),
        (T0 - timedelta(days=1), T0, 0, "points"),
        (T0 - timedelta(days=1), T0, MAX_POINTS + 1, "points"),
    ],
)
def test_bad_ranges_name_their_field(
    since: datetime, until: datetime, count: int, field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        buckets(since, until, count)
    assert refused.value.field == field


def test_a_runs_figures_are_its_totals_peaks_and_means() -> None:
    driver = ExecutorSample("driver", 200, 1000, 0.5)
    samples = [
        stored(20, bytes_read=900, completed_stages=4, final=True, executors=(driver,)),
        stored(10, bytes_read=300, active_executors=3, max_needed_executors=5, executors=(
            ExecutorSample("driver", 400, 1000, 0.1), ExecutorSample("1", 50, None, 0.9),
        )),
    ]  # fmt: skip
    figures = run_figures(samples)  # newest last or first: by sampled_at
    assert figures.totals["bytes_read"] == 900 and figures.totals["completed_stages"] == 4
    assert figures.active_executors == 3 and figures.max_needed_executors == 5
    assert figures.driver_heap_usage == pytest.approx(0.3)
    assert figures.executors_heap_usage is None  # heap max unknown
    assert figures.driver_cpu_load == pytest.approx(0.3)
    assert figures.executors_cpu_load == pytest.approx(0.9)


def test_a_point_is_the_mean_of_its_runs_and_empty_buckets_have_none() -> None:
    def figures(read: int, heap: float | None) -> RunFigures:
        totals = dict.fromkeys(("bytes_written", "shuffle_local_bytes_read",
                                "shuffle_bytes_written", "completed_stages"), 0)  # fmt: skip
        return RunFigures({**totals, "bytes_read": read}, 1, 2, heap, None, None, None)

    one = point(T0, [figures(100, 0.2), figures(300, None)])
    assert one.runs == 2 and one.totals["bytes_read"] == 200
    assert one.driver_heap_usage == 0.2 and one.executors_heap_usage is None
    spans = buckets(T0, T0 + timedelta(hours=3), 3)
    got = points(spans, {2: [figures(10, None)], 1: []})
    assert [(p.at, p.runs) for p in got] == [(T0 + timedelta(hours=2), 1)]
