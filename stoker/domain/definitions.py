"""Jobs and triggers as code: what an apply changes, decided from the stored definitions."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from stoker.domain.jobs import Job
from stoker.domain.triggers import Trigger, TriggerState


@dataclass(frozen=True)
class ApplyReport:
    """What `apply` changed (or would change, for a dry run), by kind and name."""

    created: dict[str, list[str]] = field(default_factory=dict)
    updated: dict[str, list[str]] = field(default_factory=dict)
    unchanged: dict[str, list[str]] = field(default_factory=dict)
    deleted: dict[str, list[str]] = field(default_factory=dict)

    def add(self, bucket: dict[str, list[str]], kind: str, name: str) -> None:
        bucket.setdefault(kind, []).append(name)


@dataclass(frozen=True)
class DefinitionChanges:
    """The writes one apply makes, in one transaction: created and replaced definitions
    (a created trigger carries the state it starts in), then the names deleted."""

    create_jobs: list[Job] = field(default_factory=list)
    replace_jobs: list[Job] = field(default_factory=list)
    create_triggers: list[Trigger] = field(default_factory=list)
    replace_triggers: list[Trigger] = field(default_factory=list)
    delete_triggers: list[str] = field(default_factory=list)
    delete_jobs: list[str] = field(default_factory=list)


def same_job(a: Job, b: Job) -> bool:
    """Equal definitions, whatever their stored times."""
    return _untimed(a) == _untimed(b)


def _untimed(job: Job) -> Job:
    return replace(job, created_on=None, last_modified_on=None)


def same_trigger(a: Trigger, b: Trigger) -> bool:
    """Equal definitions: state and the runtime facts the daemon reports do not count."""
    return _definition(a) == _definition(b)


def _definition(trigger: Trigger) -> Trigger:
    return replace(
        trigger, state=TriggerState.CREATED, created_on=None, last_modified_on=None,
        last_fire_time=None, next_fire_time=None, missed_fires=0,
    )  # fmt: skip
