"""A burst of scheduled fires written in bulk (Firing.fire_many) over SQLite and PostgreSQL:
every fire once, its runs and events in the outbox, slots decided as serial fires would."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import delete, select

from stoker.domain.events import EventIdentity
from stoker.domain.jobs import CommandName
from stoker.domain.states import RunState
from stoker.domain.triggers import Action, Trigger, TriggerState, TriggerType
from stoker.store.engine import Database
from stoker.store.firing import Firing
from stoker.store.jobs import JobStore
from stoker.store.runs import RunStore
from stoker.store.tables import job_runs, outbox, trigger_fires
from stoker.store.triggers import TriggerStore

from .conftest import Clock, make_job

S = RunState


@pytest.fixture
def store(db: Database) -> TriggerStore:
    return TriggerStore(db)


@pytest.fixture
def firing(db: Database, runs: RunStore, store: TriggerStore, clock: Clock) -> Firing:
    return Firing(db, runs, store, clock)


def scheduled(name: str, *jobs: str) -> Trigger:
    return Trigger(
        name=name, type=TriggerType.SCHEDULED, schedule="cron(* * * * ? *)",
        actions=tuple(Action(j) for j in jobs), state=TriggerState.ACTIVATED,
    )  # fmt: skip


def burst(names: list[str], key: str, clock: Clock) -> list[tuple[str, str, datetime]]:
    return [(n, key, clock()) for n in names]


def outbox_run_ids(db: Database) -> list[str]:
    with db.read() as conn:
        return list(conn.execute(select(outbox.c.run_id).order_by(outbox.c.seq)).scalars())


def test_burst_fires_every_trigger_once_with_runs_and_events(
    db: Database, store: TriggerStore, firing: Firing, jobs: JobStore, clock: Clock
) -> None:
    jobs.create(make_job("sink", max_concurrent_runs=1), clock())
    names = [f"t{i:03d}" for i in range(120)]
    for name in names:
        store.create(scheduled(name, "sink"), clock())
    fired = firing.fire_many(burst(names, "at:1", clock))
    assert [n for n, _ in fired] == names
    runs = [r for _, started in fired for r in started or []]
    assert len(runs) == 120 and all(
        r.triggered_by == n for (n, _), r in zip(fired, runs, strict=True)
    )
    # Serially the first takes the job's one slot... but the pool (capacity 2) is free:
    # the first starts, the rest queue behind the job's limit, in fire order (FIFO seqs).
    assert [r.state for r in runs] == [S.STARTING] + [S.WAITING] * 119
    assert [r.seq for r in runs] == sorted(r.seq for r in runs)
    assert outbox_run_ids(db) == [r.id for r in runs]  # one event each, in the runs' order
    with db.read() as conn:
        keys = conn.execute(select(trigger_fires.c.trigger_name, trigger_fires.c.run_ids)).all()
    assert sorted((n, list(ids)) for n, ids in keys) == [(r.triggered_by, [r.id]) for r in runs]
    assert store.get("t000").last_fire_time == clock()


def test_a_replayed_burst_does_not_fire_twice(
    db: Database, store: TriggerStore, firing: Firing, jobs: JobStore, clock: Clock
) -> None:
    jobs.create(make_job("sink", max_concurrent_runs=5), clock())
    names = [f"r{i}" for i in range(6)]
    for name in names:
        store.create(scheduled(name, "sink"), clock())
    # A crash after some fires committed: the restarted daemon hands the same slot again.
    assert firing.fire("r1", "at:1") is not None
    first = firing.fire_many(burst(names, "at:1", clock))
    assert [(n, runs is None) for n, runs in first] == [(n, n == "r1") for n in names]
    again = firing.fire_many(burst([*names, "r2"], "at:1", clock))
    assert all(runs is None for _, runs in again)
    with db.read() as conn:
        assert len(conn.execute(select(job_runs.c.id)).all()) == 6
    assert len(outbox_run_ids(db)) == 6
    # The same key twice in one burst is one fire.
    twice = firing.fire_many(burst(["r0", "r0"], "at:2", clock))
    assert [runs is not None for _, runs in twice] == [True, False]


def test_a_broken_fire_does_not_lose_the_others(
    db: Database, store: TriggerStore, firing: Firing, jobs: JobStore, clock: Clock
) -> None:
    jobs.create(make_job("sink", max_concurrent_runs=10), clock())
    jobs.create(make_job("doomed"), clock())
    for name, job in [("a", "sink"), ("b", "doomed"), ("c", "sink"), ("gone", "sink")]:
        store.create(scheduled(name, job), clock())
    jobs.delete("doomed")  # deleted mid-burst: its trigger still points at it
    store.delete("gone")  # deleted between being due and being fired
    fired = dict(firing.fire_many(burst(["a", "b", "gone", "c"], "at:1", clock)))
    assert set(fired) == {"a", "b", "c"}
    assert fired["b"] is not None and fired["b"][0].state is S.ERROR
    assert "does not exist" in (fired["b"][0].error_message or "")
    assert [r.state for r in fired["a"] or []] == [S.STARTING]
    assert [r.state for r in fired["c"] or []] == [S.STARTING]
    assert len(outbox_run_ids(db)) == 3


def test_burst_slots_match_serial_fires(
    db: Database, store: TriggerStore, firing: Firing, runs: RunStore, jobs: JobStore,
    clock: Clock,
) -> None:  # fmt: skip
    # Pool jobs share the pool's 2 drivers; Python shell jobs only their own limits.
    jobs.create(make_job("p1", max_concurrent_runs=2), clock())
    jobs.create(make_job("p2", max_concurrent_runs=1), clock())
    shell = {"command": CommandName.PYTHONSHELL}
    jobs.create(make_job("s1", max_concurrent_runs=1, job_run_queuing_enabled=False, **shell),
                clock())  # fmt: skip
    jobs.create(make_job("s2", max_concurrent_runs=2, **shell), clock())
    plan = [["p1"], ["s1"], ["p2", "s2"], ["p1"], ["s1"], ["p1", "s2"], ["s2"], ["p2"], ["s1"]]
    names = [f"m{i}" for i in range(len(plan))]
    for name, actions in zip(names, plan, strict=True):
        store.create(scheduled(name, *actions), clock())

    def outcome(started: list[tuple[str, list[object] | None]]) -> list[tuple[str, str, str]]:
        return [(r.job_name, r.state.value, r.state_detail or r.error_message or "")  # type: ignore[attr-defined]
                for _, rs in started for r in rs or []]  # fmt: skip

    serial = outcome([(n, firing.fire(n, "at:serial")) for n in names])  # type: ignore[misc]
    with db.write() as conn:
        conn.execute(delete(outbox))
        conn.execute(delete(job_runs))
    bulk = outcome(firing.fire_many(burst(names, "at:bulk", clock)))
    assert bulk == serial
    assert [s for _, s, _ in bulk].count(S.FAILED.value) == 2  # s1 over its limit, no queuing


def test_a_members_burst_runs_are_its_own(
    db: Database, store: TriggerStore, jobs: JobStore, clock: Clock
) -> None:
    # Several daemons: a burst's active runs name the member executing them (or the lease
    # holder would settle them as lost) and fill that member's pool, not another's.
    other = RunStore(db, EventIdentity(), pool_capacity=1, member_id="m-other")
    mine = RunStore(db, EventIdentity(), pool_capacity=2, member_id="m-mine")
    jobs.create(make_job("busy", max_concurrent_runs=5), clock())
    names = [f"b{i}" for i in range(3)]
    for name in ["theirs", *names]:
        store.create(scheduled(name, "busy"), clock())
    ((_, theirs),) = Firing(db, other, store, clock).fire_many(burst(["theirs"], "at:1", clock))
    assert [(r.state, r.member_id) for r in theirs or []] == [(S.STARTING, "m-other")]
    fired = Firing(db, mine, store, clock).fire_many(burst(names, "at:1", clock))
    runs = [r for _, started in fired for r in started or []]
    assert [(r.state, r.member_id) for r in runs] == [
        (S.STARTING, "m-mine"), (S.STARTING, "m-mine"), (S.WAITING, None),
    ]  # fmt: skip
    with db.read() as conn:
        stored = {i: m for i, m in conn.execute(select(job_runs.c.id, job_runs.c.member_id))}
    assert [stored[r.id] for r in runs] == ["m-mine", "m-mine", None]
