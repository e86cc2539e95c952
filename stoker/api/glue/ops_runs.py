"""Glue's run operations: StartJobRun, GetJobRun, GetJobRuns, BatchStopJobRun — over the
run service the HTTP API uses (the same rules, the same outbox)."""

from __future__ import annotations

from typing import Any

from stoker.api.glue.errors import GlueError, from_stoker, invalid, not_found
from stoker.api.glue.jobs_shapes import notify_delay, run_member
from stoker.api.glue.members import Members
from stoker.api.glue.operations import Handler, page_size
from stoker.api.paging import decode_int_token, encode_token
from stoker.api.ports import ApiServices
from stoker.domain.jobs import MAX_TIMEOUT_MINUTES
from stoker.domain.runs import JobRun, RunFilter
from stoker.errors import NotFound, ShuttingDown, StokerError

#: Glue's bounds: GetJobRuns pages of at most 200, BatchStopJobRun batches of 1-25.
MAX_PAGE = 200
DEFAULT_PAGE = 100
MAX_STOP_BATCH = 25


async def start_job_run(services: ApiServices, members: Members) -> dict[str, Any]:
    name = members.required_string("JobName")
    retry_of = members.string("JobRunId", max_len=255)
    if not services.accepting_runs:
        raise ShuttingDown("the daemon is shutting down and accepts no new runs; retry later")
    run = await services.runs.start_run(
        name,
        members.string_map("Arguments") or {},
        timeout=members.integer("Timeout", 1, MAX_TIMEOUT_MINUTES),
        notify_delay_after=notify_delay(members),
        queuing=members.boolean("JobRunQueuingEnabled"),
        retry_of=retry_of,
    )
    return {"JobRunId": run.id}


async def _run_of(services: ApiServices, job_name: str, run_id: str) -> JobRun:
    """The run, when it is one of ``job_name``'s (Glue addresses runs by job and id)."""
    run = await services.runs.get_run(run_id)
    if run.job_name != job_name:
        raise not_found(f"Job run {run_id} of job {job_name} not found")
    return run


async def get_job_run(services: ApiServices, members: Members) -> dict[str, Any]:
    name = members.required_string("JobName")
    run = await _run_of(services, name, members.required_string("RunId"))
    include = bool(members.boolean("PredecessorsIncluded"))
    return {"JobRun": run_member(run, predecessors=include)}


async def get_job_runs(services: ApiServices, members: Members) -> dict[str, Any]:
    """Newest first, as Glue lists them; a job that does not exist is EntityNotFound."""
    name = members.required_string("JobName")
    limit = page_size(members, DEFAULT_PAGE, MAX_PAGE)
    before = decode_int_token(members.string("NextToken", max_len=2048), "glue-runs")
    await services.jobs.get_job(name)
    found = await services.runs.list_runs(RunFilter(job_name=name), limit=limit + 1,
                                          before_seq=before)  # fmt: skip
    page = found[:limit]
    out: dict[str, Any] = {"JobRuns": [run_member(r) for r in page]}
    if len(found) > limit:
        out["NextToken"] = encode_token("glue-runs", page[-1].seq)
    return out


async def batch_stop_job_run(services: ApiServices, members: Members) -> dict[str, Any]:
    """Each run is stopped on its own; a run that cannot be stopped is an entry of
    ``Errors`` (with Glue's error code), not a failure of the batch."""
    name = members.required_string("JobName")
    stopped, errors = [], []
    for run_id in members.string_list("JobRunIds", low=1, high=MAX_STOP_BATCH):
        try:
            await _run_of(services, name, run_id)
            await services.runs.stop_run(run_id)
            stopped.append({"JobName": name, "JobRunId": run_id})
        except (StokerError, GlueError) as exc:
            glue = exc if isinstance(exc, GlueError) else _stop_error(exc)
            errors.append({"JobName": name, "JobRunId": run_id,
                           "ErrorDetail": {"ErrorCode": glue.type,
                                           "ErrorMessage": glue.message}})  # fmt: skip
    return {"SuccessfulSubmissions": stopped, "Errors": errors}


def _stop_error(exc: StokerError) -> GlueError:
    if isinstance(exc, NotFound):
        return not_found(exc.message)
    glue = from_stoker(exc)
    if glue.type == "ConcurrentModificationException":  # the run already ended
        return invalid(exc.message)
    return glue


OPERATIONS: dict[str, Handler] = {
    "StartJobRun": start_job_run,
    "GetJobRun": get_job_run,
    "GetJobRuns": get_job_runs,
    "BatchStopJobRun": batch_stop_job_run,
}
