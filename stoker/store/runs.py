"""Job runs: the writes the run state table allows, each with its outbox event.

The store serves, it does not decide: every write takes its allowed states from the table
in ``domain/states.py`` (``sources``, ``initial``) — a write the table forbids raises
InvalidTransition and is never sent — and the slot decision, FIFO order and promotion are
``domain/slots.py``'s, fed with what the store read inside the same transaction. Each
state change is one transaction: ``UPDATE … WHERE id = :id AND state IN (…)`` (0 rows →
InvalidTransition), the outbox row for it, and — when a failed attempt has retries left —
the next attempt. On SQLite the transaction holds the write lock from its start (BEGIN
IMMEDIATE); on PostgreSQL the job row is locked FOR UPDATE, so two actors never both take
a job's last slot. Callers: the run service (create, transition, promote_waiting) and
trigger fires (store/firing.py: insert_in, insert_ended). What the slot decisions read is
store/run_slots.py's; the reads of stored runs are store/run_reads.py's (RunReader).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, insert, select, update

from stoker.domain.bookmarks import BookmarkCommit
from stoker.domain.events import EventIdentity, run_status_event, state_change_event
from stoker.domain.ids import new_run_id
from stoker.domain.jobs import ExecutorKind, Job
from stoker.domain.runs import JobRun, execution_seconds, should_retry
from stoker.domain.slots import Move, Placement, Request, promote
from stoker.domain.states import ACTIVE_STATES, RunState, initial, sources
from stoker.errors import ConcurrentRunsExceeded, InvalidTransition
from stoker.store import last_runs, run_slots
from stoker.store import outbox as outbox_rows
from stoker.store.bookmarks import BookmarkStore
from stoker.store.codec import job_from_json, job_from_row, run_from_row, run_values
from stoker.store.engine import Database
from stoker.store.run_counts import count_ended
from stoker.store.run_reads import RunReader
from stoker.store.tables import job_runs, jobs

_ACTIVE = [s.value for s in ACTIVE_STATES]

# Statements built once and executed with parameters: on the run-creation path building
# them per call (coercion, cache keys) cost several times what SQLite spent executing them.
_INSERT_RUN = insert(job_runs).returning(*job_runs.c)
_JOB = select(jobs).where(jobs.c.name == bindparam("name"))
_JOB_LOCKED = _JOB.with_for_update()
# A burst's runs: multi-row INSERTs (insertmanyvalues), inserted in their order, so their
# seqs (the queue's FIFO) follow it. Only (id, seq) come back, matched by id: the rest is
# what was written, and sorting the rows by parameter would make SQLite fall back to one
# INSERT a row.
_INSERT_RUNS = insert(job_runs).returning(job_runs.c.id, job_runs.c.seq)
_JOBS = (
    select(jobs).where(jobs.c.name.in_(bindparam("names", expanding=True))).order_by(jobs.c.name)
)
_JOBS_LOCKED = _JOBS.with_for_update()


@dataclass(frozen=True)
class NewRun:
    """One run of a burst to insert: the run (its state is decided on insert), its job's
    current definition, and, when the run cannot start (a deleted or unreadable job, bad
    arguments), the error it is recorded ERROR with."""

    run: JobRun
    job: Job
    error: str | None = None


@dataclass(frozen=True)
class Transitioned:
    """A transition's result: the run as now stored, the retry it started, if any, and the
    runs conditional triggers started from this completion (same transaction)."""

    run: JobRun
    retry: JobRun | None = None
    started: tuple[JobRun, ...] = ()


#: Called inside a terminal transition's transaction (conditional triggers hook in here).
CompletionHook = Callable[[Connection, JobRun, datetime], list[JobRun]]
#: Called first in a transition's transaction; raises to refuse it (store.cluster.fence).
Fence = Callable[[Connection], None]


class RunStore(RunReader):
    """Run rows and their state machine (the reads are RunReader's). ``pool_capacity`` is how
    many pool runs may be active: the pool's size less the drivers interactive sessions hold
    (``pool_reserved``)."""

    def __init__(
        self,
        db: Database,
        identity: EventIdentity,
        pool_capacity: int,
        member_id: str | None = None,
    ) -> None:
        super().__init__(db)
        #: The cluster member this store starts runs for: recorded on each run it moves to
        #: STARTING, and its pool is the one ``pool_capacity`` counts (None: not recorded,
        #: the pool is counted over every run).
        self.member_id = member_id
        self._identity = identity
        self._pool_size = pool_capacity
        self.on_completion: CompletionHook | None = None
        #: How many pool drivers are reserved outside runs (the session service's count).
        self.pool_reserved: Callable[[], int] = lambda: 0
        self._bookmarks = BookmarkStore(db, identity)

    @property
    def pool_capacity(self) -> int:
        return max(0, self._pool_size - self.pool_reserved())

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

    def insert_many_in(
        self, conn: Connection, new: Sequence[NewRun], now: datetime
    ) -> list[JobRun]:
        """Insert a burst of runs in the caller's transaction, in order, as ``insert_in``
        with ``refuse=False`` (or ``insert_ended`` for those with an ``error``) would one
        after another: their slots decided together (run_slots.placements), then one
        multi-row INSERT each for the runs and their outbox events. The caller locked the
        jobs' rows (``lock_jobs``) and passes each run's current job."""
        requests = [Request(n.job.name, n.run.executor is ExecutorKind.POOL, n.run.queuing_enabled)
                    for n in new if n.error is None]  # fmt: skip
        limits = {n.job.name: n.job.max_concurrent_runs for n in new if n.error is None}
        placed = iter(run_slots.placements(conn, requests, limits, self.pool_capacity,
                                           member_id=self.member_id))  # fmt: skip
        runs, rows = [], []
        for item in new:
            run, ended = item.run, True
            if item.error is not None:
                run = replace(run, state=RunState.ERROR, error_message=item.error, completed_on=now)
            elif (placement := next(placed)).state is RunState.FAILED:
                run = replace(run, state=RunState.FAILED, error_message=placement.detail or "",
                              completed_on=now)  # fmt: skip
            else:
                # An active run is this member's to execute (as in _insert).
                member = self.member_id if placement.state in ACTIVE_STATES else None
                run, ended = (
                    replace(run, state=placement.state, state_detail=placement.detail,
                            member_id=member),
                    False,
                )  # fmt: skip
            initial(run.state, ended=ended)
            runs.append(run)
            rows.append(run_values(run, item.job))
        if not rows:
            return []
        seqs = {run_id: seq for run_id, seq in conn.execute(_INSERT_RUNS, rows)}
        created = [replace(run, seq=seqs[run.id]) for run in runs]
        last_runs.inserted_many(conn, created)
        outbox_rows.append_many(conn, [(state_change_event(r, None, now, self._identity), r.id)
                                       for r in created], now)  # fmt: skip
        count_ended(conn, created)
        return created

    def lock_jobs(self, conn: Connection, names: Iterable[str]) -> dict[str, Job]:
        """The named jobs' current definitions (a deleted one is absent), their rows locked
        in name order for this transaction (PostgreSQL), so two bursts never deadlock."""
        query = _JOBS if self._db.is_sqlite else _JOBS_LOCKED
        found = conn.execute(query, {"names": sorted(set(names))})
        return {row.name: job_from_row(row) for row in found}

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
        fence: Fence | None = None,
    ) -> Transitioned:
        """Move the run to ``target`` from whichever of ``expected`` it is in and the table
        allows; InvalidTransition (nothing written) when it is in none of them. ``fence``
        runs first in the transaction and may refuse it by raising (a lease's token check).

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
            if fence is not None:
                fence(conn)
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
            waiting = run_slots.waiting_by_job(conn)
            if not waiting:
                return moved
            lock = not self._db.is_sqlite  # SQLite's transaction holds the write lock already
            slots = run_slots.slots(conn, waiting, self.pool_capacity, lock=lock,
                                    member_id=self.member_id)  # fmt: skip
            queue = run_slots.queue(conn)
            moves = promote(queue, slots)
            queue.close()  # before the updates: the rest of the queue is never read
            for move in moves:
                done = self._force(conn, move, now)
                if done is not None:
                    moved.append((done[0], job_from_json(done[1])))
        return moved

    # -- internals ------------------------------------------------------------------------

    def lock_job(self, conn: Connection, name: str) -> Job | None:
        """The job's current definition, its row locked for this transaction (PostgreSQL)."""
        query = _JOB if self._db.is_sqlite else _JOB_LOCKED
        row = conn.execute(query, {"name": name}).one_or_none()
        return job_from_row(row) if row else None

    def _place(
        self, conn: Connection, job_name: str, limit: int, executor: ExecutorKind, *,
        queuing: bool,
    ) -> Placement:  # fmt: skip
        return run_slots.placement(conn, job_name, limit, executor, self.pool_capacity,
                                   queuing=queuing, member_id=self.member_id)  # fmt: skip

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
            values.update(state_detail=None, member_id=self.member_id)
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
        member = self.member_id if run.state in ACTIVE_STATES else None
        row = conn.execute(_INSERT_RUN, run_values(replace(run, member_id=member), job)).one()
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
