"""Jobs as code: apply a whole set of job and trigger definitions atomically; export them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Connection

from stoker.aio import Blocking
from stoker.domain.jobs import Job
from stoker.domain.triggers import ApplyReport, Trigger, TriggerState, TriggerType
from stoker.errors import InvalidInput
from stoker.jobs.catalog import JobCatalog
from stoker.store.codec import job_to_json
from stoker.store.engine import Database
from stoker.store.jobs import JobStore
from stoker.store.trigger_codec import trigger_to_json
from stoker.store.triggers import TriggerStore
from stoker.triggers.service import TriggerService, check_definition


class _DryRun(Exception):
    """Rolls the apply transaction back once the report is known."""


@contextmanager
def _item(prefix: str) -> Iterator[None]:
    """Re-raise InvalidInput with its field under ``prefix`` (e.g. 'jobs[2].')."""
    try:
        yield
    except InvalidInput as exc:
        exc.field = prefix + (exc.field or "")
        raise


@dataclass
class _Plan:
    jobs: list[Job]
    triggers: list[tuple[Trigger, bool]]
    prune: bool


class Definitions:
    def __init__(
        self,
        *,
        db: Database,
        jobs: JobStore,
        triggers: TriggerStore,
        catalog: JobCatalog,
        trigger_service: TriggerService,
        io: Blocking,
        clock: Callable[[], datetime],
    ) -> None:
        self._db = db
        self._jobs = jobs
        self._triggers = triggers
        self._catalog = catalog
        self._service = trigger_service
        self._io = io
        self._clock = clock

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
        plan = _Plan(prepared, triggers, prune)
        report = ApplyReport()
        try:
            await self._io(self._write, plan, report, dry_run)
        except _DryRun:
            return report
        for name in report.deleted.get("triggers", []):
            self._service.scheduler.remove(name)
        for trigger, _ in triggers:
            self._service.scheduler.sync(await self._io(self._triggers.get, trigger.name))
        return report

    async def export(self) -> tuple[list[Job], list[Trigger]]:
        jobs = await self._io(self._jobs.all_jobs)
        triggers = sorted(await self._io(self._triggers.all_triggers), key=lambda t: t.name)
        return jobs, triggers

    def _write(self, plan: _Plan, report: ApplyReport, dry_run: bool) -> None:
        now = self._clock()
        with self._db.write() as conn:
            current_jobs = {j.name: j for j in self._jobs.all_jobs(conn)}
            current = {t.name: t for t in self._triggers.all_triggers(conn)}
            self._check_triggers(plan, current_jobs, current)
            for job in plan.jobs:
                old = current_jobs.get(job.name)
                if old is None:
                    self._jobs.create_in(conn, job, now)
                    _add(report.created, "jobs", job.name)
                elif job_to_json(old) != job_to_json(job):
                    self._jobs.replace_in(conn, job, now)
                    _add(report.updated, "jobs", job.name)
                else:
                    _add(report.unchanged, "jobs", job.name)
            self._write_triggers(conn, plan, current, report, now)
            if plan.prune:
                self._prune(conn, plan, current_jobs, current, report)
            if dry_run:
                raise _DryRun

    def _write_triggers(
        self, conn: Connection, plan: _Plan, current: dict[str, Trigger], report: ApplyReport,
        now: datetime,
    ) -> None:  # fmt: skip
        for trigger, start in plan.triggers:
            old = current.get(trigger.name)
            if old is None:
                state = TriggerState.ACTIVATED if start else TriggerState.CREATED
                self._triggers.create_in(conn, replace(trigger, state=state), now)
                _add(report.created, "triggers", trigger.name)
            elif trigger_to_json(old) != trigger_to_json(trigger):
                self._triggers.replace_in(conn, trigger, now)
                _add(report.updated, "triggers", trigger.name)
            else:
                _add(report.unchanged, "triggers", trigger.name)

    def _prune(
        self, conn: Connection, plan: _Plan, jobs: dict[str, Job], triggers: dict[str, Trigger],
        report: ApplyReport,
    ) -> None:  # fmt: skip
        keep_triggers = {t.name for t, _ in plan.triggers}
        for name in sorted(set(triggers) - keep_triggers):
            self._triggers.delete_in(conn, name)
            _add(report.deleted, "triggers", name)
        for name in sorted(set(jobs) - {j.name for j in plan.jobs}):
            self._jobs.delete_in(conn, name)
            _add(report.deleted, "jobs", name)

    def _check_triggers(
        self, plan: _Plan, jobs: dict[str, Job], current: dict[str, Trigger]
    ) -> None:
        """Every trigger valid against the final state: its jobs exist, no cycle."""
        final_jobs = {j.name for j in plan.jobs} | (set() if plan.prune else set(jobs))
        named = {t.name: t for t, _ in plan.triggers}
        final = list(named.values()) + (
            [] if plan.prune else [t for n, t in current.items() if n not in named]
        )
        for i, (trigger, start) in enumerate(plan.triggers):
            with _item(f"triggers[{i}]."):
                if start and trigger.type is TriggerType.ON_DEMAND:
                    raise InvalidInput("start_on_creation does not apply to ON_DEMAND triggers",
                                       field="start_on_creation")  # fmt: skip
                check_definition(trigger, final)
                old = current.get(trigger.name)
                if old is not None and trigger_to_json(old) == trigger_to_json(trigger):
                    continue  # unchanged: a job it names may since have been deleted
                for k, action in enumerate(trigger.actions):
                    if action.job_name not in final_jobs:
                        raise InvalidInput(
                            f"action starts job {action.job_name!r}, which neither exists "
                            "nor is defined here",
                            field=f"actions[{k}].job_name", value=action.job_name,
                        )  # fmt: skip


def _add(bucket: dict[str, list[str]], kind: str, name: str) -> None:
    bucket.setdefault(kind, []).append(name)


def _no_duplicates(names: list[str], kind: str) -> None:
    seen: set[str] = set()
    for i, name in enumerate(names):
        if name in seen:
            raise InvalidInput(f"{kind}[{i}]: {name!r} is defined twice", field=f"{kind}[{i}].name")
        seen.add(name)
