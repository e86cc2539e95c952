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

from collections.abc import Callable, Mapping
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
from stoker.errors import InvalidInput, NotFound
from stoker.store.engine import Database
from stoker.store.runs import RunStore
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
        self, due: list[tuple[str, str, datetime]]
    ) -> list[tuple[str, list[JobRun] | None]]:
        """Several fires (name, key, fire time) in one transaction: a burst of scheduled
        triggers due in the same second pays for one commit, not one each."""
        fired: list[tuple[str, list[JobRun] | None]] = []
        with self._db.write() as conn:
            for name, fire_key, fire_time in due:
                now = self._clock()
                try:
                    trigger = self._triggers.get_in(conn, name)
                except NotFound:
                    continue  # deleted between being due and being fired
                fired.append((name, self.fire_in(conn, trigger, fire_key, now, [], fire_time)))
        return fired

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
        run = JobRun(
            id=new_run_id(), job_name=action.job_name, state=RunState.ERROR, attempt=0,
            previous_run_id=None, triggered_by=trigger.name, arguments=action.arguments,
            resolved_arguments={}, timeout=job.timeout, notify_delay_after=None,
            executor=job.effective_executor, max_retries=0, queuing_enabled=True,
            started_on=now, last_modified_on=now, predecessor_runs=predecessors,
        )  # fmt: skip
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
