"""Glue's bookmark and tag operations: GetJobBookmark, ResetJobBookmark, TagResource,
UntagResource, GetTags — over the bookmark service and the job catalog."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from stoker.api.glue.errors import invalid, not_found
from stoker.api.glue.members import Members
from stoker.api.glue.operations import Handler
from stoker.api.glue.triggers_shapes import bookmark_entry
from stoker.api.ports import ApiServices
from stoker.domain.bookmarks import BookmarkVersion
from stoker.domain.jobs import MAX_TAGS, Job, validate_job

#: arn:aws:glue:REGION:ACCOUNT:job/NAME (any partition, region and account are accepted:
#: one daemon is one account).
GLUE_ARN = re.compile(r"arn:aws(?:-[a-z-]+)?:glue:[^:]*:[^:]*:(?P<kind>[a-z]+)/(?P<name>.+)")
#: How far back GetJobBookmark looks for a RunId's version.
MAX_HISTORY = 1000


async def get_job_bookmark(services: ApiServices, members: Members) -> dict[str, Any]:
    """The current entry; with ``RunId``, the version that run committed."""
    name = members.required_string("JobName")
    run_id = members.string("RunId")
    if run_id is None:
        return {"JobBookmarkEntry": bookmark_entry(await services.bookmarks.get(name))}
    return {"JobBookmarkEntry": bookmark_entry(await _committed_by(services, name, run_id))}


async def _committed_by(services: ApiServices, name: str, run_id: str) -> BookmarkVersion:
    history = await services.bookmarks.history(name, limit=MAX_HISTORY, before_version=None)
    for version in history:
        if version.run_id == run_id:
            return version
    raise not_found(f"run {run_id} of job {name} has no bookmark version")


async def reset_job_bookmark(services: ApiServices, members: Members) -> dict[str, Any]:
    """Reset to nothing processed; with ``RunId``, rewind to the state after that run."""
    name = members.required_string("JobName")
    version = await services.bookmarks.reset(name, members.string("RunId"))
    return {"JobBookmarkEntry": bookmark_entry(version)}


async def _tagged_job(services: ApiServices, members: Members) -> Job:
    arn = members.required_string("ResourceArn", max_len=10240)
    match = GLUE_ARN.fullmatch(arn)
    if match is None:
        raise invalid(f"ResourceArn {arn[:200]} is not a Glue ARN "
                      "(arn:aws:glue:REGION:ACCOUNT:job/NAME)")  # fmt: skip
    if match["kind"] != "job":
        raise invalid(f"ResourceArn {arn[:200]}: stoker keeps tags for jobs only so far")
    return await services.jobs.get_job(match["name"])


async def _retag(services: ApiServices, job: Job, tags: dict[str, str]) -> None:
    if len(tags) > MAX_TAGS:
        raise invalid(f"a job has at most {MAX_TAGS} tags")
    await services.jobs.update_job(validate_job(replace(job, tags=tags)), None)


async def tag_resource(services: ApiServices, members: Members) -> dict[str, Any]:
    job = await _tagged_job(services, members)
    added = members.string_map("TagsToAdd", max_entries=MAX_TAGS)
    if added is None:
        raise invalid("TagsToAdd is required")
    await _retag(services, job, {**job.tags, **added})
    return {}


async def untag_resource(services: ApiServices, members: Members) -> dict[str, Any]:
    job = await _tagged_job(services, members)
    removed = set(members.string_list("TagsToRemove", high=MAX_TAGS))
    await _retag(services, job, {k: v for k, v in job.tags.items() if k not in removed})
    return {}


async def get_tags(services: ApiServices, members: Members) -> dict[str, Any]:
    job = await _tagged_job(services, members)
    return {"Tags": dict(job.tags)}


OPERATIONS: dict[str, Handler] = {
    "GetJobBookmark": get_job_bookmark,
    "ResetJobBookmark": reset_job_bookmark,
    "TagResource": tag_resource,
    "UntagResource": untag_resource,
    "GetTags": get_tags,
}
