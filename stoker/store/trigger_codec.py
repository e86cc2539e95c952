"""Trigger definitions ↔ the JSON the store keeps; a row that cannot be read is marked."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy import Row

from stoker.domain.limits import quote
from stoker.domain.patterns import validate_pattern
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
from stoker.errors import StokerError
from stoker.store.tables import Unreadable

#: What decoding a stored definition written by another stoker (or edited by hand) raises.
DECODE_ERRORS = (KeyError, TypeError, ValueError, AttributeError, RecursionError, StokerError)


def trigger_to_json(trigger: Trigger) -> dict[str, Any]:
    return {
        "name": trigger.name,
        "type": trigger.type.value,
        "description": trigger.description,
        "schedule": trigger.schedule,
        "timezone": trigger.timezone,
        "catch_up": trigger.catch_up.value,
        "allow_cycles": trigger.allow_cycles,
        "tags": dict(trigger.tags),
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
    """Raises one of DECODE_ERRORS when ``data`` is not a definition this stoker reads."""
    predicate = data.get("predicate")
    event = data.get("event")
    trigger = Trigger(
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
        tags=dict(data.get("tags") or {}),
        **runtime,
    )
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in trigger.tags.items()):
        raise TypeError("tags must map text to text")
    if not isinstance(trigger.schedule, str | None) or not isinstance(trigger.timezone, str):
        raise TypeError("schedule and timezone must be text")
    if trigger.event is not None:
        # Every reader walks the pattern (matching, the API's JSON): one too deep or too
        # large to walk safely is refused here, once, instead of breaking each reader.
        validate_pattern(trigger.event.pattern, "event.pattern")
    return trigger


def trigger_from_row(row: Row[Any]) -> Trigger:
    """The stored trigger, or a placeholder carrying ``load_error`` (no actions, never
    fired or scheduled) when its definition cannot be read."""
    runtime = {
        "created_on": row.created_on,
        "last_modified_on": row.last_modified_on,
        "last_fire_time": row.last_fire_time,
        "missed_fires": row.missed_fires,
    }
    try:
        if isinstance(row.definition, Unreadable):
            raise ValueError(f"it is not valid JSON ({row.definition.error})")
        return trigger_from_json(row.definition, state=TriggerState(row.state), **runtime)
    except DECODE_ERRORS as exc:
        return Trigger(
            name=row.name, type=_or(TriggerType, row.type, TriggerType.ON_DEMAND), actions=(),
            state=_or(TriggerState, row.state, TriggerState.DEACTIVATED),
            load_error=f"the stored definition cannot be read: {describe(exc)}", **runtime,
        )  # fmt: skip


def describe(exc: BaseException) -> str:
    """A decoding failure in words (a KeyError alone prints as just the key)."""
    if isinstance(exc, StokerError):
        return exc.message
    if isinstance(exc, KeyError):
        return f"required field {quote(exc.args[0] if exc.args else '?')} is missing"
    if isinstance(exc, RecursionError):
        return "it is nested too deeply"
    return f"{type(exc).__name__}: {str(exc)[:200]}"


def _or(kind: type[Any], value: Any, default: Any) -> Any:
    try:
        return kind(value)
    except ValueError:
        return default
