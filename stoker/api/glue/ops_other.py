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
from stoker.domain.jobs import MAX_TAGS, validate_job

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


class _Tagged:
    """The job or trigger an ARN names, with its tags and how to replace them."""

    def __init__(self, services: ApiServices, kind: str, name: str) -> None:
        self._services, self.kind, self.name = services, kind, name

    async def tags(self) -> dict[str, str]:
        if self.kind == "job":
            return dict((await self._services.jobs.get_job(self.name)).tags)
        return dict((await self._services.triggers.get_trigger(self.name)).tags)

    async def retag(self, tags: dict[str, str]) -> None:
        if len(tags) > MAX_TAGS:
            raise invalid(f"a {self.kind} has at most {MAX_TAGS} tags")
        if self.kind == "trigger":
            await self._services.triggers.set_tags(self.name, tags)
            return
        job = await self._services.jobs.get_job(self.name)
        await self._services.jobs.update_job(validate_job(replace(job, tags=tags)), None)


def _resource(services: ApiServices, members: Members) -> _Tagged:
    arn = members.required_string("ResourceArn", max_len=10240)
    match = GLUE_ARN.fullmatch(arn)
    if match is None or match["kind"] not in ("job", "trigger"):
        raise invalid(f"ResourceArn {arn[:200]} is not the ARN of a Glue job or trigger "
                      "(arn:aws:glue:REGION:ACCOUNT:job/NAME or …:trigger/NAME)")  # fmt: skip
    return _Tagged(services, match["kind"], match["name"])


async def tag_resource(services: ApiServices, members: Members) -> dict[str, Any]:
    resource = _resource(services, members)
    added = members.string_map("TagsToAdd", max_entries=MAX_TAGS)
    if added is None:
        raise invalid("TagsToAdd is required")
    await resource.retag({**await resource.tags(), **added})
    return {}


async def untag_resource(services: ApiServices, members: Members) -> dict[str, Any]:
    resource = _resource(services, members)
    removed = set(members.string_list("TagsToRemove", high=MAX_TAGS))
    await resource.retag({k: v for k, v in (await resource.tags()).items() if k not in removed})
    return {}


async def get_tags(services: ApiServices, members: Members) -> dict[str, Any]:
    return {"Tags": await _resource(services, members).tags()}


OPERATIONS: dict[str, Handler] = {
    "GetJobBookmark": get_job_bookmark,
    "ResetJobBookmark": reset_job_bookmark,
    "TagResource": tag_resource,
    "UntagResource": untag_resource,
    "GetTags": get_tags,
}
