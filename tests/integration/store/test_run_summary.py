"""Runs counted by UTC day and state (store/run_counts.py, store/run_queries.py), both databases."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from stoker.domain.ids import new_run_id
from stoker.domain.runs import new_run
from stoker.domain.states import RunState
from stoker.domain.summary import DayCount
from stoker.errors import InvalidTransition
from stoker.store.engine import Database
from stoker.store.history import seed_runs
from stoker.store.jobs import JobStore
from stoker.store.run_queries import scanned_day_counts
from stoker.store.runs import RunStore

from .conftest import Clock, make_job

S = RunState
T0 = datetime(2026, 11, 30, 22, tzinfo=UTC)


def test_counts_by_utc_day_and_state(db: Database, runs: RunStore) -> None:
    a, b = make_job("a"), make_job("b")
    rows = []
    # Every 30 minutes from 22:00 on Nov 30 to 03:30 on Dec 1 (12 runs), alternating jobs;
    # every third FAILED (22:00, 23:30, 01:00, 02:30), the others SUCCEEDED.
    for i in range(12):
        job = a if i % 2 == 0 else b
        run = new_run(job, T0 + timedelta(minutes=30 * i), arguments={})
        state = S.SUCCEEDED if i % 3 else S.FAILED
        rows.append((replace(run, id=new_run_id(), state=state), job))
    seed_runs(db, rows)
    paris = timezone(timedelta(hours=1))
    since = datetime(2026, 11, 30, 23, 30, tzinfo=paris)  # 22:30 UTC: skips the first run
    until = datetime(2026, 12, 1, 3, tzinfo=UTC)  # excludes 03:00 and 03:30
    counts = sorted(runs.day_counts(since, until), key=lambda c: (c.day, c.state))
    assert counts == [
        DayCount(date(2026, 11, 30), S.FAILED, 1),  # 23:30
        DayCount(date(2026, 11, 30), S.SUCCEEDED, 2),  # 22:30, 23:00
        DayCount(date(2026, 12, 1), S.FAILED, 2),  # 01:00, 02:30
        DayCount(date(2026, 12, 1), S.SUCCEEDED, 4),  # 00:00, 00:30, 01:30, 02:00
    ]
    only_a = runs.day_counts(since, until, job_name="a")
    assert sum(c.count for c in only_a) == 4


def test_kept_counts_follow_live_runs_and_equal_a_scan(
    db: Database, runs: RunStore, jobs: JobStore, clock: Clock
) -> None:
    """Runs ended through the state machine are counted in their transaction; whole days
    read from the kept counts plus live runs and partial days give what a scan gives."""
    job = make_job("etl", max_concurrent_runs=10, max_retries=1)
    jobs.create(job, clock())
    seeded = [new_run(job, T0 + timedelta(hours=h), arguments={}) for h in range(30)]
    seed_runs(db, [(replace(r, id=new_run_id(), state=S.SUCCEEDED), job) for r in seeded])
    clock.now = T0 + timedelta(days=2, hours=5)
    ended = runs.create(new_run(job, clock(), arguments={}), job, clock())
    runs.transition(ended.id, S.STARTING, S.RUNNING, clock.tick())
    failed = runs.transition(ended.id, S.RUNNING, S.FAILED, clock.tick())
    assert failed.retry is not None  # its retry is live: counted from job_runs
    live = runs.create(new_run(job, clock(), arguments={}), job, clock())
    runs.transition(live.id, S.STARTING, S.RUNNING, clock.tick())
    with pytest.raises(InvalidTransition):  # rolled back: counts nothing
        runs.transition(live.id, S.STARTING, S.SUCCEEDED, clock.tick())
    for since, until in [
        (T0 - timedelta(days=1), T0 + timedelta(days=4)),  # whole days only
        (T0 + timedelta(hours=3, minutes=7), T0 + timedelta(days=2, hours=6)),  # partial ends
        (T0 + timedelta(hours=1), T0 + timedelta(hours=5)),  # within a day
    ]:
        with db.read() as conn:
            scanned = scanned_day_counts(conn, since, until, None)
        for job_name in (None, "etl"):
            assert sorted(runs.day_counts(since, until, job_name), key=_key) == sorted(
                scanned, key=_key
            ), (since, until, job_name)
    kept = runs.day_counts(T0, T0 + timedelta(days=4))
    assert DayCount(date(2026, 12, 3), S.FAILED, 1) in kept
    assert {c.state for c in kept if c.day == date(2026, 12, 3)} == {S.FAILED, S.STARTING,
                                                                    S.RUNNING}  # fmt: skip


def _key(count: DayCount) -> tuple[date, str]:
    return count.day, count.state.value
