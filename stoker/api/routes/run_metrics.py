"""Route for a run's stored Spark metrics (Glue console's "View run metrics")."""

from __future__ import annotations

from fastapi import APIRouter

from stoker.api.deps import Services
from stoker.api.schemas.common import ErrorOut
from stoker.api.schemas.run_metrics import RunMetricsOut, run_metrics_out

router = APIRouter(tags=["runs"], responses={400: {"model": ErrorOut}})


@router.get("/runs/{run_id}/metrics", responses={404: {"model": ErrorOut}})
async def get_run_metrics(run_id: str, services: Services) -> RunMetricsOut:
    """The run's Spark samples, oldest first: one per ``metrics.history_interval_seconds``
    plus the run's first and final. Empty for python shell runs and with
    ``metrics.spark_enabled = false``."""
    return run_metrics_out(await services.metrics_history.get(run_id))
