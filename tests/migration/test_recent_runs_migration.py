"""Migration 0010 keeps each job's latest ten runs on its row: down drops them, up backfills."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import command

from stoker.domain.ids import new_run_id
from stoker.domain.jobs import Job
from stoker.domain.runs import JobActivity, new_run
from stoker.domain.states import RunState
from stoker.store.engine import Database, alembic_config, current_revision, head_revision, upgrade
from stoker.store.history import seed_runs
from stoker.store.jobs import JobStore

S = RunState
T0 = datetime(2026, 11, 1, 20, tzinfo=UTC)


def job_columns(db: Database) -> set[str]:
    return {c["name"] for c in sa.inspect(db.engine).get_columns("jobs")}


def test_down_drops_the_latest_runs_and_up_backfills_them(db: Database) -> None:
    upgrade(db)
    jobs = JobStore(db)
    a = jobs.create(Job(name="a", script_location="/x.py"), T0)
    b = jobs.create(Job(name="b", script_location="/x.py"), T0)
    jobs.create(Job(name="idle", script_location="/x.py"), T0)
    states = [S.SUCCEEDED, S.FAILED, S.RUNNING, S.ERROR, S.TIMEOUT]
    rows = [
        (replace(new_run(job, T0 + timedelta(minutes=i), arguments={}), id=new_run_id(),
                 state=states[i % len(states)]), job)
        for i, job in enumerate([a] * 14 + [b] * 2)
    ]  # fmt: skip
    seed_runs(db, rows)
    seeded = jobs.activity(["a", "b", "idle"])
    assert seeded["a"].recent == tuple(states[i % 5] for i in range(13, 3, -1))
    assert seeded["b"].recent == (S.SUCCEEDED, S.TIMEOUT)  # runs 15 and 14
    assert seeded["idle"] == JobActivity()

    command.downgrade(alembic_config(db), "0009")
    assert current_revision(db) == "0009" and "recent_runs" not in job_columns(db)
    upgrade(db)
    assert current_revision(db) == head_revision() and "recent_runs" in job_columns(db)
    assert jobs.activity(["a", "b", "idle"]) == seeded
