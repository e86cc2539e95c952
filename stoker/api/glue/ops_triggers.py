"""Glue's trigger operations: CreateTrigger, GetTrigger, GetTriggers, ListTriggers,
UpdateTrigger, DeleteTrigger, StartTrigger, StopTrigger, BatchGetTriggers — over the
trigger service the HTTP API uses."""

from __future__ import annotations

import contextlib
from typing import Any

from stoker.api.glue.members import Members
from stoker.api.glue.operations import Handler, page_size
from stoker.api.glue.triggers_shapes import trigger_from_glue, trigger_member, trigger_type
from stoker.api.paging import decode_str_token, encode_token
from stoker.api.ports import ApiServices
from stoker.api.routes.triggers import unmask_actions
from stoker.api.schemas.triggers import check_start_on_creation
from stoker.domain.jobs import MAX_TAGS
from stoker.domain.triggers import Trigger, TriggerType
from stoker.errors import NotFound, ShuttingDown

#: Glue's bounds for GetTriggers/ListTriggers pages and BatchGetTriggers.
MAX_PAGE = 200
DEFAULT_PAGE = 100
MAX_BATCH = 1000


async def create_trigger(services: ApiServices, members: Members) -> dict[str, Any]:
    name = members.required_string("Name")
    trigger = trigger_from_glue(name, trigger_type(members), members)
    start = bool(members.boolean("StartOnCreation"))
    check_start_on_creation(trigger, start)
    created = await services.triggers.create_trigger(trigger, start_on_creation=start)
    return {"Name": created.name}


async def get_trigger(services: ApiServices, members: Members) -> dict[str, Any]:
    trigger = await services.triggers.get_trigger(members.required_string("Name"))
    return {"Trigger": trigger_member(trigger)}


async def _page(services: ApiServices, members: Members,
                kind: str) -> tuple[list[Trigger], str | None]:  # fmt: skip
    """``DependentJobName`` keeps the triggers that start that job (Glue's meaning); the
    service also finds those that only watch it, so a page may come back shorter."""
    limit = page_size(members, DEFAULT_PAGE, MAX_PAGE)
    after = decode_str_token(members.string("NextToken", max_len=2048), kind)
    job = members.string("DependentJobName")
    if job is not None:
        await services.jobs.get_job(job)
    found = await services.triggers.list_triggers(limit=limit + 1, after=after, job_name=job)
    page = found[:limit]
    token = encode_token(kind, page[-1].name) if len(found) > limit else None
    if job is not None:
        page = [t for t in page if job in t.started_jobs]
    return page, token


def _with_token(out: dict[str, Any], token: str | None) -> dict[str, Any]:
    return {**out, "NextToken": token} if token else out


async def get_triggers(services: ApiServices, members: Members) -> dict[str, Any]:
    page, token = await _page(services, members, "glue-triggers")
    return _with_token({"Triggers": [trigger_member(t) for t in page]}, token)


async def list_triggers(services: ApiServices, members: Members) -> dict[str, Any]:
    """``Tags`` is checked on each page (the store does not index triggers' tags)."""
    tags = members.string_map("Tags", max_entries=MAX_TAGS) or {}
    page, token = await _page(services, members, "glue-trigger-names")
    names = [t.name for t in page if all(t.tags.get(k) == v for k, v in tags.items())]
    return _with_token({"TriggerNames": names}, token)


async def update_trigger(services: ApiServices, members: Members) -> dict[str, Any]:
    name = members.required_string("Name")
    update = members.structure("TriggerUpdate", required=True)
    assert update is not None
    renamed = update.string("Name")
    if renamed is not None and renamed != name:
        update.refuse("Name", why="triggers cannot be renamed")
    current = await services.triggers.get_trigger(name)
    trigger = trigger_from_glue(name, current.type, update, current)
    updated = await services.triggers.update_trigger(unmask_actions(trigger, current))
    return {"Trigger": trigger_member(updated)}


async def delete_trigger(services: ApiServices, members: Members) -> dict[str, Any]:
    """As in Glue, deleting a trigger that does not exist is not an error."""
    name = members.required_string("Name")
    with contextlib.suppress(NotFound):
        await services.triggers.delete_trigger(name)
    return {"Name": name}


async def start_trigger(services: ApiServices, members: Members) -> dict[str, Any]:
    """An ON_DEMAND trigger fires now; any other is activated (Glue StartTrigger)."""
    name = members.required_string("Name")
    trigger = await services.triggers.get_trigger(name)
    if trigger.type is TriggerType.ON_DEMAND and not services.accepting_runs:
        raise ShuttingDown("the daemon is shutting down and accepts no new runs; retry later")
    await services.triggers.start_trigger(name)
    return {"Name": name}


async def stop_trigger(services: ApiServices, members: Members) -> dict[str, Any]:
    name = members.required_string("Name")
    await services.triggers.deactivate_trigger(name)
    return {"Name": name}


async def batch_get_triggers(services: ApiServices, members: Members) -> dict[str, Any]:
    found, missing = [], []
    for name in members.string_list("TriggerNames", low=1, high=MAX_BATCH):
        try:
            found.append(trigger_member(await services.triggers.get_trigger(name)))
        except NotFound:
            missing.append(name)
    return {"Triggers": found, "TriggersNotFound": missing}


OPERATIONS: dict[str, Handler] = {
    "CreateTrigger": create_trigger,
    "GetTrigger": get_trigger,
    "GetTriggers": get_triggers,
    "ListTriggers": list_triggers,
    "UpdateTrigger": update_trigger,
    "DeleteTrigger": delete_trigger,
    "StartTrigger": start_trigger,
    "StopTrigger": stop_trigger,
    "BatchGetTriggers": batch_get_triggers,
}
