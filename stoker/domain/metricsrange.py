"""A job's Spark figures over a time range: the range cut into buckets, each bucket a point.

A point stands for the job's runs that started in its bucket, read as a bounded sample so
that the cost is the number of points, never the number of runs: up to
``RUNS_PER_POINT`` runs of the bucket (its latest), each from its newest
``SAMPLES_PER_RUN`` stored samples. A run gives its totals (the aggregates are cumulative,
so its newest sample holds them), its peak active and needed executors and its mean heap
usage and CPU load (driver, and the mean over its executors) across those samples. A
point is the mean over its runs (``runs`` says how many were read), so a point is what a
typical run of that bucket did, whether the bucket held two runs or two hundred.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import fmean
from typing import Any

from stoker.errors import InvalidInput

#: How many points a range may be cut into, and the default.
MAX_POINTS = 120
DEFAULT_POINTS = 60
#: The longest range: a year and a day, so "the last 365 days" always fits.
MAX_RANGE = timedelta(days=366)
#: What one point reads at most (see the module docstring).
RUNS_PER_POINT = 2
SAMPLES_PER_RUN = 6

#: The totals a run's newest sample holds, as each point shows them.
TOTALS = ("bytes_read", "bytes_written", "shuffle_local_bytes_read", "shuffle_bytes_written",
          "completed_stages")  # fmt: skip


@dataclass(frozen=True)
class Bucket:
    """One point's span of start times: [start, end)."""

    start: datetime
    end: datetime


@dataclass(frozen=True)
class RunFigures:
    """What one run contributes to a point."""

    totals: dict[str, int]
    active_executors: int
    max_needed_executors: int
    driver_heap_usage: float | None
    executors_heap_usage: float | None
    driver_cpu_load: float | None
    executors_cpu_load: float | None


@dataclass(frozen=True)
class RangePoint:
    """The mean figures of the ``runs`` runs read for the bucket starting at ``at``."""

    at: datetime
    runs: int
    totals: dict[str, float]
    active_executors: float
    max_needed_executors: float
    driver_heap_usage: float | None
    executors_heap_usage: float | None
    driver_cpu_load: float | None
    executors_cpu_load: float | None


@dataclass(frozen=True)
class JobMetricsRange:
    """A job's points over [since, until), oldest first; buckets without runs are left out."""

    job_name: str
    since: datetime
    until: datetime
    bucket_seconds: float
    points: list[RangePoint]


def buckets(since: datetime, until: datetime, points: int) -> list[Bucket]:
    """[since, until) cut into ``points`` equal buckets; InvalidInput names what is wrong."""
    if not 1 <= points <= MAX_POINTS:
        raise InvalidInput(f"points must be 1 to {MAX_POINTS}, not {points}", field="points",
                           value=points)  # fmt: skip
    if until <= since:
        raise InvalidInput(
            f"since ({since.isoformat()}) must be earlier than until ({until.isoformat()})",
            field="since",
            value=since.isoformat(),
        )
    if until - since > MAX_RANGE:
        raise InvalidInput(
            f"a range is at most {MAX_RANGE.days} days; choose a later since or an earlier until",
            field="since",
            value=since.isoformat(),
        )
    step = (until - since) / points
    edges = [since + step * i for i in range(points)] + [until]
    return [Bucket(edges[i], edges[i + 1]) for i in range(points)]


def run_figures(samples: Sequence[dict[str, Any]]) -> RunFigures:
    """One run's figures from some of its samples in their stored form (SparkSample.to_dict
    of checked samples; any order; at least one). Read as dicts, not rebuilt as samples: a
    range reads a thousand of them per call, and building them cost more than the rest."""
    newest = max(samples, key=lambda s: s["sampled_at"])
    driver = [e for s in samples for e in s["executors"] if e["executor_id"] == "driver"]
    others = [e for s in samples for e in s["executors"] if e["executor_id"] != "driver"]
    return RunFigures(
        totals={name: newest[name] for name in TOTALS},
        active_executors=max(s["active_executors"] for s in samples),
        max_needed_executors=max(s["max_needed_executors"] for s in samples),
        driver_heap_usage=_mean(_heap_usage(e) for e in driver),
        executors_heap_usage=_mean(_heap_usage(e) for e in others),
        driver_cpu_load=_mean(e["cpu_load"] for e in driver),
        executors_cpu_load=_mean(e["cpu_load"] for e in others),
    )


def point(at: datetime, runs: Sequence[RunFigures]) -> RangePoint:
    """The point of a bucket from its runs' figures (at least one)."""
    return RangePoint(
        at=at,
        runs=len(runs),
        totals={name: fmean(r.totals[name] for r in runs) for name in TOTALS},
        active_executors=fmean(r.active_executors for r in runs),
        max_needed_executors=fmean(r.max_needed_executors for r in runs),
        driver_heap_usage=_mean(r.driver_heap_usage for r in runs),
        executors_heap_usage=_mean(r.executors_heap_usage for r in runs),
        driver_cpu_load=_mean(r.driver_cpu_load for r in runs),
        executors_cpu_load=_mean(r.executors_cpu_load for r in runs),
    )


def points(spans: Sequence[Bucket], runs: dict[int, list[RunFigures]]) -> list[RangePoint]:
    """Each bucket's point, oldest first, from its runs' figures (by bucket index)."""
    return [point(span.start, runs[i]) for i, span in enumerate(spans) if runs.get(i)]


def _heap_usage(executor: dict[str, Any]) -> float | None:
    heap_max = executor["heap_max_bytes"]
    return executor["heap_used_bytes"] / heap_max if heap_max else None


def _mean(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return fmean(known) if known else None
