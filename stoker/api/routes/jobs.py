"""Routes for job definitions and their scripts: /jobs."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from stoker.api.access import Caller
from stoker.api.deps import Services
from stoker.api.paging import job_cursor, job_token
from stoker.api.schemas.common import ErrorOut
from stoker.api.schemas.jobs import (
    JobActivityOut,
    JobIn,
    JobOut,
    JobPage,
    ScriptIn,
    ScriptOut,
    job_activity_out,
    job_from_in,
    job_out,
)
from stoker.api.secrets import unmask
from stoker.domain.jobs import (
    MAX_TAG_KEY,
    MAX_TAG_VALUE,
    Job,
    JobFilter,
    JobSort,
    validate_job,
    validate_job_name,
)
from stoker.domain.states import RunState
from stoker.errors import InvalidInput

router = APIRouter(prefix="/jobs", tags=["jobs"], responses={400: {"model": ErrorOut}})

#: A name filter is a part of a job name; a tag filter is key=value at Glue's tag limits.
MAX_NAME_FILTER = 255
MAX_TAG_FILTER = MAX_TAG_KEY + 1 + MAX_TAG_VALUE
#: Stands in for script_location while validating a job whose script content is uploaded.
_UPLOADED = "<uploaded script>"


def checked_job(body: JobIn, name: str) -> Job:
    """The domain job for ``body``, after the domain's rules and the one-script rule."""
    has_location = bool(body.command.script_location)
    if has_location == (body.script is not None):
        raise InvalidInput(
            "give exactly one of command.script_location (a path or URL the daemon reads) "
            "and script (the script's content)",
            field="command.script_location" if has_location else "script",
        )
    job = job_from_in(body, name)
    validate_job(replace(job, script_location=job.script_location or _UPLOADED))
    return job


@router.post("", status_code=status.HTTP_201_CREATED, responses={409: {"model": ErrorOut}})
async def create_job(body: JobIn, services: Services) -> JobOut:
    """Create a job (Glue CreateJob)."""
    if body.name is None:
        raise InvalidInput("name is required", field="name")
    job = checked_job(body, body.name)
    return job_out(await services.jobs.create_job(job, body.script))


@router.get("")
async def list_jobs(
    services: Services,
    caller: Caller,
    name: Annotated[str | None, Query(max_length=MAX_NAME_FILTER)] = None,
    tag: Annotated[str | None, Query(max_length=MAX_TAG_FILTER)] = None,
    last_state: RunState | None = None,
    sort: JobSort = JobSort.NAME,
    desc: bool = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    next_token: str | None = None,
) -> JobPage:
    """Jobs a page at a time, each with its last run and the states of its latest 10,
    ordered by ``sort`` (``name``, ``last_modified`` or ``last_run``: its newest run, jobs
    never run first), then by name; ``desc=true`` reverses. Filters combine: ``name`` (a
    case-insensitive part of the name), ``tag`` (``key`` or ``key=value``), ``last_state``
    (the state of the job's newest run). A next_token continues the order it came from.
    A token limited to jobs sees only those: its pages may hold fewer than ``limit``."""
    after = job_cursor(next_token, sort, desc)
    key, _, value = (tag or "").partition("=")
    if tag is not None and not key:
        raise InvalidInput("tag must be key or key=value, e.g. team=data", field="tag", value=tag)
    where = JobFilter(
        name_contains=name or None,
        tag_key=key or None,
        tag_value=value if tag is not None and "=" in tag else None,
        last_state=last_state,
        sort=sort,
        descending=desc,
    )
    # One extra row tells whether another page exists, so the last page has no token.
    jobs = await services.jobs.list_jobs(limit + 1, after, where)
    page = jobs[:limit]
    activity = await services.jobs.activity([j.name for j in page])
    token = None
    if len(jobs) > limit:
        token = job_token(page[-1], activity[page[-1].name], sort, desc)
    default = services.jobs.default_log_retention
    shown = [j for j in page if caller.permits(j)]
    return JobPage(jobs=[job_activity_out(j, activity[j.name], default) for j in shown],
                   next_token=token)  # fmt: skip


@router.get("/{name}", responses={404: {"model": ErrorOut}})
async def get_job(name: str, services: Services) -> JobActivityOut:
    job = await services.jobs.get_job(name)
    activity = await services.jobs.activity([job.name])
    return job_activity_out(job, activity[job.name], services.jobs.default_log_retention)


@router.put("/{name}", responses={404: {"model": ErrorOut}})
async def update_job(name: str, body: JobIn, services: Services) -> JobOut:
    """Replace the whole definition (Glue UpdateJob).

    Secret-looking argument and spark_conf values sent as '****' keep their stored value.
    """
    validate_job_name(name)
    if body.name is not None and body.name != name:
        raise InvalidInput(
            f"name {body.name!r} in the body differs from {name!r} in the path; jobs cannot "
            "be renamed (omit name, or create a new job)",
            field="name",
            value=body.name,
        )
    current = await services.jobs.get_job(name)
    job = checked_job(body, name)
    job = replace(
        job,
        default_arguments=unmask(job.default_arguments, current.default_arguments),
        non_overridable_arguments=unmask(
            job.non_overridable_arguments, current.non_overridable_arguments
        ),
        spark_conf=unmask(job.spark_conf, current.spark_conf),
    )
    return job_out(await services.jobs.update_job(job, body.script))


@router.delete(
    "/{name}", status_code=status.HTTP_204_NO_CONTENT, responses={404: {"model": ErrorOut}}
)
async def delete_job(name: str, services: Services) -> Response:
    """Delete the job; its runs stay readable."""
    await services.jobs.delete_job(name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{name}/script", responses={404: {"model": ErrorOut}})
async def get_script(name: str, services: Services) -> ScriptOut:
    job = await services.jobs.get_job(name)
    script = await services.jobs.get_script(name)
    return ScriptOut(job_name=job.name, script_location=job.script_location, script=script)


@router.put("/{name}/script", responses={404: {"model": ErrorOut}})
async def put_script(name: str, body: ScriptIn, services: Services) -> JobOut:
    return job_out(await services.jobs.put_script(name, body.script))
