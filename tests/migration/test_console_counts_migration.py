"""Migration 0008 backfills the day counts, job tags and newest runs from what is stored."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from alembic import command

from stoker.domain.events import EventIdentity
from stoker.domain.ids import new_run_id
from stoker.domain.jobs import Job, JobFilter
from stoker.domain.runs import new_run
from stoker.domain.states import RunState
from stoker.store.engine import Database, alembic_config, upgrade
from stoker.store.history import seed_runs
from stoker.store.jobs import JobStore
from stoker.store.run_queries import scanned_day_counts
from stoker.store.runs import RunStore

S = RunState
T0 = datetime(2026, 11, 1, 20, tzinfo=UTC)


def test_upgrade_from_0007_backfills_what_the_console_reads(db: Database) -> None:
    upgrade(db)
    jobs = JobStore(db)
    a = jobs.create(Job(name="a", script_location="/x.py", tags={"team": "pay"}), T0)
    b = jobs.create(Job(name="b", script_location="/x.py"), T0)
    states = [S.SUCCEEDED, S.FAILED, S.RUNNING, S.ERROR, S.SUCCEEDED, S.TIMEOUT]
    rows = [
        (replace(new_run(job, T0 + timedelta(hours=5 * i), arguments={}), id=new_run_id(),
                 state=states[i % len(states)]), job)
        for i, job in enumerate([a, b] * 6)
    ]  # fmt: skip
    seed_runs(db, rows)
    command.downgrade(alembic_config(db), "0007")
    upgrade(db)
    runs = RunStore(db, EventIdentity(), pool_capacity=1)
    since, until = T0 - timedelta(days=1), T0 + timedelta(days=5)
    with db.read() as conn:
        scanned = scanned_day_counts(conn, since, until, None)
    assert sorted(runs.day_counts(since, until), key=str) == sorted(scanned, key=str)
    assert [j.name for j in jobs.list_jobs(10, None, JobFilter(tag_key="team"))] == ["a"]
    # The newest runs: a's is rows[10] (SUCCEEDED), b's rows[11] (TIMEOUT).
    assert [j.name for j in jobs.list_jobs(10, None, JobFilter(last_state=S.TIMEOUT))] == ["b"]
    assert [j.name for j in jobs.list_jobs(10, None, JobFilter(last_state=S.SUCCEEDED))] == ["a"]
