"""The run service: the only caller of the store's writes that change a stored run's state.

It creates runs, hands STARTING runs to their executor, turns each executor's report into
a transition, stops runs on request or timeout, settles what recovery finds, and promotes
the queue when the dispatcher asks. Transitions go through RunStore.transition, promotion
through RunStore.promote_waiting; the store writes only what the run state table
(domain/states.py) allows, each change with its outbox row in one transaction. Runs are
also created by trigger fires (store/firing.py, store/event_batches.py; adopted here) and,
as retries, by the transition that ends a failed attempt.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Literal

from stoker.aio import Blocking
from stoker.bookmarks.runs import RunBookmarks
from stoker.bus import Bus, RunChanged
from stoker.datacatalog.runs import RunCatalog
from stoker.domain.bookmarks import BookmarkCommit
from stoker.domain.ids import is_run_id
from stoker.domain.jobs import ExecutorKind, Job
from stoker.domain.runs import MANUAL, Exit, JobRun, Outcome, RunFilter, new_run
from stoker.domain.states import ACTIVE_STATES, RunState
from stoker.domain.summary import RunSummary, check_range, summarize
from stoker.errors import (
    BookmarkConflict,
    InvalidInput,
    InvalidTransition,
    NotFound,
    ShuttingDown,
    StokerError,
)
from stoker.executors.base import Executor, RunSpec
from stoker.roles.runlogs import RunSecurity
from stoker.roles.runs import RunRoles
from stoker.runs.attempt import Attempt
from stoker.runs.context import CannotLaunch, RunContext
from stoker.runs.credentials import RunCredentials
from stoker.runs.delays import DelayNotices
from stoker.runs.timeouts import Deadlines
from stoker.store.jobs import JobStore
from stoker.store.runs import Fence, RunStore, Transitioned
from stoker.tasks import Spawner, Unsupervised

log = logging.getLogger(__name__)
_EVERY_RUN = RunFilter()

#: At shutdown, how long stopped runs may take to end before they are abandoned (the daemon
#: passes ``spark.stop_grace_seconds``).
STOP_WAIT = 10.0
#: How long abandoned runs' watchers get to unwind once cancelled.
ABANDON_WAIT = 2.0
_OUTCOME_STATE = {
    Outcome.SUCCEEDED: RunState.SUCCEEDED,
    Outcome.FAILED: RunState.FAILED,
    Outcome.STOPPED: RunState.STOPPED,
    Outcome.TIMEOUT: RunState.TIMEOUT,
    Outcome.LOST: RunState.ERROR,
}


class RunService:
    """Starts, stops and settles runs; owns the asyncio tasks that watch each attempt."""

    def __init__(
        self,
        *,
        runs: RunStore,
        jobs: JobStore,
        executors: Mapping[ExecutorKind, Executor],
        bus: Bus,
        io: Blocking,
        logs_dir: Path,
        clock: Callable[[], datetime],
        on_delayed: Callable[[JobRun], None] | None = None,
        tasks: Spawner | None = None,
        stop_grace_seconds: float = 10.0,
        bookmarks: RunBookmarks | None = None,
        catalog: RunCatalog | None = None,
        credentials: RunCredentials | None = None,
        roles: RunRoles | None = None,
        security: RunSecurity | None = None,
    ) -> None:
        self._runs = runs
        self._context = RunContext(
            runs=runs, io=io, logs_dir=logs_dir, bookmarks=bookmarks, catalog=catalog,
            credentials=credentials, roles=roles, security=security,
        )  # fmt: skip
        self._spawner = tasks if tasks is not None else Unsupervised()
        self._jobs = jobs
        self._executors = executors
        self._bus = bus
        self._io = io
        self._logs_dir = logs_dir
        self._clock = clock
        self._deadlines = Deadlines(self._on_timeout, clock)
        self._delays = DelayNotices(runs, io, clock, self._spawner, on_delayed)
        self._stop_grace = stop_grace_seconds
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._attempts: dict[str, Attempt] = {}
        self._timed_out: set[str] = set()
        self._stop_details: dict[str, str] = {}
        self.accepting_runs = True

    # -- the API -------------------------------------------------------------------------

    async def start_run(
        self,
        job_name: str,
        arguments: dict[str, str],
        *,
        timeout: int | None = None,
        notify_delay_after: int | None = None,
        queuing: bool | None = None,
        triggered_by: str = MANUAL,
        retry_of: str | None = None,
    ) -> JobRun:
        """Start a run of ``job_name``; with ``retry_of``, the next attempt of that ended run
        (its arguments unless others are given)."""
        if not self.accepting_runs:
            raise ShuttingDown("the daemon is shutting down and does not start new runs")
        job = await self._io(self._jobs.get, job_name)
        previous = await self.get_run(retry_of) if retry_of is not None else None
        run = new_run(
            job,
            self._clock(),
            arguments=arguments or (previous.arguments if previous else {}),
            retry_of=previous,
            timeout=timeout,
            notify_delay_after=notify_delay_after,
            queuing=queuing,
            triggered_by=triggered_by,
        )
        await self._context.check_bookmark_window(job_name, run)
        created = await self._io(self._runs.create, run, job, self._clock())
        log.info(
            "run created",
            extra={
                "action": "run.created",
                "run_id": created.id,
                "job": job_name,
                "state": created.state.value,
            },
        )
        self._changed(created)
        if created.state is RunState.STARTING:
            self.launch(created, job)
        return created

    async def stop_run(self, run_id: str, detail: str = "stopped by request") -> JobRun:
        run = await self.get_run(run_id)
        if run.state is RunState.WAITING:
            stopped = await self._transition(
                run_id, RunState.WAITING, RunState.STOPPED, detail=detail
            )
            return stopped.run
        if run.state is RunState.STOPPING:
            return run
        if run.state.terminal:
            raise InvalidTransition(
                f"run {run_id} already ended ({run.state.value}); only WAITING, STARTING or "
                "RUNNING runs can be stopped",
                field="state",
                value=run.state.value,
            )
        self._stop_details[run_id] = detail
        moved = await self._transition(
            run_id, (RunState.STARTING, RunState.RUNNING), RunState.STOPPING, detail=detail
        )
        attempt = self._attempts.get(run_id)
        if attempt is not None:
            await attempt.stop()
        return moved.run

    async def get_run(self, run_id: str) -> JobRun:
        if not is_run_id(run_id):
            raise NotFound(
                f"{run_id!r} is not a job run id (expected 'jr_' and 64 hex characters)",
                field="run_id",
                value=run_id,
            )
        return await self._io(self._runs.get, run_id)

    async def list_runs(
        self, where: RunFilter = _EVERY_RUN, *, limit: int = 100, before_seq: int | None = None
    ) -> list[JobRun]:
        return await self._io(self._runs.list_runs, where, limit=limit, before_seq=before_seq)

    async def summary(
        self, since: datetime, until: datetime, job_name: str | None = None
    ) -> RunSummary:
        check_range(since, until)
        counts = await self._io(self._runs.day_counts, since, until, job_name)
        return summarize(counts, since, until)

    def log_path(self, run_id: str, stream: Literal["stdout", "stderr"]) -> Path:
        if not is_run_id(run_id):
            raise NotFound(f"{run_id!r} is not a job run id", field="run_id", value=run_id)
        return self._logs_dir / "runs" / run_id / f"{stream}.log"

    # -- lifecycle used by the dispatcher, recovery and the daemon -----------------------

    def launch(self, run: JobRun, job: Job | None = None) -> None:
        """Watch a STARTING run: hand it to its executor and settle how it ends.

        ``job`` is the run's own job snapshot when the caller has it (saves a read).
        """
        if run.id in self._tasks:
            return
        self._delays.arm(run)
        task = self._spawner.spawn("run", self._execute(run, job), {"run_id": run.id})
        self._tasks[run.id] = task
        task.add_done_callback(functools.partial(self._forget, run.id))

    def _forget(self, run_id: str, _task: asyncio.Task[None]) -> None:
        # A watcher that crashed (settling failed: the store, most likely) was logged and
        # counted by the spawner; recovery settles its run at the next start.
        self._tasks.pop(run_id, None)

    async def adopt(self, runs: Iterable[JobRun]) -> None:
        """Runs created elsewhere in a transaction (trigger fires): announce and launch.

        While the daemon shuts down they go back to WAITING instead, so the next start
        dispatches them rather than recovery calling them lost.
        """
        for run in runs:
            self._changed(run)
            if run.state is not RunState.STARTING:
                continue
            if self.accepting_runs:
                self.launch(run)
            else:
                await self._transition(run.id, RunState.STARTING, RunState.WAITING,
                                       detail="the daemon was shutting down; starts when "
                                       "it is back")  # fmt: skip

    async def dequeue(self) -> int:
        """Promote the WAITING runs that have a slot (the dispatcher's step) and launch them;
        how many were promoted."""
        moved = await self._io(self._runs.promote_waiting, self._clock())
        for run, job in moved:
            self._changed(run)
            if run.state is RunState.STARTING:
                log.info("run dequeued", extra={"action": "run.dequeued", "run_id": run.id,
                                                "job": run.job_name})  # fmt: skip
                self.launch(run, job)
        return sum(run.state is RunState.STARTING for run, _ in moved)

    @property
    def active_count(self) -> int:
        return len(self._tasks)

    async def drain(self, grace: float, detail: str, *, stop_grace: float = STOP_WAIT) -> None:
        """Shutdown: wait ``grace`` seconds for runs to end, then stop the rest; those still
        live ``stop_grace`` seconds later are abandoned. Returns within about
        ``grace + stop_grace`` seconds whatever the executors do."""
        self.accepting_runs = False
        await _wait(self._tasks.values(), grace)
        stops = [
            self._spawner.spawn("run.shutdown_stop", self._stop_for_shutdown(run_id, detail),
                                {"run_id": run_id})
            for run_id in list(self._tasks)
        ]  # fmt: skip
        await _wait(self._tasks.values(), stop_grace)
        for stop in stops:
            stop.cancel()
        await self.abandon(detail)

    async def abandon(self, detail: str) -> None:
        """End every run still watched, now: cancel its watcher and record it STOPPED.

        What an executor still runs for it is killed when the executor closes (right after,
        at shutdown). A watcher that ignores the cancel is left behind, not waited for.
        """
        self.accepting_runs = False
        left = dict(self._tasks)
        for task in left.values():
            task.cancel()
        await _wait(left.values(), ABANDON_WAIT)
        for run_id in left:
            await self._stop_abandoned(run_id, f"{detail} (it did not end in time)")
        self._deadlines.cancel_all()
        self._delays.cancel_all()

    async def settle(
        self, run: JobRun, target: RunState, detail: str, *, fence: Fence | None = None
    ) -> Transitioned:
        """Recovery: force a run nobody is executing into a terminal state; ``fence`` (the
        lease holder's token check) refuses the write once another member holds the lease."""
        error = detail if target is RunState.ERROR else None
        await self._context.apply_catalog(run.id)
        return await self._finish_transition(
            run.id, run.state, target, error=error, detail=detail, fence=fence
        )

    # -- internals -----------------------------------------------------------------------

    async def _execute(self, run: JobRun, known: Job | None) -> None:
        run_id = run.id
        if known is None:
            run, job = await self._io(self._runs.snapshot, run_id)
        else:
            job = known
        prepared = await self._context.prepare(run, job)
        if isinstance(prepared, CannotLaunch):
            await asyncio.shield(self._settle_exit(run, Exit(Outcome.LOST, prepared.message)))
            return
        spec = RunSpec(
            run_id=run.id,
            job_name=run.job_name,
            attempt=run.attempt,
            kind=run.executor,
            script_location=job.script_location,
            arguments={**run.resolved_arguments, **prepared.arguments},
            stdout_path=self.log_path(run.id, "stdout"),
            stderr_path=self.log_path(run.id, "stderr"),
            resources=job.resources,
            spark_conf=job.spark_conf,
            env=prepared.env,
            hadoop_conf=prepared.hadoop_conf,
        )
        attempt = Attempt(spec, self._executors[run.executor], self._stop_grace)
        self._attempts[run_id] = attempt
        try:
            outcome = await attempt.run(self._after_start)
        finally:
            self._context.attempt_ended(run_id)
            self._attempts.pop(run_id, None)
            self._deadlines.cancel(run_id)
            self._delays.cancel(run_id)
        if prepared.config is not None and prepared.config.run_logs:
            await asyncio.shield(self._context.seal_logs(run_id))
        await asyncio.shield(self._settle_exit(run, outcome))

    async def sealed_log(self, run_id: str, stream: Literal["stdout", "stderr"]) -> bytes | None:
        """A sealed log decrypted (DecryptionFailed naming the run's security
        configuration); None when it is a plain file, read from ``log_path``."""
        self.log_path(run_id, stream)
        return await self._context.sealed_log(run_id, stream)

    async def _after_start(self, attempt: Attempt) -> None:
        try:
            moved = await self._transition(attempt.run_id, RunState.STARTING, RunState.RUNNING)
        except InvalidTransition:
            # Stopped while it was STARTING: the script has just been launched, end it.
            await attempt.stop()
            return
        assert moved.run.running_on is not None
        self._deadlines.arm(attempt.run_id, moved.run.running_on, moved.run.timeout)

    async def _settle_exit(self, run: JobRun, outcome: Exit) -> None:
        run_id = run.id
        target = _OUTCOME_STATE[outcome.outcome]
        if run_id in self._timed_out:
            target = RunState.TIMEOUT
        error = outcome.error_message
        if target is RunState.TIMEOUT:
            error = f"Job run timed out after {run.timeout} minute(s)"
        elif target is RunState.STOPPED:
            error = None
        detail = self._stop_details.pop(run_id, None)
        self._timed_out.discard(run_id)
        await self._context.apply_catalog(run_id)
        commit = None
        if target is RunState.SUCCEEDED:
            try:
                commit = await self._context.take_commit(run)
            except InvalidInput as exc:
                target, error = RunState.FAILED, f"BookmarkError: {exc.message}"
        try:
            try:
                await self._finish_transition(run_id, ACTIVE_STATES, target, error=error,
                                              detail=detail, bookmark=commit)  # fmt: skip
            except BookmarkConflict as exc:
                await self._finish_transition(run_id, ACTIVE_STATES, RunState.FAILED,
                                              error=f"BookmarkConflict: {exc.message}",
                                              detail=detail)  # fmt: skip
        except InvalidTransition:
            log.warning(
                "run already settled", extra={"action": "run.settle_skipped", "run_id": run_id}
            )

    async def _finish_transition(
        self,
        run_id: str,
        expected: RunState | Iterable[RunState],
        target: RunState,
        *,
        error: str | None,
        detail: str | None = None,
        bookmark: BookmarkCommit | None = None,
        fence: Fence | None = None,
    ) -> Transitioned:
        moved = await self._transition(
            run_id, expected, target, error=error, detail=detail, bookmark=bookmark, fence=fence
        )
        log.info(
            "run ended",
            extra={
                "action": "run.ended",
                "run_id": run_id,
                "job": moved.run.job_name,
                "state": target.value,
                "execution_time": moved.run.execution_time,
            },
        )
        await self.adopt(moved.started)
        if moved.retry is not None:
            log.info(
                "retrying run",
                extra={
                    "action": "run.retry",
                    "run_id": moved.retry.id,
                    "previous_run_id": run_id,
                    "attempt": moved.retry.attempt,
                },
            )
            self._changed(moved.retry)
            if moved.retry.state is RunState.STARTING:
                self.launch(moved.retry)
        return moved

    async def _transition(
        self,
        run_id: str,
        expected: RunState | Iterable[RunState],
        target: RunState,
        *,
        error: str | None = None,
        detail: str | None = None,
        bookmark: BookmarkCommit | None = None,
        fence: Fence | None = None,
    ) -> Transitioned:
        moved = await self._io(
            self._runs.transition,
            run_id,
            expected,
            target,
            self._clock(),
            error_message=error,
            state_detail=detail,
            bookmark=bookmark,
            fence=fence,
        )
        self._changed(moved.run)
        return moved

    def _changed(self, run: JobRun) -> None:
        self._bus.publish(RunChanged(run))

    def _on_timeout(self, run_id: str) -> None:
        attempt = self._attempts.get(run_id)
        if attempt is None:
            return
        log.info("run timed out", extra={"action": "run.timeout", "run_id": run_id})
        self._timed_out.add(run_id)
        self._spawner.spawn("run.timeout_stop", attempt.stop(), {"run_id": run_id})

    async def _stop_for_shutdown(self, run_id: str, detail: str) -> None:
        with contextlib.suppress(InvalidTransition, NotFound):  # it ended meanwhile
            await self.stop_run(run_id, detail)

    async def _stop_abandoned(self, run_id: str, detail: str) -> None:
        try:
            run = await self.get_run(run_id)
            if run.state in (RunState.STARTING, RunState.RUNNING):
                run = (await self._transition(run_id, run.state, RunState.STOPPING)).run
            if run.state is RunState.STOPPING:
                await self._finish_transition(
                    run_id, RunState.STOPPING, RunState.STOPPED, error=None, detail=detail
                )
        except StokerError as exc:  # it ended meanwhile, or the store is gone: recovery settles it
            log.warning("abandoned run not recorded: %s", exc.message,
                        extra={"action": "run.abandon_failed", "run_id": run_id})  # fmt: skip


async def _wait(tasks: Iterable[asyncio.Task[None]], timeout: float) -> None:
    pending = list(tasks)
    if pending:
        await asyncio.wait(pending, timeout=timeout)
