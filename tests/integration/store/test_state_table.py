"""The run state table governs every write, over SQLite and PostgreSQL.

Each write path of the store — transition, promotion of WAITING runs, the runs that API
starts, trigger fires, event batches, conditional fires and retries insert — is walked:
a move the table forbids is refused with InvalidTransition and leaves every run row, the
outbox and the fire records as they were; the moves it allows are written. Where a path
only ever makes the moves the table allows, the table is narrowed for the test, which shows
that the path takes its answer from the table and from nowhere else.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select, update

import stoker.domain.states as states
from stoker.domain.inbound import BatchCondition, InboundEvent
from stoker.domain.runs import JobRun, new_run
from stoker.domain.states import INITIAL_STATES, TERMINAL_STATES, TRANSITIONS, RunState
from stoker.domain.triggers import Logical
from stoker.errors import InvalidTransition
from stoker.store.engine import Database
from stoker.store.event_batches import EventBatchStore
from stoker.store.firing import Firing
from stoker.store.jobs import JobStore
from stoker.store.outbox import OutboxStore
from stoker.store.runs import RunStore
from stoker.store.tables import (
    job_runs,
    outbox,
    trigger_events,
    trigger_fires,
    trigger_matches,
)
from stoker.store.triggers import TriggerStore

from .conftest import Clock
from .test_event_batches import event_trigger
from .test_triggers import conditional, ensure_job, on_demand, start_run

S = RunState
PAIRS = list(itertools.product(RunState, RunState))
_TABLES = (job_runs, outbox, trigger_fires, trigger_matches, trigger_events)


def world(db: Database) -> list[list[tuple[Any, ...]]]:
    """Every row a run write may touch, in a comparable form."""
    with db.read() as conn:
        return [
            [tuple(row) for row in conn.execute(select(t).order_by(*t.primary_key.columns))]
            for t in _TABLES
        ]


def put(db: Database, run_id: str, state: RunState) -> None:
    """Place a run in ``state`` (test set-up; no stoker path writes a state this way)."""
    with db.write() as conn:
        conn.execute(update(job_runs).where(job_runs.c.id == run_id).values(state=state.value))


@contextmanager
def statements(db: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def last_event(outbox_store: OutboxStore) -> tuple[str | None, str]:
    events = outbox_store.list_events(pending=None, limit=10_000, after_seq=None)
    detail = events[-1].payload["detail"]
    return detail["previousState"], detail["state"]


# -- transition ---------------------------------------------------------------------------


def test_transition_writes_exactly_the_moves_the_table_allows(
    db: Database, runs: RunStore, jobs: JobStore, outbox: OutboxStore, clock: Clock
) -> None:
    ensure_job(jobs, clock, "walk", max_concurrent_runs=1000)
    job = jobs.get("walk")
    for source, target in PAIRS:
        run = runs.create(new_run(job, clock(), arguments={}), job, clock())
        put(db, run.id, source)
        before = world(db)
        if target in TRANSITIONS[source]:
            moved = runs.transition(run.id, source, target, clock.tick())
            assert moved.run.state is target, (source, target)
            assert runs.get(run.id).state is target
            assert last_event(outbox) == (source.value, target.value)
            continue
        with statements(db) as seen, pytest.raises(InvalidTransition, match="state table"):
            runs.transition(run.id, source, target, clock.tick())
        assert seen == [], f"{source} → {target} reached the database"
        assert world(db) == before, (source, target)
        # A caller expecting any state gets no further: the WHERE state IN (…) is the
        # table's sources of the target, and the run is in none of them.
        with pytest.raises(InvalidTransition, match=f"is {source.value}, not"):
            runs.transition(run.id, RunState, target, clock.tick())
        assert world(db) == before, (source, target)


# -- promotion of WAITING runs ------------------------------------------------------------


def without(source: RunState, target: RunState) -> dict[RunState, frozenset[RunState]]:
    return {**TRANSITIONS, source: TRANSITIONS[source] - {target}}


@pytest.mark.parametrize("target", [S.STARTING, S.ERROR])
def test_promotion_writes_only_what_the_table_allows(
    db: Database, runs: RunStore, jobs: JobStore, clock: Clock, monkeypatch: pytest.MonkeyPatch,
    target: RunState,
) -> None:  # fmt: skip
    ensure_job(jobs, clock, "queued", max_concurrent_runs=1)
    job = jobs.get("queued")
    first = runs.create(new_run(job, clock(), arguments={}), job, clock())
    waiting = runs.create(new_run(job, clock(), arguments={}), job, clock())
    assert waiting.state is S.WAITING
    if target is S.ERROR:
        jobs.delete("queued")  # promotion ends a deleted job's waiting runs in ERROR
    runs.transition(first.id, S.STARTING, S.STOPPED, clock.tick())
    before = world(db)
    with monkeypatch.context() as patched:
        patched.setattr(states, "TRANSITIONS", without(S.WAITING, target))
        with pytest.raises(InvalidTransition, match=f"from WAITING to {target.value}"):
            runs.promote_waiting(clock.tick())
    assert world(db) == before
    moved = runs.promote_waiting(clock.tick())
    assert [(r.id, r.state) for r, _ in moved] == [(waiting.id, target)]


def test_promotion_moves_no_run_that_is_not_waiting(
    db: Database, runs: RunStore, jobs: JobStore, clock: Clock
) -> None:
    ensure_job(jobs, clock, "many", max_concurrent_runs=1000)
    job = jobs.get("many")
    for state in RunState:
        if state is not S.WAITING:
            put(db, runs.create(new_run(job, clock(), arguments={}), job, clock()).id, state)
    before = world(db)
    assert runs.promote_waiting(clock.tick()) == []
    assert world(db) == before


# -- the runs each path inserts -----------------------------------------------------------


@pytest.fixture
def store(db: Database) -> TriggerStore:
    return TriggerStore(db)


@pytest.fixture
def firing(db: Database, runs: RunStore, store: TriggerStore, clock: Clock) -> Firing:
    fire = Firing(db, runs, store, clock)
    runs.on_completion = fire.on_completion
    return fire


@pytest.fixture
def batches(db: Database, firing: Firing, store: TriggerStore, tmp_path: Path) -> EventBatchStore:
    return EventBatchStore(db, firing, store, tmp_path / "events")


class Paths:
    """Set-ups of each insert path: each returns the write to make, which returns the run
    it created. ``busy`` fills the job's only slot first, so the new run waits."""

    def __init__(
        self, db: Database, runs: RunStore, jobs: JobStore, store: TriggerStore,
        firing: Firing, batches: EventBatchStore, clock: Clock,
    ) -> None:  # fmt: skip
        self.runs, self.jobs, self.store, self.clock = runs, jobs, store, clock
        self.firing, self.batches = firing, batches

    def job(self, name: str, *, busy: bool, **fields: object) -> None:
        ensure_job(self.jobs, self.clock, name, max_concurrent_runs=1, **fields)
        if busy:
            start_run(self.runs, self.jobs, self.clock, name)

    def api(self, busy: bool) -> Callable[[], JobRun]:
        self.job("api", busy=busy)
        job = self.jobs.get("api")
        return lambda: self.runs.create(new_run(job, self.clock(), arguments={}), job, self.clock())

    def fire(self, busy: bool, **fields: object) -> Callable[[], JobRun]:
        self.job("fired", busy=busy, **fields)
        self.store.create(on_demand("fire", "fired"), self.clock())
        return lambda: self._first(self.firing.fire("fire", "k"))

    def fire_missing_job(self) -> Callable[[], JobRun]:
        self.store.create(on_demand("fire", "no-such-job"), self.clock())
        return lambda: self._first(self.firing.fire("fire", "k"))

    def batch(self, busy: bool) -> Callable[[], JobRun]:
        trigger = event_trigger(self.store, self.jobs, self.clock, size=1)
        if busy:
            start_run(self.runs, self.jobs, self.clock, "load")
        self.batches.record_all([trigger], InboundEvent("files", 0, 1, {"n": 1}, self.clock()))

        def act() -> JobRun:
            fired = self.batches.fire_batch(trigger.name, BatchCondition.BATCH_SIZE, self.clock())
            assert fired is not None
            return fired.runs[0]

        return act

    def conditional(self, busy: bool) -> Callable[[], JobRun]:
        self.job("next", busy=busy)
        self.store.create(conditional("cond", Logical.ANY, {"up": S.SUCCEEDED}, "next"),
                          self.clock())  # fmt: skip
        up = start_run(self.runs, self.jobs, self.clock, "up")
        return lambda: self.runs.transition(up.id, S.RUNNING, S.SUCCEEDED, self.clock()).started[0]

    def retry(self, busy: bool) -> Callable[[], JobRun]:
        ensure_job(self.jobs, self.clock, "flaky", max_concurrent_runs=1, max_retries=1)
        attempt = start_run(self.runs, self.jobs, self.clock, "flaky")
        if busy:  # a run already waits for the slot: the retry queues behind it (FIFO)
            job = self.jobs.get("flaky")
            self.runs.create(new_run(job, self.clock(), arguments={}), job, self.clock())

        def act() -> JobRun:
            moved = self.runs.transition(attempt.id, S.RUNNING, S.FAILED, self.clock())
            assert moved.retry is not None
            return moved.retry

        return act

    @staticmethod
    def _first(started: list[JobRun] | None) -> JobRun:
        assert started is not None
        return started[0]


INSERTS: list[tuple[str, Callable[[Paths], Callable[[], JobRun]], RunState]] = [
    ("api, free slot", lambda p: p.api(busy=False), S.STARTING),
    ("api, job full", lambda p: p.api(busy=True), S.WAITING),
    ("trigger fire, free slot", lambda p: p.fire(busy=False), S.STARTING),
    ("trigger fire, job full", lambda p: p.fire(busy=True), S.WAITING),
    ("trigger fire, job full, queuing off",
     lambda p: p.fire(busy=True, job_run_queuing_enabled=False), S.FAILED),
    ("trigger fire of a missing job", lambda p: p.fire_missing_job(), S.ERROR),
    ("event batch, free slot", lambda p: p.batch(busy=False), S.STARTING),
    ("event batch, job full", lambda p: p.batch(busy=True), S.WAITING),
    ("conditional fire, free slot", lambda p: p.conditional(busy=False), S.STARTING),
    ("conditional fire, job full", lambda p: p.conditional(busy=True), S.WAITING),
    ("retry, free slot", lambda p: p.retry(busy=False), S.STARTING),
    ("retry, job full", lambda p: p.retry(busy=True), S.WAITING),
]  # fmt: skip


@pytest.mark.parametrize(("path", "state"), [c[1:] for c in INSERTS],
                         ids=[c[0] for c in INSERTS])  # fmt: skip
def test_every_insert_path_creates_runs_only_in_the_table_s_initial_states(
    db: Database, runs: RunStore, jobs: JobStore, store: TriggerStore, firing: Firing,
    batches: EventBatchStore, clock: Clock, monkeypatch: pytest.MonkeyPatch,
    path: Callable[[Paths], Callable[[], JobRun]], state: RunState,
) -> None:  # fmt: skip
    act = path(Paths(db, runs, jobs, store, firing, batches, clock))
    before = world(db)
    with monkeypatch.context() as patched:
        patched.setattr(states, "INITIAL_STATES", INITIAL_STATES - {state})
        with pytest.raises(InvalidTransition, match=f"in {state.value}: the run state table"):
            act()
    assert world(db) == before
    created = act()
    assert created.state is state
    assert runs.get(created.id).state is state


@pytest.mark.parametrize("state", sorted(set(RunState) - (INITIAL_STATES & TERMINAL_STATES)))
def test_a_run_is_recorded_ended_only_in_the_table_s_states(
    db: Database, runs: RunStore, jobs: JobStore, clock: Clock, state: RunState
) -> None:
    ensure_job(jobs, clock, "ended")
    job = jobs.get("ended")
    run = new_run(job, clock(), arguments={})
    before = world(db)
    with db.write() as conn, statements(db) as seen:
        with pytest.raises(InvalidTransition, match=f"recorded as ended in {state.value}"):
            runs.insert_ended(conn, run, job, state=state, error="x", now=clock())
        assert seen == []
    assert world(db) == before
