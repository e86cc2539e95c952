"""Trigger rows and firing over SQLite and PostgreSQL: definitions, unique fires, and
conditional triggers evaluated inside the transaction that ends the watched run."""

from __future__ import annotations

import contextlib
import threading
from dataclasses import replace

import pytest
from sqlalchemy import select

from stoker.domain.events import EventIdentity
from stoker.domain.jobs import CommandName
from stoker.domain.runs import JobRun, new_run
from stoker.domain.states import RunState
from stoker.domain.triggers import (
    Action,
    Condition,
    Logical,
    Predicate,
    Trigger,
    TriggerState,
    TriggerType,
)
from stoker.errors import Conflict, NotFound
from stoker.store.engine import Database
from stoker.store.firing import Firing
from stoker.store.jobs import JobStore
from stoker.store.runs import RunStore
from stoker.store.tables import job_runs, trigger_fires
from stoker.store.triggers import TriggerStore

from .conftest import Clock, make_job

S = RunState


@pytest.fixture
def store(db: Database) -> TriggerStore:
    return TriggerStore(db)


@pytest.fixture
def firing(db: Database, runs: RunStore, store: TriggerStore, clock: Clock) -> Firing:
    fire = Firing(db, runs, store, clock)
    runs.on_completion = fire.on_completion
    return fire


def on_demand(name: str, *jobs: str, **fields: object) -> Trigger:
    actions = tuple(Action(j) for j in jobs)
    return Trigger(name=name, type=TriggerType.ON_DEMAND, actions=actions, **fields)  # type: ignore[arg-type]


def conditional(
    name: str, logical: Logical, watched: dict[str, RunState], *start: str,
    state: TriggerState = TriggerState.ACTIVATED,
) -> Trigger:  # fmt: skip
    conditions = tuple(Condition(job, st) for job, st in watched.items())
    return Trigger(
        name=name, type=TriggerType.CONDITIONAL, actions=tuple(Action(j) for j in start),
        predicate=Predicate(logical, conditions), state=state,
    )  # fmt: skip


def ensure_job(jobs: JobStore, clock: Clock, name: str, **fields: object) -> None:
    try:
        jobs.get(name)
    except NotFound:
        # Python shell jobs: no warm pool slot to wait for.
        fields.setdefault("command", CommandName.PYTHONSHELL)
        jobs.create(make_job(name, **fields), clock())


def start_run(runs: RunStore, jobs: JobStore, clock: Clock, name: str) -> JobRun:
    ensure_job(jobs, clock, name)
    job = jobs.get(name)
    run = runs.create(new_run(job, clock(), arguments={}), job, clock())
    assert run.state is S.STARTING, run
    return runs.transition(run.id, S.STARTING, S.RUNNING, clock.tick()).run


def all_runs(db: Database, job_name: str) -> list[JobRun]:
    with db.read() as conn:
        ids = conn.execute(
            select(job_runs.c.id).where(job_runs.c.job_name == job_name).order_by(job_runs.c.seq)
        ).scalars()
        reader = RunStore(db, EventIdentity(), pool_capacity=2)
        return [reader.get_in(conn, i) for i in list(ids)]


def fires(db: Database, trigger: str) -> list[tuple[str, list[str]]]:
    with db.read() as conn:
        rows = conn.execute(
            select(trigger_fires.c.fire_key, trigger_fires.c.run_ids)
            .where(trigger_fires.c.trigger_name == trigger)
            .order_by(trigger_fires.c.seq)
        ).all()
    return [(r.fire_key, list(r.run_ids)) for r in rows]


def preds(run: JobRun) -> list[tuple[str, str]]:
    return sorted((p["job_name"], p["run_id"]) for p in run.predecessor_runs)


# -- definitions --------------------------------------------------------------------------


def test_create_get_replace_keeps_state_list_delete(store: TriggerStore, clock: Clock) -> None:
    created = store.create(conditional("t-watch", Logical.ANY, {"a": S.SUCCEEDED}, "b"), clock())
    assert created.created_on == clock()
    store.create(on_demand("t-start", "c"), clock())
    store.create(on_demand("t-other", "z"), clock())
    got = store.get("t-watch")
    assert got.state is TriggerState.ACTIVATED
    assert got.predicate == Predicate(Logical.ANY, (Condition("a", S.SUCCEEDED),))
    assert got.actions == (Action("b"),)

    # Replace (UpdateTrigger) changes the definition but never the state.
    later = clock.tick(60)
    new_def = replace(
        conditional("t-watch", Logical.AND, {"a": S.FAILED, "x": S.SUCCEEDED}, "c"),
        state=TriggerState.CREATED, description="now AND",
    )  # fmt: skip
    replaced = store.replace(new_def, later)
    assert replaced.state is TriggerState.ACTIVATED
    got = store.get("t-watch")
    assert got.state is TriggerState.ACTIVATED
    assert got.description == "now AND"
    assert got.predicate is not None and got.predicate.logical is Logical.AND
    assert got.watched_jobs == {"a", "x"}
    assert got.last_modified_on == later

    names = [t.name for t in store.list_triggers(limit=100)]
    assert names == ["t-other", "t-start", "t-watch"]
    assert [t.name for t in store.list_triggers(limit=100, job_name="c")] == ["t-start", "t-watch"]
    assert [t.name for t in store.list_triggers(limit=100, job_name="x")] == ["t-watch"]
    # "b" is no longer started by anything after the replace.
    assert store.list_triggers(limit=100, job_name="b") == []
    assert [t.name for t in store.list_triggers(limit=1, after="t-other")] == ["t-start"]

    store.delete("t-start")
    assert [t.name for t in store.list_triggers(limit=100)] == ["t-other", "t-watch"]
    with pytest.raises(NotFound, match="t-start"):
        store.get("t-start")


def test_conflict_and_not_found(store: TriggerStore, clock: Clock) -> None:
    store.create(on_demand("dup", "a"), clock())
    with pytest.raises(Conflict, match="already exists"):
        store.create(on_demand("dup", "b"), clock())
    assert store.get("dup").actions == (Action("a"),)
    with pytest.raises(NotFound, match="'ghost' does not exist"):
        store.get("ghost")
    with pytest.raises(NotFound):
        store.replace(on_demand("ghost", "a"), clock())
    with pytest.raises(NotFound):
        store.set_state("ghost", TriggerState.ACTIVATED, clock())
    with pytest.raises(NotFound):
        store.delete("ghost")


# -- fires --------------------------------------------------------------------------------


def test_same_fire_key_fires_once(
    db: Database, store: TriggerStore, firing: Firing, jobs: JobStore, clock: Clock
) -> None:
    ensure_job(jobs, clock, "a", max_concurrent_runs=5)
    ensure_job(jobs, clock, "b", max_concurrent_runs=5)
    store.create(on_demand("od", "a", "b"), clock())
    started = firing.fire("od", "at:1")
    assert started is not None and {r.job_name for r in started} == {"a", "b"}
    assert all(r.triggered_by == "od" for r in started)
    assert firing.fire("od", "at:1") is None
    assert len(all_runs(db, "a")) == 1 and len(all_runs(db, "b")) == 1
    assert fires(db, "od") == [("at:1", [r.id for r in started])]
    assert store.get("od").last_fire_time is not None
    # A new key is a new fire.
    again = firing.fire("od", "at:2")
    assert again is not None and len(again) == 2
    assert len(all_runs(db, "a")) == 2


def test_fire_of_missing_job_records_an_error_run(
    db: Database, store: TriggerStore, firing: Firing, clock: Clock
) -> None:
    store.create(on_demand("od-missing", "no-such-job"), clock())
    started = firing.fire("od-missing", "k")
    assert started is not None and len(started) == 1
    run = started[0]
    assert run.state is S.ERROR
    assert run.triggered_by == "od-missing"
    assert "no-such-job" in (run.error_message or "")
    assert "does not exist" in (run.error_message or "")
    assert [r.id for r in all_runs(db, "no-such-job")] == [run.id]


def test_on_demand_over_limit_without_queuing_is_failed(
    db: Database, store: TriggerStore, firing: Firing, runs: RunStore, jobs: JobStore,
    clock: Clock,
) -> None:  # fmt: skip
    ensure_job(jobs, clock, "busy", max_concurrent_runs=1, job_run_queuing_enabled=False)
    running = start_run(runs, jobs, clock, "busy")
    store.create(on_demand("od-busy", "busy"), clock())
    started = firing.fire("od-busy", "k")
    assert started is not None and len(started) == 1
    assert started[0].state is S.FAILED
    assert "Concurrent runs exceeded" in (started[0].error_message or "")
    assert started[0].triggered_by == "od-busy"
    assert runs.get(running.id).state is S.RUNNING


# -- conditional triggers -----------------------------------------------------------------


def test_any_fires_in_the_completing_transition(
    db: Database, store: TriggerStore, firing: Firing, runs: RunStore, jobs: JobStore,
    clock: Clock,
) -> None:  # fmt: skip
    ensure_job(jobs, clock, "next")
    store.create(conditional("any-a", Logical.ANY, {"a": S.SUCCEEDED}, "next"), clock())
    run = start_run(runs, jobs, clock, "a")
    done = runs.transition(run.id, S.RUNNING, S.SUCCEEDED, clock.tick())
    assert done.run.state is S.SUCCEEDED
    assert len(done.started) == 1
    nxt = done.started[0]
    assert nxt.job_name == "next" and nxt.triggered_by == "any-a"
    assert nxt.state is S.STARTING
    assert nxt.predecessor_runs == [{"job_name": "a", "run_id": run.id}]
    stored = runs.get(nxt.id)
    assert stored.predecessor_runs == [{"job_name": "a", "run_id": run.id}]
    assert stored.triggered_by == "any-a"
    # A failure is not what this trigger watches.
    failed = start_run(runs, jobs, clock, "a")
    assert runs.transition(failed.id, S.RUNNING, S.FAILED, clock.tick()).started == ()
    assert len(all_runs(db, "next")) == 1


def test_and_fires_once_with_latest_runs_as_predecessors(
    db: Database, store: TriggerStore, firing: Firing, runs: RunStore, jobs: JobStore,
    clock: Clock,
) -> None:  # fmt: skip
    ensure_job(jobs, clock, "c", max_concurrent_runs=5)
    store.create(
        conditional("and-ab", Logical.AND, {"a": S.SUCCEEDED, "b": S.SUCCEEDED}, "c"), clock()
    )
    a1 = start_run(runs, jobs, clock, "a")
    assert runs.transition(a1.id, S.RUNNING, S.SUCCEEDED, clock.tick()).started == ()
    a2 = start_run(runs, jobs, clock, "a")
    assert runs.transition(a2.id, S.RUNNING, S.SUCCEEDED, clock.tick()).started == ()
    b1 = start_run(runs, jobs, clock, "b")
    done = runs.transition(b1.id, S.RUNNING, S.SUCCEEDED, clock.tick())
    assert len(done.started) == 1
    assert preds(done.started[0]) == sorted([("a", a2.id), ("b", b1.id)])
    assert len(fires(db, "and-ab")) == 1
    # The fire consumed every pending completion: another B alone does not fire again.
    b2 = start_run(runs, jobs, clock, "b")
    assert runs.transition(b2.id, S.RUNNING, S.SUCCEEDED, clock.tick()).started == ()
    a3 = start_run(runs, jobs, clock, "a")
    again = runs.transition(a3.id, S.RUNNING, S.SUCCEEDED, clock.tick())
    assert len(again.started) == 1
    assert preds(again.started[0]) == sorted([("a", a3.id), ("b", b2.id)])
    assert len(fires(db, "and-ab")) == 2
    assert len(all_runs(db, "c")) == 2


def test_deactivated_trigger_does_not_fire(
    db: Database, store: TriggerStore, firing: Firing, runs: RunStore, jobs: JobStore,
    clock: Clock,
) -> None:  # fmt: skip
    ensure_job(jobs, clock, "next")
    store.create(
        conditional("off", Logical.ANY, {"a": S.SUCCEEDED}, "next",
                    state=TriggerState.DEACTIVATED),
        clock(),
    )  # fmt: skip
    store.create(
        conditional("created", Logical.ANY, {"a": S.SUCCEEDED}, "next",
                    state=TriggerState.CREATED),
        clock(),
    )  # fmt: skip
    run = start_run(runs, jobs, clock, "a")
    assert runs.transition(run.id, S.RUNNING, S.SUCCEEDED, clock.tick()).started == ()
    assert all_runs(db, "next") == []
    assert fires(db, "off") == [] and fires(db, "created") == []
    # Activated again, it fires on the next completion.
    store.set_state("off", TriggerState.ACTIVATED, clock())
    run2 = start_run(runs, jobs, clock, "a")
    assert len(runs.transition(run2.id, S.RUNNING, S.SUCCEEDED, clock.tick()).started) == 1


def test_failed_attempt_with_retries_left_is_not_evaluated(
    db: Database, store: TriggerStore, firing: Firing, runs: RunStore, jobs: JobStore,
    clock: Clock,
) -> None:  # fmt: skip
    ensure_job(jobs, clock, "flaky", max_retries=1)
    ensure_job(jobs, clock, "recover")
    store.create(conditional("on-fail", Logical.ANY, {"flaky": S.FAILED}, "recover"), clock())
    first = start_run(runs, jobs, clock, "flaky")
    t1 = runs.transition(first.id, S.RUNNING, S.FAILED, clock.tick(), error_message="x")
    assert t1.retry is not None and t1.retry.attempt == 1
    assert t1.started == ()
    assert all_runs(db, "recover") == []
    runs.transition(t1.retry.id, S.STARTING, S.RUNNING, clock.tick())
    t2 = runs.transition(t1.retry.id, S.RUNNING, S.FAILED, clock.tick(), error_message="x")
    assert t2.retry is None
    assert len(t2.started) == 1
    assert t2.started[0].predecessor_runs == [{"job_name": "flaky", "run_id": t1.retry.id}]
    assert len(all_runs(db, "recover")) == 1


def test_concurrent_completions_fire_an_and_trigger_exactly_once(
    db: Database, store: TriggerStore, firing: Firing, runs: RunStore, jobs: JobStore,
    clock: Clock,
) -> None:  # fmt: skip
    """A and B end at the same moment in two threads. A barrier after the evaluation in the
    completion hook holds both transactions open together, so each evaluates before the
    other commits (unless the store serialises them: SQLite's write lock, or a row lock
    taken during evaluation, and the barrier just times out). Exactly one fire is due."""
    ensure_job(jobs, clock, "c", max_concurrent_runs=5)
    store.create(
        conditional("and-race", Logical.AND, {"a": S.SUCCEEDED, "b": S.SUCCEEDED}, "c"),
        clock(),
    )  # fmt: skip
    barrier = threading.Barrier(2, timeout=2)

    def hook(conn, run, now):  # type: ignore[no-untyped-def]
        started = firing.on_completion(conn, run, now)
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()  # both evaluated, neither committed yet
        return started

    runs.on_completion = hook
    a = start_run(runs, jobs, clock, "a")
    b = start_run(runs, jobs, clock, "b")
    results: dict[str, object] = {}

    def finish(run: JobRun) -> None:
        try:
            results[run.job_name] = runs.transition(run.id, S.RUNNING, S.SUCCEEDED, clock())
        except Exception as exc:  # reported below
            results[run.job_name] = exc

    threads = [threading.Thread(target=finish, args=(r,)) for r in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not any(isinstance(r, Exception) for r in results.values()), results
    started = [s for r in results.values() for s in r.started]  # type: ignore[attr-defined]
    assert len(fires(db, "and-race")) == 1, "an AND over two completions must fire once"
    assert len(started) == 1
    assert preds(started[0]) == sorted([("a", a.id), ("b", b.id)])
    assert len(all_runs(db, "c")) == 1


def test_concurrent_completions_fire_an_any_trigger_once_each(
    db: Database, store: TriggerStore, firing: Firing, runs: RunStore, jobs: JobStore,
    clock: Clock,
) -> None:  # fmt: skip
    ensure_job(jobs, clock, "a", max_concurrent_runs=10)
    ensure_job(jobs, clock, "next", max_concurrent_runs=10)
    store.create(conditional("any-race", Logical.ANY, {"a": S.SUCCEEDED}, "next"), clock())
    started_runs = [start_run(runs, jobs, clock, "a") for _ in range(6)]
    errors: list[Exception] = []

    def finish(run: JobRun) -> None:
        try:
            runs.transition(run.id, S.RUNNING, S.SUCCEEDED, clock())
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=finish, args=(r,)) for r in started_runs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    nexts = all_runs(db, "next")
    assert len(nexts) == 6
    assert sorted(p for n in nexts for p in preds(n)) == sorted(("a", r.id) for r in started_runs)
