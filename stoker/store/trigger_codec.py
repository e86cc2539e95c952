"""Trigger definitions ↔ the JSON the store keeps."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy import Row

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
)


def trigger_to_json(trigger: Trigger) -> dict[str, Any]:
    return {
        "name": trigger.name,
        "type": trigger.type.value,
        "description": trigger.description,
        "schedule": trigger.schedule,
        "timezone": trigger.timezone,
        "catch_up": trigger.catch_up.value,
        "allow_cycles": trigger.allow_cycles,
        "actions": [asdict(a) for a in trigger.actions],
        "predicate": None
        if trigger.predicate is None
        else {
            "logical": trigger.predicate.logical.value,
            "conditions": [
                {"job_name": c.job_name, "state": c.state.value}
                for c in trigger.predicate.conditions
            ],
        },
        "event": None
        if trigger.event is None
        else {
            "topic": trigger.event.topic,
            "pattern": trigger.event.pattern,
            "batch_size": trigger.event.batch_size,
            "batch_window": trigger.event.batch_window,
        },
    }


def trigger_from_json(data: dict[str, Any], **runtime: Any) -> Trigger:
    predicate = data.get("predicate")
    event = data.get("event")
    return Trigger(
        name=data["name"],
        type=TriggerType(data["type"]),
        description=data.get("description", ""),
        schedule=data.get("schedule"),
        timezone=data.get("timezone", "UTC"),
        catch_up=CatchUp(data.get("catch_up", "NONE")),
        allow_cycles=bool(data.get("allow_cycles", False)),
        actions=tuple(Action(**a) for a in data["actions"]),
        predicate=None
        if predicate is None
        else Predicate(
            logical=Logical(predicate["logical"]),
            conditions=tuple(
                Condition(c["job_name"], RunState(c["state"])) for c in predicate["conditions"]
            ),
        ),
        event=None if event is None else EventBatching(**event),
        **runtime,
    )


def trigger_from_row(row: Row[Any]) -> Trigger:
    return trigger_from_json(
        row.definition,
        state=TriggerState(row.state),
        created_on=row.created_on,
        last_modified_on=row.last_modified_on,
        last_fire_time=row.last_fire_time,
        missed_fires=row.missed_fires,
    )
