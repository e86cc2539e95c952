"""In-memory trigger store and jobs-as-code definitions for API and CLI tests."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from stoker.domain.definitions import ApplyReport
from stoker.domain.jobs import Job
from stoker.domain.runs import JobRun
from stoker.domain.triggers import (
    Trigger,
    TriggerState,
    TriggerType,
    find_cycle,
    validate_trigger,
)
from stoker.errors import Conflict, InvalidInput, InvalidTransition, NotFound

if TYPE_CHECKING:
    from tests.unit.api.fakes import FakeJobs, FakeRuns

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def _check_cycle(triggers: list[Trigger], field: str) -> None:
    cycle = find_cycle(triggers)
    if cycle:
        raise InvalidInput(f"trigger graph has a cycle: {' -> '.join(cycle)}", field=field)


@dataclass
class FakeTriggers:
    """A trigger store that keeps names unique, checks cycles and starts on-demand runs."""

    runs: FakeRuns
    triggers: dict[str, Trigger] = field(default_factory=dict)
    calls: list[tuple[str, object]] = field(default_factory=list)

    async def create_trigger(self, trigger: Trigger, *, start_on_creation: bool = False) -> Trigger:
        self.calls.append(("create_trigger", (trigger, start_on_creation)))
        if trigger.name in self.triggers:
            raise Conflict(f"trigger {trigger.name!r} already exists", field="name")
        if start_on_creation and trigger.type is TriggerType.ON_DEMAND:
            raise InvalidInput("ON_DEMAND cannot start on creation", field="start_on_creation")
        if trigger.schedule == "cron(bad)":
            raise InvalidInput("cron() needs 6 fields", field="schedule")
        _check_cycle([*self.triggers.values(), trigger], "predicate")
        state = TriggerState.ACTIVATED if start_on_creation else TriggerState.CREATED
        trigger = replace(validate_trigger(trigger), state=state, created_on=T0,
                          last_modified_on=T0)  # fmt: skip
        self.triggers[trigger.name] = trigger
        return trigger

    async def update_trigger(self, trigger: Trigger) -> Trigger:
        self.calls.append(("update_trigger", trigger))
        old = await self.get_trigger(trigger.name)
        trigger = replace(trigger, state=old.state, created_on=old.created_on, tags=old.tags,
                          last_modified_on=T0 + timedelta(hours=1))  # fmt: skip
        self.triggers[trigger.name] = trigger
        return trigger

    async def set_tags(self, name: str, tags: dict[str, str]) -> Trigger:
        self.triggers[name] = replace(await self.get_trigger(name), tags=dict(tags))
        return self.triggers[name]

    async def get_trigger(self, name: str) -> Trigger:
        try:
            return self.triggers[name]
        except KeyError:
            raise NotFound(f"trigger {name!r} does not exist", field="name") from None

    async def list_triggers(
        self, *, limit: int, after: str | None, job_name: str | None = None
    ) -> list[Trigger]:
        found = [
            self.triggers[n]
            for n in sorted(self.triggers)
            if (after is None or n > after)
            and (job_name is None or job_name in self.triggers[n].started_jobs
                 or job_name in self.triggers[n].watched_jobs)
        ]  # fmt: skip
        return found[:limit]

    async def delete_trigger(self, name: str) -> None:
        await self.get_trigger(name)
        del self.triggers[name]

    async def start_trigger(self, name: str) -> list[JobRun]:
        trigger = await self.get_trigger(name)
        if trigger.type is not TriggerType.ON_DEMAND:
            await self.activate_trigger(name)
            return []
        return [
            await self.runs.start_run(a.job_name, a.arguments, timeout=a.timeout,
                                      notify_delay_after=a.notify_delay_after,
                                      triggered_by=name)
            for a in trigger.actions
        ]  # fmt: skip

    async def _set_state(self, name: str, state: TriggerState) -> Trigger:
        trigger = await self.get_trigger(name)
        if trigger.type is TriggerType.ON_DEMAND:
            raise InvalidTransition(f"trigger {name!r} is ON_DEMAND; start it instead")
        trigger = replace(trigger, state=state)
        self.triggers[name] = trigger
        return trigger

    async def activate_trigger(self, name: str) -> Trigger:
        return await self._set_state(name, TriggerState.ACTIVATED)

    async def deactivate_trigger(self, name: str) -> Trigger:
        return await self._set_state(name, TriggerState.DEACTIVATED)


def _definition(trigger: Trigger) -> Trigger:
    return replace(trigger, state=TriggerState.CREATED, created_on=None, last_modified_on=None,
                   last_fire_time=None, next_fire_time=None, missed_fires=0)  # fmt: skip


@dataclass
class FakeDefinitions:
    """Apply and export over the fake stores: validates everything first, then changes."""

    jobs: FakeJobs
    triggers: FakeTriggers
    calls: list[dict[str, object]] = field(default_factory=list)

    def _job_kind(self, job: Job, script: str | None) -> str:
        old = self.jobs.jobs.get(job.name)
        if old is None:
            return "created"
        if script is not None:
            if self.jobs.scripts.get(job.name, "") != script:
                return "updated"
            job = replace(job, script_location=old.script_location)
        return "unchanged" if job.with_times(T0, T0) == old.with_times(T0, T0) else "updated"

    def _trigger_kind(self, trigger: Trigger) -> str:
        old = self.triggers.triggers.get(trigger.name)
        if old is None:
            return "created"
        return "unchanged" if _definition(old) == _definition(trigger) else "updated"

    def _validate(self, jobs: list[tuple[Job, str | None]],
                  triggers: list[tuple[Trigger, bool]], prune: bool) -> None:  # fmt: skip
        for i, (job, script) in enumerate(jobs):
            if job.timeout == 1234:  # a stand-in for a service-side rule
                raise InvalidInput("timeout 1234 refused (fake)", field=f"jobs[{i}].timeout")
        for i, (trigger, _) in enumerate(triggers):
            if trigger.schedule == "cron(bad)":
                raise InvalidInput("cron() needs 6 fields", field=f"triggers[{i}].schedule")
        kept = {} if prune else dict(self.triggers.triggers)
        kept.update({t.name: t for t, _ in triggers})
        _check_cycle(list(kept.values()), "triggers[0].predicate")

    async def apply(
        self,
        jobs: list[tuple[Job, str | None]],
        triggers: list[tuple[Trigger, bool]],
        *,
        prune: bool,
        dry_run: bool,
    ) -> ApplyReport:
        self.calls.append({"jobs": jobs, "triggers": triggers, "prune": prune,
                           "dry_run": dry_run})  # fmt: skip
        self._validate(jobs, triggers, prune)
        report = ApplyReport()
        for job, script in jobs:
            report.__dict__[self._job_kind(job, script)].setdefault("jobs", []).append(job.name)
        for trigger, _ in triggers:
            report.__dict__[self._trigger_kind(trigger)].setdefault("triggers", []).append(
                trigger.name
            )
        if prune:
            named = {j.name for j, _ in jobs}
            report.deleted["jobs"] = sorted(set(self.jobs.jobs) - named)
            named = {t.name for t, _ in triggers}
            report.deleted["triggers"] = sorted(set(self.triggers.triggers) - named)
        if not dry_run:
            await self._commit(jobs, triggers, report)
        return report

    async def _commit(
        self,
        jobs: list[tuple[Job, str | None]],
        triggers: list[tuple[Trigger, bool]],
        report: ApplyReport,
    ) -> None:
        for name in report.deleted.get("triggers", []):
            del self.triggers.triggers[name]
        for name in report.deleted.get("jobs", []):
            del self.jobs.jobs[name]
        for job, script in jobs:
            if job.name in report.created.get("jobs", []):
                await self.jobs.create_job(job, script)
            elif job.name in report.updated.get("jobs", []):
                await self.jobs.update_job(job, script)
        for trigger, start in triggers:
            if trigger.name in report.created.get("triggers", []):
                self.triggers.triggers.pop(trigger.name, None)
                await self.triggers.create_trigger(trigger, start_on_creation=start)
            elif trigger.name in report.updated.get("triggers", []):
                await self.triggers.update_trigger(trigger)

    async def export(self) -> tuple[list[Job], list[Trigger]]:
        jobs = [self.jobs.jobs[n] for n in sorted(self.jobs.jobs)]
        return jobs, [self.triggers.triggers[n] for n in sorted(self.triggers.triggers)]
