"""Runs counted by UTC day and state in SQL (store/run_queries.day_counts), both databases."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone

from stoker.domain.ids import new_run_id
from stoker.domain.runs import new_run
from stoker.domain.states import RunState
from stoker.domain.summary import DayCount
from stoker.store.engine import Database
from stoker.store.history import seed_runs
from stoker.store.runs import RunStore

from .conftest import make_job

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
