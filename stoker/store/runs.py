"""Job runs: the writes the run state table allows, each with its outbox event; queries.

The store serves, it does not decide: every write takes its allowed states from the table
in ``domain/states.py`` (``sources``, ``initial``) — a write the table forbids raises
InvalidTransition and is never sent — and the slot decision, FIFO order and promotion are
``domain/slots.py``'s, fed with what the store read inside the same transaction. Each
state change is one transaction: ``UPDATE … WHERE id = :id AND state IN (…)`` (0 rows →
InvalidTransition), the outbox row for it, and — when a failed attempt has retries left —
the next attempt. On SQLite the transaction holds the write lock from its start (BEGIN
IMMEDIATE); on PostgreSQL the job row is locked FOR UPDATE, so two actors never both take
a job's last slot. Callers: the run service (create, transition, promote_waiting) and
trigger fires (store/firing.py: insert_in, insert_ended).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, func, insert, select, update

from stoker.domain.bookmarks import BookmarkCommit
from stoker.domain.events import EventIdentity, run_status_event, state_change_event
from stoker.domain.ids import new_run_id
from stoker.domain.jobs import ExecutorKind, Job
from stoker.domain.runs import JobRun, RunFilter, execution_seconds, should_retry
from stoker.domain.slots import (
    JobOccupancy,
    Move,
    Placement,
    PoolOccupancy,
    Queued,
    Slots,
    job_blocks,
    place,
    promote,
)
from stoker.domain.states import ACTIVE_STATES, RunState, initial, sources
from stoker.domain.summary import DayCount
from stoker.errors import ConcurrentRunsExceeded, InvalidTransition, NotFound
from stoker.store import last_runs
from stoker.store import outbox as outbox_rows
from stoker.store.bookmarks import BookmarkStore
from stoker.store.codec import job_from_json, job_from_row, run_from_row, run_values
from stoker.store.engine import Database
from stoker.store.run_counts import count_ended, day_counts
from stoker.store.run_queries import page_query, started_seq_bounds
from stoker.store.tables import job_runs, jobs

_ACTIVE = [s.value for s in ACTIVE_STATES]
_POOL = ExecutorKind.POOL.value

# Statements built once and executed with parameters: on the run-creation path building
# them per call (coercion, cache keys) cost several times what SQLite spent executing them.
_INSERT_RUN = insert(job_runs).returning(*job_runs.c)
_JOB = select(jobs).where(jobs.c.name == bindparam("name"))
_JOB_LOCKED = _JOB.with_for_update()
_OF_JOB = job_runs.c.job_name == bindparam("name")
_IN_POOL = job_runs.c.executor == _POOL
_EVERY_RUN = RunFilter()


def _active(where: Any) -> Any:
    active = job_runs.c.state.in_(_ACTIVE)
    return select(func.count()).select_from(job_runs).where(where, active).scalar_subquery()


def _waiting(where: Any) -> Any:
    return select(job_runs.c.seq).where(job_runs.c.state == RunState.WAITING.value, where).exists()


# What the slot decision needs, one statement for the job and, only when the job leaves
# room, one for the pool: active runs are counted (few), the queue is only probed with
# EXISTS, so a deep queue costs nothing here.
_JOB_OCCUPANCY = select(_active(_OF_JOB), _waiting(_OF_JOB))
_POOL_OCCUPANCY = select(_active(_IN_POOL), _waiting(_IN_POOL))
# Promotion reads ids, never the rows' JSON, and only as far as domain.slots.promote
# needs: the queue may hold thousands of runs and this runs on every completion.
_WAITING_BY_JOB = (
    select(job_runs.c.job_name, func.count())
    .where(job_runs.c.state == RunState.WAITING.value)
    .group_by(job_runs.c.job_name)
)
_QUEUE = (
    select(job_runs.c.id, job_runs.c.job_name, job_runs.c.executor)
    .where(job_runs.c.state == RunState.WAITING.value)
    .order_by(job_runs.c.seq)
)
_ACTIVE_BY_JOB = (
    select(job_runs.c.job_name, job_runs.c.executor, func.count())
    .where(job_runs.c.state.in_(_ACTIVE))
    .group_by(job_runs.c.job_name, job_runs.c.executor)
)
# Locked in name order, so two promotions never wait on each other's locks.
_LIMITS = (
    select(jobs.c.name, jobs.c.max_concurrent_runs)
    .where(jobs.c.name.in_(bindparam("names", expanding=True)))
    .order_by(jobs.c.name)
)
_LIMITS_LOCKED = _LIMITS.with_for_update()


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
        self._bookmarks = BookmarkStore(db, identity)

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
        placed = self._place(conn, job.name, limit, run.executor, queuing=run.queuing_enabled)
        if placed.state is RunState.FAILED:
            message = placed.detail or ""
            if refuse:
                raise ConcurrentRunsExceeded(message, field="max_concurrent_runs", value=limit)
            return self.insert_ended(conn, run, job, state=RunState.FAILED, error=message, now=now)
        return self._insert(conn, replace(run, state=placed.state, state_detail=placed.detail),
                            job, now)  # fmt: skip

    def insert_ended(
        self, conn: Connection, run: JobRun, job: Job, *, state: RunState, error: str,
        now: datetime,
    ) -> JobRun:  # fmt: skip
        """Record a run that could not start (deleted job, refused) as already ended."""
        ended = replace(run, state=state, error_message=error, completed_on=now)
        return self._insert(conn, ended, job, now, ended=True)

    def transition(
        self,
        run_id: str,
        expected: RunState | Iterable[RunState],
        target: RunState,
        now: datetime,
        *,
        error_message: str | None = None,
        state_detail: str | None = None,
        bookmark: BookmarkCommit | None = None,
    ) -> Transitioned:
        """Move the run to ``target`` from whichever of ``expected`` it is in and the table
        allows; InvalidTransition (nothing written) when it is in none of them.

        ``bookmark`` (a SUCCEEDED run's commit) writes the job's next bookmark version in
        the same transaction, compare-and-set on the version the run read: BookmarkConflict
        rolls the whole transition back, so the run is still live and its state unchanged.
        """
        allowed = sources(expected, target)
        values: dict[str, Any] = {"state": target.value, "last_modified_on": now}
        if error_message is not None:
            values["error_message"] = error_message
        if state_detail is not None:
            values["state_detail"] = state_detail
        if target is RunState.RUNNING:
            values["running_on"] = now
        with self._db.write() as conn:
            before = self._get(conn, run_id)
            # The job's row before the run's: the lock order of every run write.
            last_runs.moving(conn, before.job_name, before.seq, allowed, target)
            if target.terminal:
                values["completed_on"] = now
                values["execution_time"] = execution_seconds(before.running_on, now)
            row = _guarded_update(conn, run_id, allowed, values)
            if row is None:
                raise InvalidTransition(
                    f"run {run_id} is {before.state.value}, not "
                    f"{' or '.join(s.value for s in allowed)}; cannot move it to {target.value}",
                    field="state",
                    value=before.state.value,
                )
            run = run_from_row(row)
            if bookmark is not None and run.state is RunState.SUCCEEDED:
                self._bookmarks.commit_in(conn, run.job_name, bookmark, now)
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
        """Move WAITING runs that now have a slot to STARTING and end in ERROR those whose
        job was deleted (domain.slots.promote decides); each moved run, oldest first, with
        its job snapshot."""
        moved: list[tuple[JobRun, Job]] = []
        with self._db.write() as conn:
            waiting: dict[str, int] = {job: n for job, n in conn.execute(_WAITING_BY_JOB)}
            if not waiting:
                return moved
            slots = self._slots(conn, waiting)
            queue = conn.execute(_QUEUE)
            moves = promote((Queued(i, j, e == _POOL) for i, j, e in queue), slots)
            queue.close()  # before the updates: the rest of the queue is never read
            for move in moves:
                done = self._force(conn, move, now)
                if done is not None:
                    moved.append((done[0], job_from_json(done[1])))
        return moved

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
        self, where: RunFilter = _EVERY_RUN, *, limit: int = 100, before_seq: int | None = None
    ) -> list[JobRun]:
        """Newest first (seq descending), seq < ``before_seq`` (store/run_queries.py)."""
        with self._db.read() as conn:
            bounds = started_seq_bounds(conn, where)
            if bounds is None:
                return []
            rows = conn.execute(page_query(where, limit, before_seq, bounds))
            return [run_from_row(row) for row in rows]

    def day_counts(
        self, since: datetime, until: datetime, job_name: str | None = None
    ) -> list[DayCount]:
        """Runs started in [since, until) by UTC day and state (store/run_counts.py)."""
        with self._db.read() as conn:
            return day_counts(conn, since, until, job_name)

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

    def _place(
        self, conn: Connection, job_name: str, limit: int, executor: ExecutorKind, *,
        queuing: bool,
    ) -> Placement:  # fmt: skip
        """Where a new run of the job starts (domain.slots.place), from the occupancy read
        after the job row was locked. The pool is not read when the job alone decides."""
        active, waiting = conn.execute(_JOB_OCCUPANCY, {"name": job_name}).one()
        job = JobOccupancy(limit, active, bool(waiting))
        pool = None
        if executor is ExecutorKind.POOL and not job_blocks(job):
            pool_active, pool_waiting = conn.execute(_POOL_OCCUPANCY).one()
            pool = PoolOccupancy(self.pool_capacity, pool_active, bool(pool_waiting))
        return place(job_name, job, pool, queuing=queuing)

    def _slots(self, conn: Connection, waiting: dict[str, int]) -> Slots:
        """The queued jobs' limits (rows locked first, on PostgreSQL) and the active runs."""
        query = _LIMITS if self._db.is_sqlite else _LIMITS_LOCKED
        limits: dict[str, int] = {
            name: limit for name, limit in conn.execute(query, {"names": sorted(waiting)})
        }
        active: dict[str, int] = {}
        pool_active = 0
        for job_name, executor, count in conn.execute(_ACTIVE_BY_JOB):
            active[job_name] = active.get(job_name, 0) + count
            pool_active += count if executor == _POOL else 0
        return Slots(waiting, limits, active, self.pool_capacity, pool_active)

    def _force(
        self, conn: Connection, move: Move, now: datetime
    ) -> tuple[JobRun, dict[str, Any]] | None:
        """Apply promotion's move of a WAITING run; returns it and its job snapshot, or None
        if it left WAITING meanwhile (stopped while PostgreSQL read the queue unlocked)."""
        allowed = sources(RunState.WAITING, move.target)
        values: dict[str, Any] = {"state": move.target.value, "last_modified_on": now}
        if move.target.terminal:
            values.update(completed_on=now, error_message=move.error)
        if move.target is RunState.STARTING:
            values["state_detail"] = None
        row = _guarded_update(conn, move.run_id, allowed, values)
        if row is None:
            return None
        moved = run_from_row(row)
        last_runs.moving(conn, moved.job_name, moved.seq, allowed, moved.state)  # rows locked
        self._event(conn, moved, RunState.WAITING, now)
        return moved, row.job_snapshot

    def _insert(
        self, conn: Connection, run: JobRun, job: Job, now: datetime, *, ended: bool = False
    ) -> JobRun:
        initial(run.state, ended=ended)
        row = conn.execute(_INSERT_RUN, run_values(run, job)).one()
        created = run_from_row(row)
        last_runs.inserted(conn, created)  # callers locked the job's row (PostgreSQL)
        self._event(conn, created, None, now)
        return created

    def _next_attempt(self, conn: Connection, failed: JobRun, now: datetime) -> JobRun:
        row = conn.execute(select(job_runs.c.job_snapshot).where(job_runs.c.id == failed.id)).one()
        current = self.lock_job(conn, failed.job_name)
        job = current or job_from_json(row.job_snapshot)
        # The attempt was accepted when the run was: its retry queues, it is never refused.
        placed = self._place(conn, job.name, job.max_concurrent_runs, failed.executor,
                             queuing=True)  # fmt: skip
        retry = replace(
            failed,
            id=new_run_id(),
            state=placed.state,
            attempt=failed.attempt + 1,
            previous_run_id=failed.id,
            started_on=now,
            last_modified_on=now,
            running_on=None,
            completed_on=None,
            execution_time=0,
            error_message=None,
            state_detail=placed.detail,
        )
        return self._insert(conn, retry, job, now)

    def _event(
        self, conn: Connection, run: JobRun, previous: RunState | None, now: datetime
    ) -> None:
        payload = state_change_event(run, previous, now, self._identity)
        outbox_rows.append(conn, payload, run.id, now)
        count_ended(conn, [run])


def _guarded_update(
    conn: Connection, run_id: str, allowed: tuple[RunState, ...], values: dict[str, Any]
) -> Row[Any] | None:
    """The one UPDATE of a stored run's state: it matches only the states ``allowed``."""
    return conn.execute(
        update(job_runs)
        .where(job_runs.c.id == run_id, job_runs.c.state.in_([s.value for s in allowed]))
        .values(**values)
        .returning(*job_runs.c)
    ).one_or_none()


def _missing(run_id: str) -> NotFound:
    return NotFound(f"job run {run_id!r} does not exist", field="run_id", value=run_id)
