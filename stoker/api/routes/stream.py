"""Route streaming run changes as server-sent events: /runs/stream."""

from __future__ import annotations

from typing import Any, cast

from fastapi import APIRouter, Request

from stoker.api.deps import Services
from stoker.api.schemas.common import ErrorOut
from stoker.api.schemas.runs import run_out
from stoker.api.streams import EventStream, RunStreams
from stoker.domain.jobs import validate_job_name
from stoker.domain.runs import JobRun

router = APIRouter(tags=["runs"], responses={400: {"model": ErrorOut}})

_EVENTS: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "`event: run` with `data:` a run as GET /runs/{run_id} gives it, for "
        "every run created or changed; `: keepalive` every 15 s",
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    }
}


@router.get("/runs/stream", responses=_EVENTS)
async def stream_runs(request: Request, services: Services, job: str | None = None) -> EventStream:
    """Every run created or changed from now on, pushed as it happens (never polled); only
    ``job``'s runs when given. A client too slow to keep up is disconnected: reconnect and
    read GET /runs again."""
    if job is not None:
        validate_job_name(job, "job")
    streams = cast(RunStreams, request.app.state.run_streams)
    return EventStream(streams, services.run_feed, job, _encode)


def _encode(run: JobRun) -> str:
    return run_out(run).model_dump_json()
