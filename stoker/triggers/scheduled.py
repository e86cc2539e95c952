"""Scheduled triggers on APScheduler: it computes and waits for fire times; we fire.

APScheduler 3's AsyncIOScheduler owns the timers (one job per ACTIVATED SCHEDULED
trigger, its trigger a parsed Schedule). A small executor receives each due job with its
scheduled run times and hands them to the trigger service, which records the fire under a
unique key (the scheduled time), so a fire happens at most once whatever APScheduler or a
restart does. Missed fires are never replayed by APScheduler (coalesce, no misfire limit):
catch-up after downtime is the service's decision, per trigger.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any

from apscheduler.executors.base import BaseExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from stoker.domain.triggers import Trigger, TriggerState, TriggerType
from stoker.triggers.cron.expressions import parse_schedule

log = logging.getLogger(__name__)

#: (trigger name, scheduled fire times due now, oldest first) → fire.
FireCallback = Callable[[str, list[datetime]], Coroutine[Any, Any, None]]


class _FireExecutor(BaseExecutor):  # type: ignore[misc]  # apscheduler ships no type hints
    """Runs no job function: passes the due run times to the fire callback."""

    def __init__(self, fire: FireCallback) -> None:
        super().__init__()
        self._fire = fire
        self._tasks: set[asyncio.Task[None]] = set()

    def _do_submit_job(self, job: Any, run_times: list[datetime]) -> None:
        task = asyncio.get_running_loop().create_task(self._fire(job.id, list(run_times)))
        self._tasks.add(task)
        task.add_done_callback(functools.partial(self._done, job.id))

    def _done(self, job_id: str, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._run_job_success(job_id, [])


def _never_called() -> None:
    """APScheduler wants a callable per job; the executor above never calls it."""


class Scheduler:
    """Keeps APScheduler's jobs in step with the ACTIVATED SCHEDULED triggers."""

    def __init__(self, fire: FireCallback) -> None:
        self._scheduler = AsyncIOScheduler(
            executors={"default": _FireExecutor(fire)},
            job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1000},
            timezone="UTC",
        )

    def start(self, triggers: list[Trigger]) -> None:
        """Schedule ``triggers``; one that cannot be scheduled is logged and left out, so
        nothing stored can stop the daemon from starting."""
        self._scheduler.start()
        for trigger in triggers:
            try:
                self.sync(trigger)
            except Exception:
                log.exception(
                    "trigger cannot be scheduled; skipped",
                    extra={"action": "trigger.unschedulable", "trigger": trigger.name},
                )

    def sync(self, trigger: Trigger) -> None:
        """Schedule, reschedule or unschedule ``trigger`` to match its definition/state."""
        if trigger.type is TriggerType.SCHEDULED and trigger.state is TriggerState.ACTIVATED:
            assert trigger.schedule is not None
            self._scheduler.add_job(
                _never_called,
                trigger=parse_schedule(trigger.schedule, trigger.timezone),
                id=trigger.name,
                name=trigger.name,
                replace_existing=True,
            )
        else:
            self.remove(trigger.name)

    def remove(self, name: str) -> None:
        with contextlib.suppress(JobLookupError):
            self._scheduler.remove_job(name)

    def next_fire_time(self, name: str) -> datetime | None:
        job = self._scheduler.get_job(name)
        return job.next_run_time if job is not None else None

    @property
    def count(self) -> int:
        return len(self._scheduler.get_jobs())

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
