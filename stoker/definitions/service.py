"""Jobs as code: apply a whole set of job and trigger definitions atomically; export them."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime

from stoker.aio import Blocking
from stoker.domain.definitions import ApplyReport, DefinitionChanges, same_job, same_trigger
from stoker.domain.jobs import Job
from stoker.domain.triggers import Trigger, TriggerState, TriggerType
from stoker.errors import InvalidInput
from stoker.jobs.catalog import JobCatalog
from stoker.store.definitions import DefinitionsStore
from stoker.triggers.service import TriggerService, check_definition

log = logging.getLogger(__name__)


@contextmanager
def _item(prefix: str) -> Iterator[None]:
    """Re-raise InvalidInput with its field under ``prefix`` (e.g. 'jobs[2].')."""
    try:
        yield
    except InvalidInput as exc:
        exc.field = prefix + (exc.field or "")
        raise


@dataclass(frozen=True)
class Plan:
    """What the caller wants true: jobs (prepared), triggers with start_on_creation."""

    jobs: list[Job]
    triggers: list[tuple[Trigger, bool]]
    prune: bool

    def decide(
        self, jobs: dict[str, Job], triggers: dict[str, Trigger], report: ApplyReport
    ) -> DefinitionChanges:
        """The writes that make this plan true over the stored ``jobs`` and ``triggers``,
        filling ``report``; InvalidInput if a trigger would be invalid in the end state."""
        self._check_triggers(jobs, triggers)
        changes = DefinitionChanges()
        for job in self.jobs:
            old = jobs.get(job.name)
            if old is None:
                changes.create_jobs.append(job)
                report.add(report.created, "jobs", job.name)
            elif not same_job(old, job):
                changes.replace_jobs.append(job)
                report.add(report.updated, "jobs", job.name)
            else:
                report.add(report.unchanged, "jobs", job.name)
        for trigger, start in self.triggers:
            current = triggers.get(trigger.name)
            if current is None:
                state = TriggerState.ACTIVATED if start else TriggerState.CREATED
                changes.create_triggers.append(replace(trigger, state=state))
                report.add(report.created, "triggers", trigger.name)
                continue
            # Files carry no tags: a trigger's tags (Glue's TagResource) outlive applies.
            kept = replace(trigger, tags=current.tags)
            if not same_trigger(current, kept):
                changes.replace_triggers.append(kept)
                report.add(report.updated, "triggers", trigger.name)
            else:
                report.add(report.unchanged, "triggers", trigger.name)
        if self.prune:
            self._prune(jobs, triggers, changes, report)
        return changes

    def _prune(
        self, jobs: dict[str, Job], triggers: dict[str, Trigger], changes: DefinitionChanges,
        report: ApplyReport,
    ) -> None:  # fmt: skip
        for name in sorted(set(triggers) - {t.name for t, _ in self.triggers}):
            changes.delete_triggers.append(name)
            report.add(report.deleted, "triggers", name)
        for name in sorted(set(jobs) - {j.name for j in self.jobs}):
            changes.delete_jobs.append(name)
            report.add(report.deleted, "jobs", name)

    def _check_triggers(self, jobs: dict[str, Job], current: dict[str, Trigger]) -> None:
        """Every trigger valid against the final state: its jobs exist, no cycle."""
        final_jobs = {j.name for j in self.jobs} | (set() if self.prune else set(jobs))
        named = {t.name: t for t, _ in self.triggers}
        final = list(named.values()) + (
            [] if self.prune else [t for n, t in current.items() if n not in named]
        )
        for i, (trigger, start) in enumerate(self.triggers):
            with _item(f"triggers[{i}]."):
                if start and trigger.type is TriggerType.ON_DEMAND:
                    raise InvalidInput("start_on_creation does not apply to ON_DEMAND triggers",
                                       field="start_on_creation")  # fmt: skip
                check_definition(trigger, final)
                old = current.get(trigger.name)
                if old is not None and same_trigger(old, trigger):
                    continue  # unchanged: a job it names may since have been deleted
                for k, action in enumerate(trigger.actions):
                    if action.job_name not in final_jobs:
                        raise InvalidInput(
                            f"action starts job {action.job_name!r}, which neither exists "
                            "nor is defined here",
                            field=f"actions[{k}].job_name", value=action.job_name,
                        )  # fmt: skip


def _ignore(kind: str) -> None:
    """The default ``on_unloadable``: nothing counts them."""


class Definitions:
    def __init__(
        self,
        *,
        store: DefinitionsStore,
        catalog: JobCatalog,
        trigger_service: TriggerService,
        io: Blocking,
        clock: Callable[[], datetime],
        on_unloadable: Callable[[str], None] = _ignore,
    ) -> None:
        self._store = store
        self._catalog = catalog
        self._service = trigger_service
        self._io = io
        self._clock = clock
        self._on_unloadable = on_unloadable

    async def check_stored(self) -> int:
        """Log and count every stored definition the daemon cannot load (each is skipped
        where it is used and shows its ``load_error`` in the API); returns how many."""
        jobs, triggers = await self.export()
        broken = [("job", j.name, j.load_error) for j in jobs if j.load_error] + [
            ("trigger", t.name, t.load_error) for t in triggers if t.load_error
        ]
        for kind, name, error in broken:
            log.error(
                "stored %s %r cannot be loaded and is skipped: %s", kind, name, error,
                extra={"action": "definition.unloadable", "kind": kind, kind: name},
            )  # fmt: skip
            self._on_unloadable(kind)
        return len(broken)

    async def apply(
        self,
        jobs: list[tuple[Job, str | None]],
        triggers: list[tuple[Trigger, bool]],
        *,
        prune: bool,
        dry_run: bool,
    ) -> ApplyReport:
        prepared: list[Job] = []
        for i, (job, script) in enumerate(jobs):
            with _item(f"jobs[{i}]."):
                prepared.append(self._catalog.prepare(job, script))
        _no_duplicates([j.name for j in prepared], "jobs")
        _no_duplicates([t.name for t, _ in triggers], "triggers")
        plan = Plan(prepared, triggers, prune)
        report = ApplyReport()

        def decide(stored_jobs: dict[str, Job], stored: dict[str, Trigger]) -> DefinitionChanges:
            return plan.decide(stored_jobs, stored, report)

        changes = await self._io(self._store.apply, decide, self._clock(), dry_run=dry_run)
        if dry_run:
            return report
        for name in changes.delete_triggers:
            self._service.scheduler.remove(name)
        for trigger, _ in triggers:
            self._service.scheduler.sync(await self._service.get_trigger(trigger.name))
        return report

    async def export(self) -> tuple[list[Job], list[Trigger]]:
        jobs, triggers = await self._io(self._store.export)
        return jobs, [self._service.present(t) for t in triggers]


def _no_duplicates(names: list[str], kind: str) -> None:
    seen: set[str] = set()
    for i, name in enumerate(names):
        if name in seen:
            raise InvalidInput(f"{kind}[{i}]: {name!r} is defined twice", field=f"{kind}[{i}].name")
        seen.add(name)
