"""Glue's job operations: CreateJob, GetJob, GetJobs, ListJobs, UpdateJob, DeleteJob,
BatchGetJobs — over the job catalog the HTTP API uses."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from typing import Any

from stoker.api.glue.jobs_shapes import job_from_glue, job_member
from stoker.api.glue.members import Members
from stoker.api.glue.operations import Handler, page_size
from stoker.api.paging import decode_str_token, encode_token
from stoker.api.ports import ApiServices
from stoker.domain.jobs import MAX_TAGS, Job, JobFilter, validate_job, validate_job_name
from stoker.domain.roles import glue_role_name
from stoker.errors import InvalidInput, NotFound

#: Glue's page size limits for GetJobs and ListJobs, and its BatchGetJobs batch.
MAX_PAGE = 1000
DEFAULT_PAGE = 100
MAX_BATCH = 1000
#: Stands in for script_location while validating a job whose script text is uploaded.
_UPLOADED = "<uploaded script>"


def _checked(job: Job) -> Job:
    validate_job(replace(job, script_location=job.script_location or _UPLOADED))
    return job


async def _role(services: ApiServices, members: Members, required: bool) -> str | None:
    """The stoker role Glue's ``Role`` names (an IAM role ARN's last part, or the name);
    None when there is no such role: Glue requires a Role, and callers that pass an IAM
    role stoker does not have keep working, their runs receive no role credentials."""
    given = members.string("Role", required=required, max_len=2048)
    if given is None:
        return None
    try:
        return (await services.roles.get_role(glue_role_name(given))).name
    except (NotFound, InvalidInput):
        return None


async def create_job(services: ApiServices, members: Members) -> dict[str, Any]:
    name = validate_job_name(members.required_string("Name"), "Name")
    role = await _role(services, members, required=True)
    job, script = job_from_glue(name, members, None)
    job = replace(job, role=role)
    created = await services.jobs.create_job(_checked(job), script)
    return {"Name": created.name}


async def get_job(services: ApiServices, members: Members) -> dict[str, Any]:
    job = await services.jobs.get_job(members.required_string("JobName"))
    return {"Job": job_member(job)}


async def _page(services: ApiServices, members: Members, kind: str,
                where: JobFilter) -> tuple[list[Job], str | None]:  # fmt: skip
    limit = page_size(members, DEFAULT_PAGE, MAX_PAGE)
    after = decode_str_token(members.string("NextToken", max_len=2048), kind)
    found = await services.jobs.list_jobs(limit + 1, after, where)
    page = found[:limit]
    token = encode_token(kind, page[-1].name) if len(found) > limit else None
    return page, token


async def get_jobs(services: ApiServices, members: Members) -> dict[str, Any]:
    page, token = await _page(services, members, "glue-jobs", JobFilter())
    return {"Jobs": [job_member(j) for j in page], **({"NextToken": token} if token else {})}


async def list_jobs(services: ApiServices, members: Members) -> dict[str, Any]:
    """The store filters on the first tag; the others are checked on each page, so a page
    may hold fewer names than MaxResults while NextToken still says more may follow."""
    tags = members.string_map("Tags", max_entries=MAX_TAGS) or {}
    first = next(iter(tags.items()), None)
    where = JobFilter(tag_key=first[0], tag_value=first[1]) if first else JobFilter()
    page, token = await _page(services, members, "glue-job-names", where)
    names = [j.name for j in page if all(j.tags.get(k) == v for k, v in tags.items())]
    return {"JobNames": names, **({"NextToken": token} if token else {})}


async def update_job(services: ApiServices, members: Members) -> dict[str, Any]:
    name = members.required_string("JobName")
    update = members.structure("JobUpdate", required=True)
    assert update is not None
    current = await services.jobs.get_job(name)
    job, script = job_from_glue(current.name, update, current)
    job = replace(job, role=await _role(services, update, required=False) or current.role)
    updated = await services.jobs.update_job(_checked(job), script)
    return {"JobName": updated.name}


async def delete_job(services: ApiServices, members: Members) -> dict[str, Any]:
    """Glue answers a job that does not exist as a deleted one."""
    name = members.required_string("JobName")
    with contextlib.suppress(NotFound):
        await services.jobs.delete_job(name)
    return {"JobName": name}


async def batch_get_jobs(services: ApiServices, members: Members) -> dict[str, Any]:
    names = members.string_list("JobNames", low=1, high=MAX_BATCH)
    found, missing = [], []
    for name in names:
        try:
            found.append(job_member(await services.jobs.get_job(name)))
        except NotFound:
            missing.append(name)
    return {"Jobs": found, "JobsNotFound": missing}


OPERATIONS: dict[str, Handler] = {
    "CreateJob": create_job,
    "GetJob": get_job,
    "GetJobs": get_jobs,
    "ListJobs": list_jobs,
    "UpdateJob": update_job,
    "DeleteJob": delete_job,
    "BatchGetJobs": batch_get_jobs,
}
