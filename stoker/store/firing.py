"""Trigger firing: a fire key recorded at most once, and its runs, in one transaction.

A fire changes no stored run's state: it inserts new runs through RunStore.insert_in (the
slot decision, in a state the run state table allows) or, for a job that cannot run,
RunStore.insert_ended (ERROR or FAILED, as the table allows); the trigger service hands
them to the run service (RunService.adopt). Conditional triggers are evaluated inside the
transaction that ends the watched run (RunStore.on_completion), so a completion is
evaluated exactly once: never lost to a crash between the two, never doubled by a retry or
a restart; whether a predicate is met is domain.conditions.satisfied's decision.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Protocol

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from stoker.domain.conditions import Completion, satisfied
from stoker.domain.ids import new_run_id
from stoker.domain.jobs import Job
from stoker.domain.runs import JobRun, new_run
from stoker.domain.states import RunState
from stoker.domain.triggers import (
    WATCHABLE,
    Action,
    Logical,
    Trigger,
    TriggerState,
    TriggerType,
)
from stoker.errors import InvalidInput
from stoker.store.engine import Database
from stoker.store.runs import NewRun, RunStore
from stoker.store.tables import (
    job_runs,
    trigger_fires,
    trigger_matches,
    trigger_watches,
    triggers,
)
from stoker.store.triggers import TriggerStore

# INSERT … ON CONFLICT DO NOTHING RETURNING: a duplicate key returns no row, without the
# savepoint a caught IntegrityError would need (two more statements per fire).
_FIRE_ONCE = {
    "sqlite": sqlite_insert(trigger_fires)
    .on_conflict_do_nothing(index_elements=["trigger_name", "fire_key"])
    .returning(trigger_fires.c.seq),
    "postgresql": pg_insert(trigger_fires)
    .on_conflict_do_nothing(index_elements=["trigger_name", "fire_key"])
    .returning(trigger_fires.c.seq),
}
# A burst's fire rows: insertmanyvalues sends them as multi-row INSERTs; the rows that
# were new come back (a duplicate returns none), matched by their key, not their order.
_FIRES_ONCE = {
    name: stmt.on_conflict_do_nothing(index_elements=["trigger_name", "fire_key"]).returning(
        trigger_fires.c.trigger_name, trigger_fires.c.fire_key
    )
    for name, stmt in (("sqlite", sqlite_insert(trigger_fires)),
                       ("postgresql", pg_insert(trigger_fires)))
}  # fmt: skip
_SET_FIRE_RUNS = (
    update(trigger_fires)
    .where(trigger_fires.c.seq == bindparam("fire_seq"))
    .values(run_ids=bindparam("ids"))
)


class TriggerObserver(Protocol):
    """Told of fires, missed fires and conditional evaluations (metrics implement it; the
    composition root passes it in, STYLE rule 9). Called on the loop or a store thread."""

    def fired(self, trigger: str, type_: TriggerType, lag_seconds: float | None) -> None:
        """``trigger`` fired; ``lag_seconds`` (recorded minus scheduled time) for a scheduled
        fire on its time, None when there is no schedule to lag behind."""

    def missed(self, trigger: str, count: int) -> None:
        """``count`` scheduled fires of ``trigger`` were missed (not fired on their time)."""

    def evaluated(self) -> None:
        """A conditional trigger evaluated a completion (once per trigger and run)."""


class NoObserver:
    def fired(self, trigger: str, type_: TriggerType, lag_seconds: float | None) -> None:
        pass

    def missed(self, trigger: str, count: int) -> None:
        pass

    def evaluated(self) -> None:
        pass


class Firing:
    def __init__(
        self,
        db: Database,
        runs: RunStore,
        triggers_: TriggerStore,
        clock: Callable[[], datetime],
        observer: TriggerObserver | None = None,
    ) -> None:
        #: Conditional evaluations and fires are reported from inside the completing
        #: transaction: one that then rolls back (a failed write) is still counted.
        self.observer: TriggerObserver = observer or NoObserver()
        self._clock = clock
        self._db = db
        self._runs = runs
        self._triggers = triggers_

    def fire(
        self, name: str, fire_key: str, fire_time: datetime | None = None
    ) -> list[JobRun] | None:
        """Start every action of ``name`` once for ``fire_key``; None if already fired.

        The runs' creation time is read inside the transaction, so a fire's recorded lag
        includes any wait for the write lock.
        """
        with self._db.write() as conn:
            now = self._clock()
            trigger = self._triggers.get_in(conn, name)
            return self.fire_in(conn, trigger, fire_key, now, [], fire_time or now)

    def fire_many(
        self, due: Sequence[tuple[str, str, datetime]]
    ) -> list[tuple[str, list[JobRun] | None]]:
        """A burst of scheduled fires (name, key, fire time) in one transaction, written with
        bulk statements: the triggers and their jobs read once, the fire rows, runs and
        outbox events one multi-row INSERT each, the slots decided together as serial fires
        would (RunStore.insert_many_in). Each fire's result, in order: its runs, or None
        when its key had fired already; a trigger deleted since it was due is left out."""
        with self._db.write() as conn:
            now = self._clock()
            found = self._triggers.get_many_in(conn, {name for name, _key, _time in due})
            jobs_ = self._runs.lock_jobs(
                conn, {a.job_name for t in found.values() for a in t.actions}
            )
            planned = {(n, k): [self._plan(found[n], a, jobs_, now) for a in found[n].actions]
                       for n, k, _time in due if n in found}  # fmt: skip
            new = self._record_fires(conn, planned, now)
            runs = iter(self._runs.insert_many_in(conn, [r for key in new for r in planned[key]],
                                                  now))  # fmt: skip
            started = {key: [next(runs) for _ in planned[key]] for key in new}
            self._triggers.record_fires(conn, [(n, t) for n, k, t in due if (n, k) in started])
        # A key twice in the burst fires once: the later ones, like a replay, get None.
        return [(n, started.pop((n, k), None)) for n, k, _time in due if n in found]

    def _plan(self, trigger: Trigger, action: Action, jobs_: Mapping[str, Job],
              now: datetime) -> NewRun:  # fmt: skip
        """The run ``action`` starts, decided before anything is written (its id goes into
        the fire's row); one that cannot start carries its error (Glue records ERROR)."""
        job = jobs_.get(action.job_name)
        if job is None:
            error = (f"trigger {trigger.name!r} tried to start job {action.job_name!r}, "
                     "which does not exist")  # fmt: skip
            placeholder = Job(name=action.job_name, script_location="")
            return NewRun(_error_run(trigger, action, placeholder, now, []), placeholder, error)
        try:
            run = new_run(
                job, now, arguments=action.arguments, timeout=action.timeout,
                notify_delay_after=action.notify_delay_after, triggered_by=trigger.name,
                predecessor_runs=[],
            )  # fmt: skip
        except InvalidInput as exc:
            return NewRun(_error_run(trigger, action, job, now, []), job, exc.message)
        return NewRun(run, job)

    def _record_fires(
        self, conn: Connection, planned: Mapping[tuple[str, str], list[NewRun]], now: datetime
    ) -> list[tuple[str, str]]:
        """Insert the fire rows, each with its runs' ids, in one multi-row statement; the
        (name, key) pairs that were new, in ``planned``'s order (a key that fired already
        is skipped by ON CONFLICT DO NOTHING)."""
        if not planned:
            return []
        rows = [
            {"trigger_name": n, "fire_key": k, "fired_on": now, "run_ids": [r.run.id for r in new]}
            for (n, k), new in planned.items()
        ]
        inserted = {tuple(row) for row in conn.execute(_FIRES_ONCE[conn.dialect.name], rows)}
        return [key for key in planned if key in inserted]

    def fire_in(
        self,
        conn: Connection,
        trigger: Trigger,
        fire_key: str,
        now: datetime,
        predecessors: list[JobRun],
        fire_time: datetime,
        arguments: Mapping[str, str] | None = None,
    ) -> list[JobRun] | None:
        """Record ``fire_key`` and start every action; ``arguments`` overlay each action's
        (an event batch passes its event ids this way). None if the key already fired."""
        seq = conn.execute(
            _FIRE_ONCE[conn.dialect.name],
            {"trigger_name": trigger.name, "fire_key": fire_key, "fired_on": now, "run_ids": []},
        ).scalar_one_or_none()
        if seq is None:
            return None
        links = [{"job_name": r.job_name, "run_id": r.id} for r in predecessors]
        actions = trigger.actions
        if arguments:
            actions = tuple(replace(a, arguments={**a.arguments, **arguments}) for a in actions)
        started = [self._start(conn, trigger, action, now, links) for action in actions]
        conn.execute(_SET_FIRE_RUNS, {"fire_seq": seq, "ids": [r.id for r in started]})
        self._triggers.record_fire(conn, trigger.name, fire_time)
        return started

    def _start(
        self,
        conn: Connection,
        trigger: Trigger,
        action: Action,
        now: datetime,
        predecessors: list[dict[str, str]],
    ) -> JobRun:
        job = self._runs.lock_job(conn, action.job_name)
        if job is None:
            return self._ended(conn, trigger, action, now, predecessors,
                               f"trigger {trigger.name!r} tried to start job "
                               f"{action.job_name!r}, which does not exist")  # fmt: skip
        try:
            run = new_run(
                job, now, arguments=action.arguments, timeout=action.timeout,
                notify_delay_after=action.notify_delay_after, triggered_by=trigger.name,
                predecessor_runs=predecessors,
            )  # fmt: skip
        except InvalidInput as exc:
            return self._ended(conn, trigger, action, now, predecessors, exc.message, job)
        return self._runs.insert_in(conn, run, job, now, refuse=False)

    def _ended(
        self,
        conn: Connection,
        trigger: Trigger,
        action: Action,
        now: datetime,
        predecessors: list[dict[str, str]],
        error: str,
        job: Job | None = None,
    ) -> JobRun:
        """Glue records ERROR when a trigger starts a job that cannot run."""
        job = job or Job(name=action.job_name, script_location="")
        run = _error_run(trigger, action, job, now, predecessors)
        return self._runs.insert_ended(conn, run, job, state=RunState.ERROR, error=error, now=now)

    # -- conditional triggers ---------------------------------------------------------

    def on_completion(self, conn: Connection, run: JobRun, now: datetime) -> list[JobRun]:
        """Evaluate the ACTIVATED conditional triggers watching this run's job and state."""
        if run.state not in WATCHABLE:
            return []
        names = conn.execute(
            select(trigger_watches.c.trigger_name)
            .join(triggers, triggers.c.name == trigger_watches.c.trigger_name)
            .where(
                trigger_watches.c.job_name == run.job_name,
                trigger_watches.c.state == run.state.value,
                triggers.c.state == TriggerState.ACTIVATED.value,
            )
            .order_by(trigger_watches.c.trigger_name)
        ).scalars()
        started: list[JobRun] = []
        for name in list(names):
            trigger = self._triggers.get_in(conn, name, lock=True)
            if trigger.load_error is None:  # an unreadable definition never fires
                started.extend(self._evaluate(conn, trigger, run, now))
        return started

    def _evaluate(
        self, conn: Connection, trigger: Trigger, run: JobRun, now: datetime
    ) -> list[JobRun]:
        try:
            with conn.begin_nested():
                conn.execute(
                    insert(trigger_matches).values(
                        trigger_name=trigger.name, run_id=run.id, job_name=run.job_name,
                        seq=run.seq, consumed=False,
                    )
                )  # fmt: skip
        except IntegrityError:
            return []  # this completion was already seen by this trigger
        self.observer.evaluated()
        assert trigger.predicate is not None
        completed = Completion(run.job_name, run.id, run.state)
        # ANY is decided by this completion alone: it needs no history.
        pending = [] if trigger.predicate.logical is Logical.ANY else self._pending(conn, trigger)
        met = satisfied(trigger.predicate, completed, pending)
        if met is None:
            return []
        satisfied_runs = [run if run_id == run.id else self._runs.get_in(conn, run_id)
                          for run_id in met]  # fmt: skip
        conn.execute(
            update(trigger_matches)
            .where(trigger_matches.c.trigger_name == trigger.name, ~trigger_matches.c.consumed)
            .values(consumed=True)
        )
        started = self.fire_in(conn, trigger, f"run:{run.id}", now, satisfied_runs, now)
        if started is None:
            return []
        self.observer.fired(trigger.name, TriggerType.CONDITIONAL, None)
        return started

    def _pending(self, conn: Connection, trigger: Trigger) -> list[Completion]:
        """The completions the trigger has seen and no fire consumed yet, oldest first."""
        rows = conn.execute(
            select(trigger_matches.c.job_name, trigger_matches.c.run_id, job_runs.c.state)
            .join(job_runs, job_runs.c.id == trigger_matches.c.run_id)
            .where(trigger_matches.c.trigger_name == trigger.name, ~trigger_matches.c.consumed)
            .order_by(trigger_matches.c.seq)
        ).all()
        return [Completion(job, run_id, RunState(state)) for job, run_id, state in rows]


def _error_run(
    trigger: Trigger, action: Action, job: Job, now: datetime, predecessors: list[dict[str, str]]
) -> JobRun:
    """The run of a trigger's action whose job cannot run (recorded ERROR)."""
    return JobRun(
        id=new_run_id(), job_name=action.job_name, state=RunState.ERROR, attempt=0,
        previous_run_id=None, triggered_by=trigger.name, arguments=action.arguments,
        resolved_arguments={}, timeout=job.timeout, notify_delay_after=None,
        executor=job.effective_executor, max_retries=0, queuing_enabled=True,
        started_on=now, last_modified_on=now, predecessor_runs=predecessors,
    )  # fmt: skip
