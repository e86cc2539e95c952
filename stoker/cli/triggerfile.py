"""Trigger definitions from files and `stoker triggers create/update` flags, as API bodies."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stoker.cli.common import read_text
from stoker.definitions.files import TRIGGER_READ_ONLY, single_item
from stoker.domain.limits import check_finite
from stoker.errors import InvalidInput

Json = dict[str, Any]


@dataclass(frozen=True)
class TriggerFlags:
    """The definition flags of `triggers create` / `triggers update`; None = not given."""

    name: str | None = None
    type: str | None = None
    schedule: str | None = None
    timezone: str | None = None
    description: str | None = None
    catch_up: str | None = None
    allow_cycles: bool | None = None
    start_on_creation: bool | None = None
    actions: tuple[str, ...] = ()
    arguments: dict[str, str] = field(default_factory=dict)
    timeout: int | None = None
    notify_delay_after: int | None = None
    logical: str | None = None
    conditions: dict[str, str] = field(default_factory=dict)
    topic: str | None = None
    pattern: str | None = None
    batch_size: int | None = None
    batch_window: int | None = None


def load_trigger_file(path_text: str) -> Json:
    return single_item(Path(path_text), read_text(path_text, "trigger file"), "trigger")


def _set_actions(body: Json, flags: TriggerFlags) -> None:
    if flags.actions:
        body["actions"] = [{"job_name": job} for job in flags.actions]
    extra = {"timeout": flags.timeout, "notify_delay_after": flags.notify_delay_after}
    extra = {k: v for k, v in extra.items() if v is not None}
    if not (flags.arguments or extra):
        return
    actions = body.get("actions") or []
    if not actions:
        raise InvalidInput("--arg, --timeout and --notify-delay-after apply to actions; "
                           "give at least one --action JOB", field="actions")  # fmt: skip
    for action in actions:
        action.update(extra)
        action["arguments"] = {**(action.get("arguments") or {}), **flags.arguments}


def _set_predicate(body: Json, flags: TriggerFlags) -> None:
    current = body.get("predicate") or {}
    if flags.conditions:
        conditions = [{"job_name": j, "state": s} for j, s in flags.conditions.items()]
        current = {"logical": current.get("logical", "AND"), "conditions": conditions}
    if flags.logical:
        current = {**current, "logical": flags.logical}
    if current:
        body["predicate"] = current


def _set_event(body: Json, flags: TriggerFlags) -> None:
    event = dict(body.get("event") or {})
    if flags.pattern is not None:
        try:
            event["pattern"] = json.loads(flags.pattern)
            check_finite(event["pattern"], "event.pattern")
        except (ValueError, RecursionError) as exc:
            problem = "it is nested too deeply" if isinstance(exc, RecursionError) else exc
            raise InvalidInput(f"--pattern is not JSON: {problem}", field="event.pattern") from exc
    given = {"topic": flags.topic, "batch_size": flags.batch_size,
             "batch_window": flags.batch_window}  # fmt: skip
    event.update({k: v for k, v in given.items() if v is not None})
    if event:
        body["event"] = event


def apply_trigger_flags(base: Json, flags: TriggerFlags) -> Json:
    body = copy.deepcopy(base)
    plain = {
        "name": flags.name,
        "type": flags.type,
        "schedule": flags.schedule,
        "timezone": flags.timezone,
        "description": flags.description,
        "catch_up": flags.catch_up,
        "allow_cycles": flags.allow_cycles,
        "start_on_creation": flags.start_on_creation,
    }
    body.update({k: v for k, v in plain.items() if v is not None})
    _set_actions(body, flags)
    _set_predicate(body, flags)
    _set_event(body, flags)
    return body


def trigger_body_for_create(file: str | None, flags: TriggerFlags) -> Json:
    body = apply_trigger_flags(load_trigger_file(file) if file else {}, flags)
    if not body.get("name"):
        raise InvalidInput("a trigger needs a name: give --name NAME or 'name' in -f FILE",
                           field="name")  # fmt: skip
    if not body.get("type"):
        raise InvalidInput("a trigger needs a type: give --type SCHEDULED|CONDITIONAL|"
                           "ON_DEMAND|EVENT or 'type' in -f FILE", field="type")  # fmt: skip
    return body


def trigger_body_for_update(current: Json, file: str | None, flags: TriggerFlags) -> Json:
    """The current definition (as GET returns it) with the file's keys and the flags."""
    base = {k: v for k, v in current.items() if k not in TRIGGER_READ_ONLY}
    if file:
        base.update(load_trigger_file(file))
    body = apply_trigger_flags(base, flags)
    body.pop("start_on_creation", None)
    return body
