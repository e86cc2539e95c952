"""The run state machine in the store: slots, guarded transitions, outbox, retries."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest

from stoker.domain.ids import new_run_id
from stoker.domain.jobs import ExecutorKind, Job
from stoker.domain.runs import JobRun, RunFilter
from stoker.domain.states import RunState
from stoker.errors import ConcurrentRunsExceeded, InvalidTransition
from stoker.store.jobs import JobStore
from stoker.store.outbox import OutboxStore
from stoker.store.runs import RunStore

from .conftest import Clock, make_job

S = RunState


def new_run(job: Job, clock: Clock, **fields: object) -> JobRun:
    now = clock()
    run = JobRun(
        id=new_run_id(), job_name=job.name, state=S.WAITING, attempt=0, previous_run_id=None,
        triggered_by="manual", arguments={}, resolved_arguments={}, timeout=job.timeout,
        notify_delay_after=None, executor=job.executor, max_retries=job.max_retries,
        queuing_enabled=True, started_on=now, last_modified_on=now,
    )  # fmt: skip
    return replace(run, **fields)  # type: ignore[arg-type]


def start(runs: RunStore, jobs: JobStore, job: Job, clock: Clock, **fields: object) -> JobRun:
    try:
        jobs.get(job.name)
    except Exception:
        jobs.create(job, clock())
    return runs.create(new_run(job, clock, **fields), job, clock())


def test_free_slot_starts_and_every_transition_has_its_event(
    runs: RunStore, jobs: JobStore, outbox: OutboxStore, clock: Clock
) -> None:
    run = start(runs, jobs, make_job(), clock)
    assert run.state is S.STARTING
    runs.transition(run.id, S.STARTING, S.RUNNING, clock.tick(1))
    done = runs.transition(run.id, S.RUNNING, S.SUCCEEDED, clock.tick(5)).run
    assert done.execution_time == 5
    assert done.completed_on == clock()
    events = outbox.list_events(pending=None, limit=100, after_seq=None)
    states = [(e.payload["detail"]["previousState"], e.payload["detail"]["state"]) for e in events]
    assert states == [(None, "STARTING"), ("STARTING", "RUNNING"), ("RUNNING", "SUCCEEDED")]
    assert all(e.sent_on is None for e in events)
    assert events[-1].payload["detail"]["severity"] == "INFO"
    assert events[-1].payload["detail-type"] == "Job State Change"


def test_guarded_transition_refuses_wrong_state(
    runs: RunStore, jobs: JobStore, outbox: OutboxStore, clock: Clock
) -> None:
    run = start(runs, jobs, make_job(), clock)
    with pytest.raises(InvalidTransition, match="is STARTING, not RUNNING"):
        runs.transition(run.id, S.RUNNING, S.SUCCEEDED, clock())
    assert runs.get(run.id).state is S.STARTING
    assert len(outbox.list_events(pending=None, limit=10, after_seq=None)) == 1


def test_over_the_limit_waits_fifo_and_is_promoted(
    runs: RunStore, jobs: JobStore, clock: Clock
) -> None:
    job = make_job(max_concurrent_runs=1)
    first = start(runs, jobs, job, clock)
    second = start(runs, jobs, job, clock)
    third = start(runs, jobs, job, clock)
    assert (second.state, third.state) == (S.WAITING, S.WAITING)
    assert "1 concurrent" in (second.state_detail or "")
    assert runs.promote_waiting(clock()) == []
    runs.transition(first.id, S.STARTING, S.FAILED, clock(), error_message="x")
    promoted = runs.promote_waiting(clock())
    assert [r.id for r, _ in promoted] == [second.id]
    assert runs.get(third.id).state is S.WAITING


def test_queuing_off_refuses_and_creates_nothing(
    runs: RunStore, jobs: JobStore, clock: Clock
) -> None:
    job = make_job()
    start(runs, jobs, job, clock)
    with pytest.raises(ConcurrentRunsExceeded, match="Concurrent runs exceeded for etl"):
        start(runs, jobs, job, clock, queuing_enabled=False)
    assert len(runs.list_runs()) == 1


def test_pool_capacity_is_shared_across_jobs(runs: RunStore, jobs: JobStore, clock: Clock) -> None:
    a = start(runs, jobs, make_job("a"), clock)
    b = start(runs, jobs, make_job("b"), clock)
    c = start(runs, jobs, make_job("c"), clock)
    iso = start(runs, jobs, make_job("d", executor=ExecutorKind.ISOLATED), clock)
    assert (a.state, b.state, c.state, iso.state) == (S.STARTING, S.STARTING, S.WAITING, S.STARTING)
    assert "warm driver" in (c.state_detail or "")
    runs.transition(a.id, S.STARTING, S.ERROR, clock(), error_message="lost")
    assert [r.id for r, _ in runs.promote_waiting(clock())] == [c.id]


def test_failed_attempt_with_retries_left_starts_the_next(
    runs: RunStore, jobs: JobStore, clock: Clock
) -> None:
    job = make_job(max_retries=1)
    run = start(runs, jobs, job, clock, max_retries=1, arguments={"--a": "1"})
    runs.transition(run.id, S.STARTING, S.RUNNING, clock())
    moved = runs.transition(run.id, S.RUNNING, S.FAILED, clock(), error_message="boom")
    assert moved.retry is not None
    retry = moved.retry
    assert (retry.attempt, retry.previous_run_id, retry.state) == (1, run.id, S.STARTING)
    assert retry.arguments == {"--a": "1"}
    runs.transition(retry.id, S.STARTING, S.RUNNING, clock())
    assert runs.transition(retry.id, S.RUNNING, S.FAILED, clock()).retry is None


@pytest.mark.parametrize("end", [S.TIMEOUT, S.STOPPED, S.SUCCEEDED])
def test_timeout_and_stopped_are_never_retried(
    runs: RunStore, jobs: JobStore, clock: Clock, end: RunState
) -> None:
    run = start(runs, jobs, make_job(max_retries=3), clock, max_retries=3)
    runs.transition(run.id, S.STARTING, S.RUNNING, clock())
    via = S.STOPPING if end is S.STOPPED else S.RUNNING
    if via is S.STOPPING:
        runs.transition(run.id, S.RUNNING, S.STOPPING, clock())
    assert runs.transition(run.id, via, end, clock()).retry is None


def test_waiting_run_of_deleted_job_errors(runs: RunStore, jobs: JobStore, clock: Clock) -> None:
    job = make_job()
    first = start(runs, jobs, job, clock)
    waiting = start(runs, jobs, job, clock)
    jobs.delete(job.name)
    runs.transition(first.id, S.STARTING, S.STOPPED, clock())
    moved = runs.promote_waiting(clock())
    assert [(r.id, r.state) for r, _ in moved] == [(waiting.id, S.ERROR)]
    settled = runs.get(waiting.id)
    assert settled.state is S.ERROR
    assert "deleted" in (settled.error_message or "")
    assert runs.get(first.id).job_name == "etl"


def test_concurrent_creates_never_exceed_the_limit(
    runs: RunStore, jobs: JobStore, clock: Clock
) -> None:
    job = make_job(max_concurrent_runs=2)
    jobs.create(job, clock())
    results: list[RunState] = []

    def worker() -> None:
        for _ in range(5):
            results.append(runs.create(new_run(job, clock), job, clock()).state)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(S.STARTING) == 2
    assert results.count(S.WAITING) == 18


def test_list_filters_newest_first(runs: RunStore, jobs: JobStore, clock: Clock) -> None:
    a1 = start(runs, jobs, make_job("a", max_concurrent_runs=5), clock)
    b1 = start(runs, jobs, make_job("b"), clock)
    a2 = start(runs, jobs, make_job("a", max_concurrent_runs=5), clock)
    assert [r.id for r in runs.list_runs()] == [a2.id, b1.id, a1.id]
    assert [r.id for r in runs.list_runs(RunFilter(job_name="a"))] == [a2.id, a1.id]
    assert [r.id for r in runs.list_runs(RunFilter(job_name="a"), before_seq=a2.seq)] == [a1.id]
    starting = RunFilter(states=frozenset({S.STARTING}))
    assert [r.id for r in runs.list_runs(starting, limit=1)] == [b1.id]
    assert [r.id for r in runs.list_runs(RunFilter(states=frozenset({S.WAITING})))] == [a2.id]
