"""Routes for job runs: start, read, list, stop, and read their logs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Query, status
from starlette.concurrency import run_in_threadpool

from stoker.api.access import Caller, Permission, check_job, permitted_jobs
from stoker.api.deps import Services
from stoker.api.paging import decode_int_token, encode_token
from stoker.api.params import optional_time, parse_time
from stoker.api.schemas.common import ErrorOut
from stoker.api.schemas.runs import (
    LogChunk,
    RunOut,
    RunPage,
    RunSummaryOut,
    StartRunIn,
    run_out,
    summary_out,
)
from stoker.domain.arguments import validate_arguments
from stoker.domain.runs import RunFilter
from stoker.domain.states import FAILED_OUTCOMES, RunState
from stoker.errors import ShuttingDown

router = APIRouter(tags=["runs"], responses={400: {"model": ErrorOut}})

MAX_LOG_CHUNK = 1024 * 1024
#: Larger offsets overflow the file API (no log is that long).
MAX_LOG_OFFSET = 2**62


@router.post(
    "/jobs/{name}/runs",
    status_code=status.HTTP_201_CREATED,
    responses={
        404: {"model": ErrorOut},
        429: {"model": ErrorOut, "description": "ConcurrentRunsExceeded"},
        503: {"model": ErrorOut, "description": "ShuttingDown"},
    },
)
async def start_run(name: str, body: StartRunIn, services: Services) -> RunOut:
    """Start a run of the job (Glue StartJobRun)."""
    if not services.accepting_runs:
        raise ShuttingDown("the daemon is shutting down and accepts no new runs; retry later")
    validate_arguments(body.arguments, "arguments")
    run = await services.runs.start_run(
        name,
        dict(body.arguments),
        timeout=body.timeout,
        notify_delay_after=body.notify_delay_after,
        queuing=body.job_run_queuing_enabled,
    )
    return run_out(run)


@router.get("/runs")
async def list_runs(
    services: Services,
    caller: Caller,
    job: str | None = None,
    state: Annotated[list[RunState] | None, Query()] = None,
    outcome: Literal["failed"] | None = None,
    trigger: str | None = None,
    started_after: str | None = None,
    started_before: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    next_token: str | None = None,
) -> RunPage:
    """Runs, newest first, a page at a time. Filters combine: ``job``; ``state`` (repeat it
    for several); ``outcome=failed`` (FAILED, ERROR or TIMEOUT); ``trigger`` (the trigger
    that started the run, or ``manual``); ``started_after`` (inclusive) and
    ``started_before`` (exclusive), ISO 8601 with an offset. A token limited to jobs sees
    only their runs: its pages may hold fewer than ``limit``."""
    if job is not None:
        await check_job(services, caller, job, Permission.READ)
    before = decode_int_token(next_token, "runs")
    states = frozenset(state or ())
    if outcome == "failed":
        states = states & FAILED_OUTCOMES if states else FAILED_OUTCOMES
        if not states:  # e.g. state=SUCCEEDED&outcome=failed: nothing can match
            return RunPage(runs=[], next_token=None)
    where = RunFilter(
        job_name=job,
        states=states,
        triggered_by=trigger,
        started_after=optional_time(started_after, "started_after"),
        started_before=optional_time(started_before, "started_before"),
    )
    runs = await services.runs.list_runs(where, limit=limit + 1, before_seq=before)
    page = runs[:limit]
    token = encode_token("runs", page[-1].seq) if len(runs) > limit else None
    allowed = await permitted_jobs(services, caller, {r.job_name for r in page})
    return RunPage(runs=[run_out(r) for r in page if r.job_name in allowed], next_token=token)


@router.get("/runs/summary")
async def run_summary(
    services: Services, since: str, until: str, job: str | None = None
) -> RunSummaryOut:
    """Runs started in [since, until) (ISO 8601 with an offset, at most 400 days apart),
    counted by state and by UTC day, with the success rate; ``job`` for one job's runs."""
    start, end = parse_time(since, "since"), parse_time(until, "until")
    return summary_out(await services.runs.summary(start, end, job))


@router.get("/runs/{run_id}", responses={404: {"model": ErrorOut}})
async def get_run(run_id: str, services: Services) -> RunOut:
    return run_out(await services.runs.get_run(run_id))


@router.post("/runs/{run_id}/stop", responses={404: {"model": ErrorOut}, 409: {"model": ErrorOut}})
async def stop_run(run_id: str, services: Services) -> RunOut:
    """Ask a live run to stop (Glue BatchStopJobRun); a terminal run answers 409."""
    return run_out(await services.runs.stop_run(run_id))


@router.get("/runs/{run_id}/logs", responses={404: {"model": ErrorOut}})
async def get_logs(
    run_id: str,
    services: Services,
    stream: Literal["stdout", "stderr"] = "stdout",
    offset: Annotated[int, Query(ge=0, le=MAX_LOG_OFFSET)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LOG_CHUNK)] = 65536,
) -> LogChunk:
    """A chunk of a run's log from byte ``offset``; poll with ``next_offset`` to follow."""
    # The state is read before the file: a run terminal by then has written its last byte.
    run = await services.runs.get_run(run_id)
    path = services.runs.log_path(run_id, stream)
    sealed = await services.runs.sealed_log(run_id, stream) if run.state.terminal else None
    if sealed is not None:
        data, size = sealed[offset : offset + limit], len(sealed)
    else:
        data, size = await run_in_threadpool(read_chunk, path, offset, limit, run.state.terminal)
    next_offset = offset + len(data)
    return LogChunk(
        data=data.decode("utf-8", errors="replace"),
        offset=offset,
        next_offset=next_offset,
        complete=run.state.terminal and next_offset >= size,
    )


def read_chunk(path: Path, offset: int, limit: int, final: bool) -> tuple[bytes, int]:
    """Up to ``limit`` bytes from ``offset`` and the file's size; a missing file is empty.

    Unless this is the last chunk of a terminal run, a chunk cut inside a multi-byte
    character ends before it, so a follower never sees a replacement character the file
    does not have: the next request starts at the character.
    """
    try:
        with path.open("rb") as fh:
            size = fh.seek(0, 2)
            fh.seek(min(offset, size))
            data = fh.read(limit)
    except FileNotFoundError:
        return b"", 0
    if not (final and offset + len(data) >= size):
        keep = _complete_length(data)
        # A limit smaller than one character must still make progress.
        if keep > 0 or len(data) < limit:
            data = data[:keep]
    return data, size


def _complete_length(data: bytes) -> int:
    """Length of ``data`` without a trailing, incomplete UTF-8 sequence."""
    for back in range(1, min(4, len(data)) + 1):
        byte = data[-back]
        if byte < 0x80:
            return len(data)
        if byte >= 0xC0:
            needed = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            return len(data) if back >= needed else len(data) - back
    return len(data)
