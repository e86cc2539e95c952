"""Routes for triggers: /triggers, and the triggers of a job (/jobs/{name}/triggers)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from stoker.api.deps import Services
from stoker.api.paging import decode_str_token, encode_token
from stoker.api.ports import ApiServices
from stoker.api.schemas.common import ErrorOut
from stoker.api.schemas.runs import run_out
from stoker.api.schemas.triggers import (
    JobTriggersOut,
    SchedulePreviewIn,
    SchedulePreviewOut,
    TriggerCreateIn,
    TriggerIn,
    TriggerOut,
    TriggerPage,
    TriggerStartOut,
    check_start_on_creation,
    trigger_from_in,
    trigger_out,
)
from stoker.api.secrets import unmask
from stoker.domain.triggers import Trigger, TriggerType
from stoker.errors import InvalidInput, ShuttingDown
from stoker.triggers.cron.expressions import validate_schedule

router = APIRouter(tags=["triggers"], responses={400: {"model": ErrorOut}})
_NOT_FOUND: dict[int | str, dict[str, object]] = {404: {"model": ErrorOut}}
#: How many fire times a schedule preview shows.
PREVIEW_FIRES = 5


def unmask_actions(trigger: Trigger, current: Trigger) -> Trigger:
    """Masked secrets in the actions keep the values stored for the same job's action."""
    stored = {}
    for action in reversed(current.actions):
        stored[action.job_name] = action.arguments
    actions = tuple(
        replace(a, arguments=unmask(a.arguments, stored.get(a.job_name, {})))
        for a in trigger.actions
    )
    return replace(trigger, actions=actions)


@router.post("/triggers", status_code=status.HTTP_201_CREATED,
             responses={409: {"model": ErrorOut}})  # fmt: skip
async def create_trigger(body: TriggerCreateIn, services: Services) -> TriggerOut:
    """Create a trigger (Glue CreateTrigger); ``start_on_creation`` activates it."""
    if body.name is None:
        raise InvalidInput("name is required", field="name")
    trigger = trigger_from_in(body, body.name)
    check_start_on_creation(trigger, body.start_on_creation)
    created = await services.triggers.create_trigger(
        trigger, start_on_creation=body.start_on_creation
    )
    return trigger_out(created)


@router.post("/triggers/preview")
def preview_schedule(body: SchedulePreviewIn) -> SchedulePreviewOut:
    """The next fire times of a schedule, checked by the rules trigger creation applies
    (a bad one is 400 with field "schedule" or "timezone" and the same message)."""
    now = datetime.now(UTC)
    schedule = validate_schedule(body.schedule, body.timezone, now)
    fires = schedule.next_fire_times(now, PREVIEW_FIRES)
    return SchedulePreviewOut(next=[fire.astimezone(schedule.timezone) for fire in fires])


@router.get("/triggers")
async def list_triggers(
    services: Services,
    job: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    next_token: str | None = None,
) -> TriggerPage:
    """Triggers by name, a page at a time; ``job`` keeps those that start or watch it."""
    after = decode_str_token(next_token, "triggers")
    found = await services.triggers.list_triggers(limit=limit + 1, after=after, job_name=job)
    page = found[:limit]
    token = encode_token("triggers", page[-1].name) if len(found) > limit else None
    return TriggerPage(triggers=[trigger_out(t) for t in page], next_token=token)


@router.get("/triggers/{name}", responses=_NOT_FOUND)
async def get_trigger(name: str, services: Services) -> TriggerOut:
    return trigger_out(await services.triggers.get_trigger(name))


@router.put("/triggers/{name}", responses=_NOT_FOUND)
async def update_trigger(name: str, body: TriggerIn, services: Services) -> TriggerOut:
    """Replace the whole definition (Glue UpdateTrigger); the state stays.

    Secret-looking action arguments sent as '****' keep their stored value.
    """
    if body.name is not None and body.name != name:
        raise InvalidInput(
            f"name {body.name!r} in the body differs from {name!r} in the path; triggers "
            "cannot be renamed (omit name, or create a new trigger)",
            field="name",
            value=body.name,
        )
    trigger = trigger_from_in(body, name)
    current = await services.triggers.get_trigger(name)
    return trigger_out(await services.triggers.update_trigger(unmask_actions(trigger, current)))


@router.delete("/triggers/{name}", status_code=status.HTTP_204_NO_CONTENT,
               responses=_NOT_FOUND)  # fmt: skip
async def delete_trigger(name: str, services: Services) -> Response:
    await services.triggers.delete_trigger(name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/triggers/{name}/start",
    responses={**_NOT_FOUND, 503: {"model": ErrorOut, "description": "ShuttingDown"}},
)
async def start_trigger(name: str, services: Services) -> TriggerStartOut:
    """Glue StartTrigger: an ON_DEMAND trigger fires now (its runs are returned); any
    other trigger is activated."""
    trigger = await services.triggers.get_trigger(name)
    if trigger.type is TriggerType.ON_DEMAND and not services.accepting_runs:
        raise ShuttingDown("the daemon is shutting down and accepts no new runs; retry later")
    runs = await services.triggers.start_trigger(name)
    trigger = await services.triggers.get_trigger(name)
    return TriggerStartOut(trigger=trigger_out(trigger), runs=[run_out(r) for r in runs])


@router.post("/triggers/{name}/activate", responses=_NOT_FOUND)
async def activate_trigger(name: str, services: Services) -> TriggerOut:
    return trigger_out(await services.triggers.activate_trigger(name))


@router.post("/triggers/{name}/deactivate", responses=_NOT_FOUND)
async def deactivate_trigger(name: str, services: Services) -> TriggerOut:
    """Stop firing until activated again (Glue StopTrigger)."""
    return trigger_out(await services.triggers.deactivate_trigger(name))


async def all_triggers_of(services: ApiServices, job_name: str) -> list[Trigger]:
    found: list[Trigger] = []
    after: str | None = None
    while True:
        page = await services.triggers.list_triggers(limit=1000, after=after, job_name=job_name)
        found.extend(page)
        if len(page) < 1000:
            return found
        after = page[-1].name


@router.get("/jobs/{name}/triggers", tags=["jobs"], responses=_NOT_FOUND)
async def job_triggers(name: str, services: Services) -> JobTriggersOut:
    """The triggers that start the job and those that watch its runs (a trigger may be both)."""
    await services.jobs.get_job(name)
    found = await all_triggers_of(services, name)
    return JobTriggersOut(
        starts=[trigger_out(t) for t in found if name in t.started_jobs],
        watches=[trigger_out(t) for t in found if name in t.watched_jobs],
    )
