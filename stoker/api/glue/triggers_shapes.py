"""Glue's ``Trigger`` and ``JobBookmarkEntry`` members, to and from stoker's."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from stoker.api.glue.errors import invalid
from stoker.api.glue.jobs_shapes import compact, notify_delay
from stoker.api.glue.members import Members
from stoker.domain.arguments import mask_arguments
from stoker.domain.bookmarks import BookmarkVersion
from stoker.domain.jobs import MAX_TAGS, MAX_TIMEOUT_MINUTES
from stoker.domain.states import RunState
from stoker.domain.triggers import (
    MAX_ACTIONS,
    MAX_CONDITIONS,
    MAX_DESCRIPTION,
    MAX_SCHEDULE,
    Action,
    Condition,
    Logical,
    Predicate,
    Trigger,
    TriggerType,
    validate_trigger,
)

#: Glue's EVENT triggers listen to EventBridge; stoker's to a Kafka topic Glue cannot name.
GLUE_TYPES = (TriggerType.SCHEDULED, TriggerType.CONDITIONAL, TriggerType.ON_DEMAND)


def trigger_type(members: Members) -> TriggerType:
    value = members.required_string("Type")
    if value not in {t.value for t in GLUE_TYPES}:
        raise invalid(
            f"Type {value[:40]!r} is not supported over Glue's API; allowed: SCHEDULED, "
            "CONDITIONAL, ON_DEMAND (EVENT triggers name a Kafka topic: create them with "
            "stoker's API)"
        )
    return TriggerType(value)


def _action(members: Members) -> Action:
    members.refuse("CrawlerName", why="stoker has no crawlers")
    return Action(
        job_name=members.required_string("JobName"),
        arguments=members.string_map("Arguments") or {},
        timeout=members.integer("Timeout", 1, MAX_TIMEOUT_MINUTES),
        notify_delay_after=notify_delay(members),
    )


def _condition(members: Members) -> Condition:
    members.refuse("CrawlerName", "CrawlState", why="stoker has no crawlers")
    operator = members.string("LogicalOperator") or "EQUALS"
    if operator != "EQUALS":
        raise invalid(f"{members.name('LogicalOperator')} must be EQUALS")
    state = members.string("State") or RunState.SUCCEEDED.value
    if state not in {s.value for s in RunState}:
        raise invalid(f"{members.name('State')} {state[:40]!r} is not a job run state")
    return Condition(members.required_string("JobName"), RunState(state))


def _predicate(members: Members) -> Predicate:
    logical = members.string("Logical") or Logical.AND.value
    if logical not in {v.value for v in Logical}:
        raise invalid(f"Predicate.Logical {logical[:20]!r} must be AND or ANY")
    conditions = members.structures("Conditions")
    if len(conditions) > MAX_CONDITIONS:
        raise invalid(f"Predicate.Conditions has more than {MAX_CONDITIONS} conditions")
    return Predicate(Logical(logical), tuple(_condition(c) for c in conditions))


def trigger_from_glue(name: str, kind: TriggerType, members: Members,
                      current: Trigger | None = None) -> Trigger:  # fmt: skip
    """The trigger CreateTrigger describes, or ``current`` with TriggerUpdate's members
    applied (Glue's UpdateTrigger changes only the members it is given). Validated."""
    members.refuse("WorkflowName", why="stoker has no workflows")
    members.refuse("EventBatchingCondition", why="EVENT triggers are created with stoker's API")
    base = current or Trigger(name=name, type=kind, actions=())
    changes: dict[str, Any] = {}
    if members.has("Description") or current is None:
        changes["description"] = members.string("Description", max_len=MAX_DESCRIPTION) or ""
    if members.has("Schedule"):
        changes["schedule"] = members.string("Schedule", max_len=MAX_SCHEDULE)
    if members.has("Actions") or current is None:
        actions = members.structures("Actions", required=True)
        if len(actions) > MAX_ACTIONS:
            raise invalid(f"Actions has more than {MAX_ACTIONS} actions")
        changes["actions"] = tuple(_action(a) for a in actions)
    predicate = members.structure("Predicate")
    if predicate is not None:
        changes["predicate"] = _predicate(predicate)
    if current is None:
        changes["tags"] = members.string_map("Tags", max_entries=MAX_TAGS) or {}
    return validate_trigger(replace(base, **changes))


def trigger_member(trigger: Trigger) -> dict[str, Any]:
    predicate = None
    if trigger.predicate is not None:
        predicate = {
            "Logical": trigger.predicate.logical.value,
            "Conditions": [{"LogicalOperator": "EQUALS", "JobName": c.job_name,
                            "State": c.state.value} for c in trigger.predicate.conditions],
        }  # fmt: skip
    batching = None
    if trigger.event is not None:
        batching = {"BatchSize": trigger.event.batch_size,
                    "BatchWindow": trigger.event.batch_window}  # fmt: skip
    return compact({
        "Name": trigger.name,
        "Type": trigger.type.value,
        "State": trigger.state.value,
        "Description": trigger.description or None,
        "Schedule": trigger.schedule,
        "Actions": [_action_member(a) for a in trigger.actions],
        "Predicate": predicate,
        "EventBatchingCondition": batching,
    })  # fmt: skip


def _action_member(action: Action) -> dict[str, Any]:
    notify = None
    if action.notify_delay_after is not None:
        notify = {"NotifyDelayAfter": action.notify_delay_after}
    return compact({"JobName": action.job_name, "Arguments": mask_arguments(action.arguments),
                    "Timeout": action.timeout, "NotificationProperty": notify})  # fmt: skip


def bookmark_entry(version: BookmarkVersion) -> dict[str, Any]:
    """Glue's JobBookmarkEntry: ``JobBookmark`` is the state as a JSON string, as in Glue
    (whose own state format is private; stoker's elements are documented)."""
    return compact({
        "JobName": version.job_name,
        "Version": version.version,
        "Run": version.run,
        "Attempt": version.attempt,
        "PreviousRunId": version.previous_run_id,
        "RunId": version.run_id,
        "JobBookmark": json.dumps(version.elements, separators=(",", ":"), sort_keys=True),
    })  # fmt: skip
