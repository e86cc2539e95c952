"""Routes for stored Spark metrics: a run's (Glue console's "View run metrics") and a job's
over a time range (its Metrics tab)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter

from stoker.api.deps import Services
from stoker.api.params import optional_time
from stoker.api.schemas.common import ErrorOut
from stoker.api.schemas.run_metrics import (
    JobMetricsOut,
    RunMetricsOut,
    job_metrics_out,
    run_metrics_out,
)
from stoker.domain.metricsrange import DEFAULT_POINTS

router = APIRouter(tags=["runs"], responses={400: {"model": ErrorOut}})


@router.get("/runs/{run_id}/metrics", responses={404: {"model": ErrorOut}})
async def get_run_metrics(run_id: str, services: Services) -> RunMetricsOut:
    """The run's Spark samples, oldest first: one per ``metrics.history_interval_seconds``
    plus the run's first and final. Empty for python shell runs and with
    ``metrics.spark_enabled = false``."""
    return run_metrics_out(await services.metrics_history.get(run_id))


@router.get("/jobs/{name}/metrics", tags=["jobs"])
async def get_job_metrics(
    name: str,
    services: Services,
    since: str | None = None,
    until: str | None = None,
    points: int = DEFAULT_POINTS,
) -> JobMetricsOut:
    """The job's Spark figures over [``since``, ``until``) (ISO 8601 with an offset; by
    default the last 24 hours up to now), cut into ``points`` buckets (1 to 120) by run
    start time. Each point is the mean over the latest runs of its bucket (a few at most,
    ``runs``) of each run's totals, peak executors and mean heap and CPU; buckets with no
    runs are left out. Its cost is the points', whatever the job's history holds."""
    end = optional_time(until, "until") or datetime.now(UTC)
    start = optional_time(since, "since") or end - timedelta(days=1)
    found = await services.metrics_history.over_range(name, start, end, points)
    return job_metrics_out(found)
