"""Job runs: create with a slot decision, guarded transitions with their outbox event, queries.

Every state change here is one transaction: ``UPDATE … WHERE id = :id AND state IN
(:expected)`` (0 rows → InvalidTransition), the outbox row for it, and — when a failed
attempt has retries left — the next attempt. On SQLite the transaction holds the write lock
from its start (BEGIN IMMEDIATE); on PostgreSQL the job row is locked FOR UPDATE, so two
actors never both take a job's last slot.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, update

from stoker.domain.events import EventIdentity, run_status_event, state_change_event
from stoker.domain.ids import new_run_id
from stoker.domain.jobs import ExecutorKind, Job
from stoker.domain.runs import JobRun, execution_seconds, should_retry
from stoker.domain.states import ACTIVE_STATES, RunState
from stoker.errors import ConcurrentRunsExceeded, InvalidTransition, NotFound
from stoker.store import outbox as outbox_rows
from stoker.store.codec import job_from_json, job_from_row, run_from_row, run_values
from stoker.store.engine import Database
from stoker.store.tables import job_runs, jobs

_ACTIVE = [s.value for s in ACTIVE_STATES]

# Statements built once and executed with parameters: on the run-creation path building
# them per call (coercion, cache keys) cost several times what SQLite spent executing them.
_INSERT_RUN = insert(job_runs).returning(*job_runs.c)
_JOB = select(jobs).where(jobs.c.name == bindparam("name"))
_JOB_LOCKED = _JOB.with_for_update()
_JOB_ACTIVE = (
    select(func.count())
    .select_from(job_runs)
    .where(job_runs.c.job_name == bindparam("name"), job_runs.c.state.in_(_ACTIVE))
)
_POOL_ACTIVE = (
    select(func.count())
    .select_from(job_runs)
    .where(job_runs.c.executor == ExecutorKind.POOL.value, job_runs.c.state.in_(_ACTIVE))
)
_JOB_QUEUED = select(
    select(job_runs.c.seq)
    .where(job_runs.c.state == RunState.WAITING.value, job_runs.c.job_name == bindparam("name"))
    .exists()
)
_POOL_QUEUED = select(
    select(job_runs.c.seq)
    .where(
        job_runs.c.state == RunState.WAITING.value,
        job_runs.c.executor == ExecutorKind.POOL.value,
    )
    .exists()
)


@dataclass(frozen=True)
class Transitioned:
    """A transition's result: the run as now stored, the retry it started, if any, and the
    runs conditional triggers started from this completion (same transaction)."""

    run: JobRun
    retry: JobRun | None = None
    started: tuple[JobRun, ...] = ()


#: Called inside a terminal transition's transaction (conditional triggers hook in here).
CompletionHook = Callable[[Connection, JobRun, datetime], list[JobRun]]


class RunStore:
    """Run rows and their state machine. ``pool_capacity`` is how many pool runs may be active."""

    def __init__(self, db: Database, identity: EventIdentity, pool_capacity: int) -> None:
        self._db = db
        self._identity = identity
        self.pool_capacity = pool_capacity
        self.on_completion: CompletionHook | None = None

    # -- writes ---------------------------------------------------------------------------

    def create(self, run: JobRun, job: Job, now: datetime) -> JobRun:
        """Insert a new run as STARTING when a slot is free, else WAITING (or refuse)."""
        with self._db.write() as conn:
            return self.insert_in(conn, run, job, now, refuse=True)

    def insert_in(
        self, conn: Connection, run: JobRun, job: Job, now: datetime, *, refuse: bool
    ) -> JobRun:
        """Insert a run in the caller's transaction. Over the job's limit with queuing off:
        ``refuse`` raises ConcurrentRunsExceeded (an API call, no run is created); otherwise
        the run is recorded FAILED, as Glue does for trigger-started runs."""
        current = self.lock_job(conn, job.name)
        limit = current.max_concurrent_runs if current else job.max_concurrent_runs
        free, reason = self._slot(conn, job.name, limit, run.executor)
        if not free and not run.queuing_enabled and reason == "job":
            message = (
                f"Concurrent runs exceeded for {job.name}: it allows {limit} at a time "
                "and job-run queuing is off for this run"
            )
            if refuse:
                raise ConcurrentRunsExceeded(message, field="max_concurrent_runs", value=limit)
            return self.insert_ended(conn, run, job, state=RunState.FAILED, error=message, now=now)
        state = RunState.STARTING if free else RunState.WAITING
        detail = None if free else _waiting_detail(reason, limit)
        return self._insert(conn, replace(run, state=state, state_detail=detail), job, now)

    def insert_ended(
        self, conn: Connection, run: JobRun, job: Job, *, state: RunState, error: str,
        now: datetime,
    ) -> JobRun:  # fmt: skip
        """Record a run that could not start (deleted job, refused) as already ended."""
        ended = replace(run, state=state, error_message=error, completed_on=now)
        return self._insert(conn, ended, job, now)

    def transition(
        self,
        run_id: str,
        expected: RunState | Iterable[RunState],
        target: RunState,
        now: datetime,
        *,
        error_message: str | None = None,
        state_detail: str | None = None,
    ) -> Transitioned:
        sources = [expected] if isinstance(expected, RunState) else list(expected)
        values: dict[str, Any] = {"state": target.value, "last_modified_on": now}
        if error_message is not None:
            values["error_message"] = error_message
        if state_detail is not None:
            values["state_detail"] = state_detail
        if target is RunState.RUNNING:
            values["running_on"] = now
        with self._db.write() as conn:
            before = self._get(conn, run_id)
            if target.terminal:
                values["completed_on"] = now
                values["execution_time"] = execution_seconds(before.running_on, now)
            row = conn.execute(
                update(job_runs)
                .where(job_runs.c.id == run_id, job_runs.c.state.in_([s.value for s in sources]))
                .values(**values)
                .returning(*job_runs.c)
            ).one_or_none()
            if row is None:
                raise InvalidTransition(
                    f"run {run_id} is {before.state.value}, not "
                    f"{' or '.join(s.value for s in sources)}; cannot move it to {target.value}",
                    field="state",
                    value=before.state.value,
                )
            run = run_from_row(row)
            self._event(conn, run, before.state, now)
            if should_retry(run.state, run.attempt, run.max_retries):
                # Not the job's outcome yet: its next attempt's end is what triggers see.
                return Transitioned(run, self._next_attempt(conn, run, now))
            started: list[JobRun] = []
            if run.state.terminal and self.on_completion is not None:
                started = self.on_completion(conn, run, now)
            return Transitioned(run, None, tuple(started))

    def notify_delay(self, run_id: str, now: datetime) -> JobRun | None:
        """Write the run's "Job Run Status" event if it is still STARTING, RUNNING or
        STOPPING and has not had one; None otherwise. The flag and the event are one
        transaction, so the notification happens once, across restarts too."""
        with self._db.write() as conn:
            row = conn.execute(
                update(job_runs)
                .where(
                    job_runs.c.id == run_id,
                    job_runs.c.state.in_(_ACTIVE),
                    job_runs.c.delay_notified.is_(False),
                )
                .values(delay_notified=True)
                .returning(*job_runs.c)
            ).one_or_none()
            if row is None:
                return None
            run = run_from_row(row)
            outbox_rows.append(conn, run_status_event(run, now, self._identity), run.id, now)
            return run

    def promote_waiting(self, now: datetime) -> list[tuple[JobRun, Job]]:
        """Move WAITING runs that now have a slot to STARTING, oldest first.

        Reads only ids and counts until a run is actually promoted: the queue may hold
        thousands of runs and this runs on every completion.
        """
        promoted: list[tuple[JobRun, Job]] = []
        with self._db.write() as conn:
            waiting = conn.execute(
                select(job_runs.c.id, job_runs.c.job_name, job_runs.c.executor)
                .where(job_runs.c.state == RunState.WAITING.value)
                .order_by(job_runs.c.seq)
            ).all()
            if not waiting:
                return promoted
            pool_free = self.pool_capacity - self._pool_used(conn)
            limits: dict[str, int | None] = {}
            blocked: set[str] = set()
            for run_id, job_name, executor in waiting:
                if job_name in blocked:
                    continue
                if job_name not in limits:
                    limits[job_name] = self._job_room(conn, job_name)
                room = limits[job_name]
                if room is None:
                    self._force(conn, run_id, RunState.WAITING, RunState.ERROR, now=now,
                                error=_deleted(job_name))  # fmt: skip
                    continue
                is_pool = executor == ExecutorKind.POOL.value
                if room <= 0 or (is_pool and pool_free <= 0):
                    blocked.add(job_name)
                    continue
                run, snapshot = self._force(
                    conn, run_id, RunState.WAITING, RunState.STARTING, now=now
                )
                promoted.append((run, job_from_json(snapshot)))
                limits[job_name] = room - 1
                pool_free -= 1 if is_pool else 0
        return promoted

    # -- reads ----------------------------------------------------------------------------

    def get(self, run_id: str) -> JobRun:
        with self._db.read() as conn:
            return self._get(conn, run_id)

    def snapshot(self, run_id: str) -> tuple[JobRun, Job]:
        """The run and the job definition it runs with (its own copy)."""
        with self._db.read() as conn:
            row = conn.execute(select(job_runs).where(job_runs.c.id == run_id)).one_or_none()
        if row is None:
            raise _missing(run_id)
        return run_from_row(row), job_from_json(row.job_snapshot)

    def list_runs(
        self,
        *,
        job_name: str | None = None,
        state: RunState | None = None,
        limit: int = 100,
        before_seq: int | None = None,
    ) -> list[JobRun]:
        query = select(job_runs).order_by(job_runs.c.seq.desc()).limit(limit)
        if job_name is not None:
            query = query.where(job_runs.c.job_name == job_name)
        if state is not None:
            query = query.where(job_runs.c.state == state.value)
        if before_seq is not None:
            query = query.where(job_runs.c.seq < before_seq)
        with self._db.read() as conn:
            return [run_from_row(row) for row in conn.execute(query)]

    def live(self) -> list[JobRun]:
        """Every run not in a terminal state, oldest first (what recovery must settle)."""
        query = (
            select(job_runs)
            .where(job_runs.c.state.in_([s.value for s in RunState if s.live]))
            .order_by(job_runs.c.seq)
        )
        with self._db.read() as conn:
            return [run_from_row(row) for row in conn.execute(query)]

    # -- internals ------------------------------------------------------------------------

    def get_in(self, conn: Connection, run_id: str) -> JobRun:
        return self._get(conn, run_id)

    def _get(self, conn: Connection, run_id: str) -> JobRun:
        row = conn.execute(select(job_runs).where(job_runs.c.id == run_id)).one_or_none()
        if row is None:
            raise _missing(run_id)
        return run_from_row(row)

    def lock_job(self, conn: Connection, name: str) -> Job | None:
        """The job's current definition, its row locked for this transaction (PostgreSQL)."""
        query = _JOB if self._db.is_sqlite else _JOB_LOCKED
        row = conn.execute(query, {"name": name}).one_or_none()
        return job_from_row(row) if row else None

    def _slot(
        self, conn: Connection, job_name: str, limit: int, executor: ExecutorKind
    ) -> tuple[bool, str]:
        """Is a slot free for a new run of this job? FIFO: anyone already waiting goes first.

        Only the active runs are counted; the queue is probed with EXISTS, so a deep queue
        costs nothing here.
        """
        job_active = conn.execute(_JOB_ACTIVE, {"name": job_name}).scalar_one()
        if job_active >= limit or conn.execute(_JOB_QUEUED, {"name": job_name}).scalar_one():
            return False, "job"
        if executor is ExecutorKind.POOL and (
            conn.execute(_POOL_QUEUED).scalar_one() or self._pool_used(conn) >= self.pool_capacity
        ):
            return False, "pool"
        return True, ""

    def _pool_used(self, conn: Connection) -> int:
        return int(conn.execute(_POOL_ACTIVE).scalar_one())

    def _job_room(self, conn: Connection, job_name: str) -> int | None:
        """Free slots of a job (locked for the rest of the transaction); None if deleted."""
        job = self.lock_job(conn, job_name)
        if job is None:
            return None
        active = conn.execute(_JOB_ACTIVE, {"name": job_name}).scalar_one()
        return job.max_concurrent_runs - int(active)

    def _force(
        self,
        conn: Connection,
        run_id: str,
        source: RunState,
        target: RunState,
        *,
        now: datetime,
        error: str = "",
    ) -> tuple[JobRun, dict[str, Any]]:
        """Move a run without an executor's say (queue, recovery); returns it and its
        job snapshot."""
        values: dict[str, Any] = {"state": target.value, "last_modified_on": now}
        if target.terminal:
            values.update(completed_on=now, error_message=error or None)
        if target is RunState.STARTING:
            values["state_detail"] = None
        row = conn.execute(
            update(job_runs)
            .where(job_runs.c.id == run_id, job_runs.c.state == source.value)
            .values(**values)
            .returning(*job_runs.c)
        ).one()
        moved = run_from_row(row)
        self._event(conn, moved, source, now)
        return moved, row.job_snapshot

    def _insert(self, conn: Connection, run: JobRun, job: Job, now: datetime) -> JobRun:
        row = conn.execute(_INSERT_RUN, run_values(run, job)).one()
        created = run_from_row(row)
        self._event(conn, created, None, now)
        return created

    def _next_attempt(self, conn: Connection, failed: JobRun, now: datetime) -> JobRun:
        row = conn.execute(select(job_runs.c.job_snapshot).where(job_runs.c.id == failed.id)).one()
        current = self.lock_job(conn, failed.job_name)
        job = current or job_from_json(row.job_snapshot)
        free, reason = self._slot(conn, job.name, job.max_concurrent_runs, failed.executor)
        retry = replace(
            failed,
            id=new_run_id(),
            state=RunState.STARTING if free else RunState.WAITING,
            attempt=failed.attempt + 1,
            previous_run_id=failed.id,
            started_on=now,
            last_modified_on=now,
            running_on=None,
            completed_on=None,
            execution_time=0,
            error_message=None,
            state_detail=None if free else _waiting_detail(reason, job.max_concurrent_runs),
        )
        return self._insert(conn, retry, job, now)

    def _event(
        self, conn: Connection, run: JobRun, previous: RunState | None, now: datetime
    ) -> None:
        payload = state_change_event(run, previous, now, self._identity)
        outbox_rows.append(conn, payload, run.id, now)


def _waiting_detail(reason: str, limit: int) -> str:
    if reason == "pool":
        return "waiting for a free warm driver (pool capacity reached)"
    return f"waiting for a slot: the job allows {limit} concurrent run(s)"


def _deleted(job_name: str) -> str:
    return f"job {job_name!r} was deleted while the run was waiting"


def _missing(run_id: str) -> NotFound:
    return NotFound(f"job run {run_id!r} does not exist", field="run_id", value=run_id)
