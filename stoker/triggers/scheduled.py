"""Scheduled triggers on APScheduler: it computes fire times; one supervised loop waits; we fire.

APScheduler 3 keeps the jobs (one per ACTIVATED SCHEDULED trigger, its trigger a parsed
Schedule) and decides which are due; its wake-ups run in our "scheduler" task instead of
bare loop timers, so an error there is a crash the supervisor sees and restarts, not a
timer that silently never fires again. A small executor hands each due job's scheduled run
times to the trigger service in a one-shot "scheduler.fire" task; the service records the
fire under a unique key (the scheduled time), so a fire happens at most once whatever
APScheduler, a restart or a crash does. Missed fires are never replayed by APScheduler
(coalesce, no misfire limit): catch-up after downtime is the service's decision, per trigger.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

from apscheduler.executors.base import BaseExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.base import BaseScheduler

from stoker.domain.triggers import Trigger, TriggerState, TriggerType
from stoker.tasks import Spawner, Supervised, Unsupervised, wait_any
from stoker.triggers.cron.expressions import parse_schedule

log = logging.getLogger(__name__)

#: (trigger name, scheduled fire times due now, oldest first) → fire.
FireCallback = Callable[[str, list[datetime]], Coroutine[Any, Any, None]]


class _FireExecutor(BaseExecutor):  # type: ignore[misc]  # apscheduler ships no type hints
    """Runs no job function: passes the due run times to the fire callback."""

    def __init__(self, fire: FireCallback, tasks: Spawner) -> None:
        super().__init__()
        self._fire = fire
        self._spawner = tasks

    def _do_submit_job(self, job: Any, run_times: list[datetime]) -> None:
        coro = self._fire(job.id, list(run_times))
        task = self._spawner.spawn("scheduler.fire", coro, {"trigger": job.id})
        task.add_done_callback(functools.partial(self._done, job.id))

    def _done(self, job_id: str, _task: asyncio.Task[None]) -> None:
        # Whatever the outcome (a crash is the spawner's to report): the next fire may come.
        self._run_job_success(job_id, [])


class _Jobs(BaseScheduler):  # type: ignore[misc]  # apscheduler ships no type hints
    """APScheduler's job bookkeeping without timers of its own: ``wakeup`` only sets
    ``changed``; Scheduler's loop calls ``_process_jobs`` (what APScheduler's own
    schedulers call from their timers) and sleeps until the time it returns."""

    def __init__(self, **options: Any) -> None:
        self.changed = asyncio.Event()
        super().__init__(**options)

    def wakeup(self) -> None:
        self.changed.set()

    def shutdown(self, wait: bool = True) -> None:
        super().shutdown(wait)
        self.changed.set()

    def due_in(self) -> float | None:
        """Fire what is due; seconds until the next due job (None: none scheduled)."""
        wait: float | None = self._process_jobs()
        return wait


def _never_called() -> None:
    """APScheduler wants a callable per job; the executor above never calls it."""


class Scheduler:
    """Keeps APScheduler's jobs in step with the ACTIVATED SCHEDULED triggers."""

    def __init__(self, fire: FireCallback, tasks: Spawner | None = None) -> None:
        self._tasks = tasks if tasks is not None else Unsupervised()
        self._scheduler = _Jobs(
            executors={"default": _FireExecutor(fire, self._tasks)},
            job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1000},
            timezone="UTC",
        )
        self._stopping = asyncio.Event()
        self._loop: Supervised | None = None

    def start(self, triggers: list[Trigger]) -> None:
        """Schedule ``triggers``; one that cannot be scheduled is logged and left out, so
        nothing stored can stop the daemon from starting. May follow a ``shutdown``: a
        cluster member starts and stops scheduling as it takes and loses the lease."""
        self._stopping.clear()
        self._scheduler.start()
        for trigger in triggers:
            try:
                self.sync(trigger)
            except Exception:
                log.exception(
                    "trigger cannot be scheduled; skipped",
                    extra={"action": "trigger.unschedulable", "trigger": trigger.name},
                )
        self._loop = self._tasks.supervise("scheduler", self._run)

    async def _run(self) -> None:
        while not self._stopping.is_set():
            self._scheduler.changed.clear()
            wait = self._scheduler.due_in()
            await wait_any(self._scheduler.changed, self._stopping, timeout=wait)

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
        if job is None:
            return None
        if not hasattr(job, "next_run_time"):
            # Pending: not started on this cluster member (another holds the lease and
            # fires it); the schedule still says when it is next due.
            due: datetime | None = job.trigger.get_next_fire_time(None, datetime.now(UTC))
            return due
        scheduled: datetime | None = job.next_run_time
        return scheduled

    @property
    def count(self) -> int:
        return len(self._scheduler.get_jobs())

    async def shutdown(self) -> None:
        self._stopping.set()
        if self._loop is not None:
            await self._loop.join()
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
