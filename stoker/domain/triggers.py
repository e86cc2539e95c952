"""Triggers (Glue's model): types, states, actions, predicates, and the rules they follow."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from stoker.domain.arguments import validate_arguments
from stoker.domain.jobs import (
    MAX_TAG_KEY,
    MAX_TAG_VALUE,
    MAX_TAGS,
    MAX_TIMEOUT_MINUTES,
    validate_job_name,
)
from stoker.domain.limits import check_string_map, check_text, quote
from stoker.domain.patterns import validate_pattern
from stoker.domain.states import RunState
from stoker.errors import InvalidInput

TRIGGER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,254}")
KAFKA_TOPIC = re.compile(r"[A-Za-z0-9._\-]{1,249}")
MAX_ACTIONS = 10
MAX_CONDITIONS = 100
MAX_DESCRIPTION = 2048
MAX_SCHEDULE = 256
#: The longest IANA zone name is 32 characters ("America/Argentina/ComodRivadavia").
MAX_TIMEZONE = 64
MAX_BATCH_SIZE = 100
MAX_BATCH_WINDOW = 900


class TriggerType(StrEnum):
    SCHEDULED = "SCHEDULED"
    CONDITIONAL = "CONDITIONAL"
    ON_DEMAND = "ON_DEMAND"
    EVENT = "EVENT"


class TriggerState(StrEnum):
    """Glue's trigger states; the -ING ones are visible only while a change is applied."""

    CREATING = "CREATING"
    CREATED = "CREATED"
    ACTIVATING = "ACTIVATING"
    ACTIVATED = "ACTIVATED"
    DEACTIVATING = "DEACTIVATING"
    DEACTIVATED = "DEACTIVATED"
    DELETING = "DELETING"
    UPDATING = "UPDATING"


class Logical(StrEnum):
    AND = "AND"
    ANY = "ANY"


class CatchUp(StrEnum):
    """What a scheduled trigger does about fires missed while the daemon was down."""

    NONE = "NONE"
    ONCE = "ONCE"


#: States a condition may watch (Glue: terminal job states except ERROR).
WATCHABLE = frozenset({RunState.SUCCEEDED, RunState.FAILED, RunState.TIMEOUT, RunState.STOPPED})


@dataclass(frozen=True)
class Action:
    """One job a trigger starts, with its own argument overlay, timeout and delay."""

    job_name: str
    arguments: dict[str, str] = field(default_factory=dict)
    timeout: int | None = None
    notify_delay_after: int | None = None


@dataclass(frozen=True)
class Condition:
    job_name: str
    state: RunState = RunState.SUCCEEDED


@dataclass(frozen=True)
class Predicate:
    logical: Logical = Logical.AND
    conditions: tuple[Condition, ...] = ()


@dataclass(frozen=True)
class EventBatching:
    """Glue's EventBatchingCondition (the Kafka side comes with the Kafka work)."""

    topic: str
    pattern: dict[str, object] = field(default_factory=dict)
    batch_size: int = 1
    batch_window: int = 900


@dataclass(frozen=True)
class Trigger:
    name: str
    type: TriggerType
    actions: tuple[Action, ...]
    description: str = ""
    state: TriggerState = TriggerState.CREATED
    schedule: str | None = None
    timezone: str = "UTC"
    catch_up: CatchUp = CatchUp.NONE
    predicate: Predicate | None = None
    event: EventBatching | None = None
    allow_cycles: bool = False
    #: Glue's resource tags (CreateTrigger, TagResource); replacing the definition keeps them.
    tags: dict[str, str] = field(default_factory=dict)
    created_on: datetime | None = None
    last_modified_on: datetime | None = None
    #: Runtime facts the daemon reports (never part of a definition a user writes).
    last_fire_time: datetime | None = None
    next_fire_time: datetime | None = None
    missed_fires: int = 0
    #: Why the stored definition cannot be loaded (the daemon skips it); None when it can.
    load_error: str | None = None

    @property
    def watched_jobs(self) -> frozenset[str]:
        if self.predicate is None:
            return frozenset()
        return frozenset(c.job_name for c in self.predicate.conditions)

    @property
    def started_jobs(self) -> frozenset[str]:
        return frozenset(a.job_name for a in self.actions)


def _bad(message: str, where: str, value: object = None) -> InvalidInput:
    return InvalidInput(message, field=where, value=value)


def _check_action(action: Action, where: str) -> None:
    validate_job_name(action.job_name, f"{where}.job_name")
    validate_arguments(action.arguments, f"{where}.arguments")
    for name in ("timeout", "notify_delay_after"):
        value = getattr(action, name)
        if value is not None and not _whole(value, 1, MAX_TIMEOUT_MINUTES):
            raise _bad(f"{where}.{name} must be whole minutes from 1 to {MAX_TIMEOUT_MINUTES}",
                       f"{where}.{name}", value)  # fmt: skip


def _check_predicate(trigger: Trigger) -> None:
    predicate = trigger.predicate
    if predicate is None or not predicate.conditions:
        raise _bad("a CONDITIONAL trigger needs a predicate with at least one condition",
                   "predicate.conditions")  # fmt: skip
    if len(predicate.conditions) > MAX_CONDITIONS:
        raise _bad(f"a predicate has at most {MAX_CONDITIONS} conditions", "predicate.conditions")
    seen: set[str] = set()
    for i, cond in enumerate(predicate.conditions):
        where = f"predicate.conditions[{i}]"
        validate_job_name(cond.job_name, f"{where}.job_name")
        if cond.state not in WATCHABLE:
            allowed = ", ".join(sorted(s.value for s in WATCHABLE))
            raise _bad(f"{where}.state {cond.state.value} cannot be watched; allowed: {allowed}",
                       f"{where}.state", cond.state.value)  # fmt: skip
        if cond.job_name in seen:
            raise _bad(f"job {cond.job_name!r} is watched twice; one condition per job",
                       f"{where}.job_name", cond.job_name)  # fmt: skip
        seen.add(cond.job_name)


def check_timezone(name: object) -> ZoneInfo:
    """The IANA zone ``name``, or InvalidInput (field "timezone") saying what is allowed."""
    if isinstance(name, str) and 0 < len(name) <= MAX_TIMEZONE and "\x00" not in name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            pass
    raise _bad(f"unknown time zone {quote(name)}; expected an IANA name such as 'UTC' or "
               "'Europe/Paris'", "timezone", name)  # fmt: skip


def validate_trigger(trigger: Trigger) -> Trigger:
    """Shape rules (names, limits, required parts per type). Schedules are parsed by
    stoker.triggers.cron.expressions; cycles need the other triggers (see find_cycle)."""
    if not isinstance(trigger.name, str) or not TRIGGER_NAME.fullmatch(trigger.name):
        raise _bad(f"trigger name {quote(trigger.name)} is invalid: 1-255 characters, letters, "
                   "digits, '_', '.', '-', starting with a letter or digit", "name",
                   trigger.name)  # fmt: skip
    check_text(trigger.description, "description", MAX_DESCRIPTION, multiline=True)
    if not trigger.actions:
        raise _bad("a trigger needs at least one action (a job to start)", "actions")
    if len(trigger.actions) > MAX_ACTIONS:
        raise _bad(f"a trigger has at most {MAX_ACTIONS} actions, got {len(trigger.actions)}",
                   "actions")  # fmt: skip
    for i, action in enumerate(trigger.actions):
        _check_action(action, f"actions[{i}]")
    check_timezone(trigger.timezone)
    check_string_map(trigger.tags, "tags", max_entries=MAX_TAGS, max_key=MAX_TAG_KEY,
                     max_value=MAX_TAG_VALUE)  # fmt: skip
    _check_type_parts(trigger)
    return trigger


def _check_type_parts(trigger: Trigger) -> None:
    kind = trigger.type
    if kind is TriggerType.SCHEDULED and not trigger.schedule:
        raise _bad("a SCHEDULED trigger needs a schedule, e.g. 'cron(0 12 * * ? *)' or "
                   "'rate(5 minutes)'", "schedule")  # fmt: skip
    if trigger.schedule is not None:
        check_text(trigger.schedule, "schedule", MAX_SCHEDULE)
    if kind is not TriggerType.SCHEDULED and trigger.schedule:
        raise _bad(f"only SCHEDULED triggers have a schedule; this one is {kind.value}",
                   "schedule")  # fmt: skip
    if kind is TriggerType.CONDITIONAL:
        _check_predicate(trigger)
    elif trigger.predicate is not None:
        raise _bad(f"only CONDITIONAL triggers have a predicate; this one is {kind.value}",
                   "predicate")  # fmt: skip
    if kind is TriggerType.EVENT and trigger.event is None:
        raise _bad("an EVENT trigger needs an event definition (topic, pattern, batch)",
                   "event")  # fmt: skip
    if trigger.event is not None:
        _check_event(trigger.event)


def _whole(value: object, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _check_event(event: EventBatching) -> None:
    if not isinstance(event.topic, str) or not KAFKA_TOPIC.fullmatch(event.topic):
        raise _bad(f"event.topic {quote(event.topic)} is not a Kafka topic name (1-249 "
                   "letters, digits, '.', '_', '-')", "event.topic", event.topic)  # fmt: skip
    if not _whole(event.batch_size, 1, MAX_BATCH_SIZE):
        raise _bad(f"event.batch_size must be a whole number from 1 to {MAX_BATCH_SIZE}",
                   "event.batch_size", event.batch_size)  # fmt: skip
    if not _whole(event.batch_window, 1, MAX_BATCH_WINDOW):
        raise _bad(f"event.batch_window must be whole seconds from 1 to {MAX_BATCH_WINDOW}",
                   "event.batch_window", event.batch_window)  # fmt: skip
    validate_pattern(event.pattern, "event.pattern")


def find_cycle(triggers: Iterable[Trigger]) -> list[str] | None:
    """A job chain that starts a job from its own completion, as job names, or None.

    Edges run from each watched job to each job its CONDITIONAL trigger starts; triggers
    with ``allow_cycles`` are left out.
    """
    edges: dict[str, set[str]] = {}
    for trigger in triggers:
        if trigger.type is not TriggerType.CONDITIONAL or trigger.allow_cycles:
            continue
        for watched in trigger.watched_jobs:
            edges.setdefault(watched, set()).update(trigger.started_jobs)
    return _cycle(edges)


def _cycle(edges: Mapping[str, set[str]]) -> list[str] | None:
    visiting: list[str] = []
    done: set[str] = set()

    def visit(node: str) -> list[str] | None:
        if node in visiting:
            return [*visiting[visiting.index(node) :], node]
        if node in done:
            return None
        visiting.append(node)
        for nxt in sorted(edges.get(node, ())):
            found = visit(nxt)
            if found:
                return found
        visiting.pop()
        done.add(node)
        return None

    for start in sorted(edges):
        found = visit(start)
        if found:
            return found
    return None
