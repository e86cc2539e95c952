"""Wire models of /triggers and /jobs/{name}/triggers, and their converters."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from stoker.api.schemas.common import StrictModel, UtcTime, ZonedTime, is_none, utc_or_none
from stoker.api.schemas.runs import RunOut
from stoker.domain.arguments import mask_arguments
from stoker.domain.states import RunState
from stoker.domain.triggers import (
    Action,
    CatchUp,
    Condition,
    EventBatching,
    Logical,
    Predicate,
    Trigger,
    TriggerState,
    TriggerType,
    validate_trigger,
)
from stoker.errors import InvalidInput

# --- requests ---------------------------------------------------------------------------


class SchedulePreviewIn(StrictModel):
    """A schedule as a SCHEDULED trigger takes it, and the zone it is evaluated in."""

    schedule: str
    timezone: str = "UTC"


class ActionIn(StrictModel):
    """A job the trigger starts, with its own argument overlay, timeout and delay."""

    job_name: str
    arguments: dict[str, str] = Field(default_factory=dict)
    #: Minutes; overrides the job's timeout for runs this action starts.
    timeout: int | None = None
    notify_delay_after: int | None = None


class ConditionIn(StrictModel):
    job_name: str
    #: SUCCEEDED, FAILED, TIMEOUT or STOPPED.
    state: RunState = RunState.SUCCEEDED


class PredicateIn(StrictModel):
    logical: Logical = Logical.AND
    conditions: list[ConditionIn] = Field(default_factory=list)


class EventBatchingIn(StrictModel):
    topic: str
    pattern: dict[str, Any] = Field(default_factory=dict)
    #: Fire after this many events (1-100) ...
    batch_size: int = 1
    #: ... or this many seconds (1-900) after the batch's first event.
    batch_window: int = 900


class TriggerIn(StrictModel):
    """A trigger definition (Glue CreateTrigger / UpdateTrigger): 1-10 actions; a schedule
    for SCHEDULED, a predicate for CONDITIONAL, an event for EVENT."""

    #: Required on POST /triggers; on PUT it may be omitted but must equal the path if given.
    name: str | None = None
    description: str = ""
    type: TriggerType
    #: cron(m h dom mon dow year), a five-field crontab, or rate(N unit).
    schedule: str | None = None
    timezone: str = "UTC"
    catch_up: CatchUp = CatchUp.NONE
    actions: list[ActionIn] = Field(default_factory=list)
    predicate: PredicateIn | None = None
    event: EventBatchingIn | None = None
    #: Let this CONDITIONAL trigger start a job from its own completion.
    allow_cycles: bool = False


class TriggerCreateIn(TriggerIn):
    #: Activate a SCHEDULED, CONDITIONAL or EVENT trigger at once (refused for ON_DEMAND).
    start_on_creation: bool = False


# --- responses --------------------------------------------------------------------------


class ActionOut(BaseModel):
    job_name: str
    #: Secret-looking values are masked.
    arguments: dict[str, str]
    timeout: int | None
    notify_delay_after: int | None


class ConditionOut(BaseModel):
    job_name: str
    state: RunState


class PredicateOut(BaseModel):
    logical: Logical
    conditions: list[ConditionOut]


class EventBatchingOut(BaseModel):
    topic: str
    pattern: dict[str, Any]
    batch_size: int
    batch_window: int


class TriggerOut(BaseModel):
    name: str
    description: str
    type: TriggerType
    state: TriggerState
    schedule: str | None
    timezone: str
    catch_up: CatchUp
    actions: list[ActionOut]
    predicate: PredicateOut | None
    event: EventBatchingOut | None
    allow_cycles: bool
    created_on: UtcTime | None
    last_modified_on: UtcTime | None
    last_fire_time: UtcTime | None
    next_fire_time: UtcTime | None
    #: Scheduled fires missed while the daemon was down.
    missed_fires: int
    #: Set when the stored definition cannot be loaded: the daemon skips the trigger (it
    #: never fires) until the definition is replaced.
    #: Present only when set, so a definition read and sent back stays a valid body.
    load_error: str | None = Field(default=None, exclude_if=is_none)


class SchedulePreviewOut(BaseModel):
    #: The next fire times (up to 5, fewer if the schedule ends), in the trigger's zone.
    next: list[ZonedTime]


class TriggerPage(BaseModel):
    triggers: list[TriggerOut]
    next_token: str | None


class TriggerStartOut(BaseModel):
    trigger: TriggerOut
    #: Runs an ON_DEMAND trigger started; empty when the trigger was activated instead.
    runs: list[RunOut]


class JobTriggersOut(BaseModel):
    #: Triggers with an action that starts the job.
    starts: list[TriggerOut]
    #: CONDITIONAL triggers with a condition on the job's runs.
    watches: list[TriggerOut]


# --- converters -------------------------------------------------------------------------


def trigger_from_in(body: TriggerIn, name: str) -> Trigger:
    """The domain trigger for a request body, validated (InvalidInput names the field)."""
    predicate = None
    if body.predicate is not None:
        conditions = tuple(Condition(c.job_name, c.state) for c in body.predicate.conditions)
        predicate = Predicate(body.predicate.logical, conditions)
    event = None
    if body.event is not None:
        e = body.event
        event = EventBatching(e.topic, dict(e.pattern), e.batch_size, e.batch_window)
    actions = tuple(
        Action(a.job_name, dict(a.arguments), a.timeout, a.notify_delay_after) for a in body.actions
    )
    trigger = Trigger(
        name=name,
        type=body.type,
        actions=actions,
        description=body.description,
        schedule=body.schedule,
        timezone=body.timezone,
        catch_up=body.catch_up,
        predicate=predicate,
        event=event,
        allow_cycles=body.allow_cycles,
    )
    return validate_trigger(trigger)


def check_start_on_creation(trigger: Trigger, start_on_creation: bool) -> None:
    if start_on_creation and trigger.type is TriggerType.ON_DEMAND:
        raise InvalidInput(
            "start_on_creation cannot be set for an ON_DEMAND trigger (as in Glue); "
            "start it with POST /triggers/{name}/start",
            field="start_on_creation",
        )


def trigger_out(trigger: Trigger) -> TriggerOut:
    predicate = None
    if trigger.predicate is not None:
        conditions = [ConditionOut(job_name=c.job_name, state=c.state)
                      for c in trigger.predicate.conditions]  # fmt: skip
        predicate = PredicateOut(logical=trigger.predicate.logical, conditions=conditions)
    event = None
    if trigger.event is not None:
        e = trigger.event
        event = EventBatchingOut(topic=e.topic, pattern=dict(e.pattern),
                                 batch_size=e.batch_size, batch_window=e.batch_window)  # fmt: skip
    return TriggerOut(
        name=trigger.name,
        description=trigger.description,
        type=trigger.type,
        state=trigger.state,
        schedule=trigger.schedule,
        timezone=trigger.timezone,
        catch_up=trigger.catch_up,
        actions=[_action_out(a) for a in trigger.actions],
        predicate=predicate,
        event=event,
        allow_cycles=trigger.allow_cycles,
        created_on=utc_or_none(trigger.created_on),
        last_modified_on=utc_or_none(trigger.last_modified_on),
        last_fire_time=utc_or_none(trigger.last_fire_time),
        next_fire_time=utc_or_none(trigger.next_fire_time),
        missed_fires=trigger.missed_fires,
        load_error=trigger.load_error,
    )


def _action_out(action: Action) -> ActionOut:
    return ActionOut(
        job_name=action.job_name,
        arguments=mask_arguments(action.arguments),
        timeout=action.timeout,
        notify_delay_after=action.notify_delay_after,
    )
