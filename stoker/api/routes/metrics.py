"""The Prometheus scrape target: /metrics, unauthenticated like any scrape target."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST

router = APIRouter(tags=["metrics"])


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    """The daemon's metrics, text exposition; on the event loop, where the components live."""
    exposition: Callable[[], bytes] = request.app.state.metrics_exposition
    return Response(exposition(), media_type=CONTENT_TYPE_LATEST)
