"""The jobs list's filters and each job's recent runs, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from stoker.domain.events import EventIdentity
from stoker.domain.ids import new_run_id
from stoker.domain.jobs import JobCursor, JobFilter, JobSort
from stoker.domain.runs import JobActivity, new_run
from stoker.domain.states import RunState
from stoker.store.engine import Database
from stoker.store.history import seed_runs
from stoker.store.jobs import JobStore
from stoker.store.runs import RunStore

from .conftest import make_job

S = RunState
T0 = datetime(2026, 11, 1, tzinfo=UTC)


def seed(db: Database, jobs: JobStore) -> None:
    specs = {
        "Orders_ETL": {"team": "data", "tier": "1"},
        "orders_backfill": {"team": "data"},
        "pay_100%_sync": {"team": "pay"},
        "pay_1x0_sync": {},
        "idle": {"team": "data"},
    }
    for name, tags in specs.items():
        jobs.create(make_job(name, tags=tags), T0)
    states = {
        "Orders_ETL": [S.FAILED] * 3 + [S.SUCCEEDED] * 12,  # oldest first: newest SUCCEEDED
        "orders_backfill": [S.SUCCEEDED, S.FAILED],
        "pay_100%_sync": [S.RUNNING],
        "pay_1x0_sync": [S.SUCCEEDED],
    }
    rows = []
    for i, (name, seq) in enumerate(states.items()):
        job = make_job(name)
        for j, state in enumerate(seq):
            run = new_run(job, T0 + timedelta(minutes=10 * j + i), arguments={})
            rows.append((replace(run, id=new_run_id(), state=state), job))
    rows.sort(key=lambda r: r[0].started_on)
    seed_runs(db, rows)


def names(
    jobs: JobStore, where: JobFilter, limit: int = 100, after: str | None = None
) -> list[str]:
    return [j.name for j in jobs.list_jobs(limit, after, where)]


def test_filters(db: Database, jobs: JobStore) -> None:
    seed(db, jobs)
    assert names(jobs, JobFilter(name_contains="ORDERS")) == ["Orders_ETL", "orders_backfill"]
    # % and _ are literal characters in a name filter, not LIKE patterns.
    assert names(jobs, JobFilter(name_contains="100%")) == ["pay_100%_sync"]
    assert names(jobs, JobFilter(name_contains="_1_")) == []
    assert names(jobs, JobFilter(tag_key="team")) == [
        "Orders_ETL", "idle", "orders_backfill", "pay_100%_sync",
    ]  # fmt: skip
    assert names(jobs, JobFilter(tag_key="team", tag_value="data")) == [
        "Orders_ETL", "idle", "orders_backfill",
    ]  # fmt: skip
    assert names(jobs, JobFilter(tag_key="tier", tag_value="2")) == []
    assert names(jobs, JobFilter(last_state=S.FAILED)) == ["orders_backfill"]
    assert names(jobs, JobFilter(last_state=S.SUCCEEDED)) == ["Orders_ETL", "pay_1x0_sync"]
    both = JobFilter(name_contains="pay", tag_key="team", last_state=S.RUNNING)
    assert names(jobs, both) == ["pay_100%_sync"]
    # Keyset pages by name, filters and all.
    assert names(jobs, JobFilter(tag_key="team"), limit=2, after="idle") == [
        "orders_backfill", "pay_100%_sync",
    ]  # fmt: skip


def test_activity_newest_run_and_ten_states_at_most(db: Database, jobs: JobStore) -> None:
    seed(db, jobs)
    activity = jobs.activity(["Orders_ETL", "orders_backfill", "idle", "missing"])
    assert activity["Orders_ETL"].recent == (S.SUCCEEDED,) * 10
    assert activity["orders_backfill"].recent == (S.FAILED, S.SUCCEEDED)
    assert activity["idle"] == JobActivity() and activity["missing"] == JobActivity()
    newest = activity["orders_backfill"].last  # its second run: minute 10 + job index 1
    assert newest is not None and newest.state is S.FAILED
    assert newest.started_on == T0 + timedelta(minutes=11) and newest.completed_on is None
    assert jobs.activity([]) == {}


def test_filters_follow_live_runs_and_edits(db: Database, jobs: JobStore) -> None:
    now = T0
    runs = RunStore(db, EventIdentity(), pool_capacity=2)
    job = jobs.create(make_job("live", tags={"team": "ads"}), now)
    run = runs.create(new_run(job, now, arguments={}), job, now)
    assert names(jobs, JobFilter(last_state=S.STARTING)) == ["live"]
    runs.transition(run.id, S.STARTING, S.RUNNING, now)
    second = runs.create(new_run(job, now, arguments={}), job, now)  # queued: one at a time
    runs.transition(run.id, S.RUNNING, S.FAILED, now)  # not the newest run any more
    assert names(jobs, JobFilter(last_state=S.WAITING)) == ["live"]
    assert jobs.activity(["live"])["live"].recent == (S.WAITING, S.FAILED)
    runs.transition(second.id, [S.WAITING, S.STARTING], S.STOPPED, now)
    assert names(jobs, JobFilter(last_state=S.STOPPED)) == ["live"]
    activity = jobs.activity(["live"])["live"]
    assert activity.recent == (S.STOPPED, S.FAILED)
    assert activity.last is not None and activity.last.id == second.id
    assert activity.last.completed_on == now
    assert names(jobs, JobFilter(last_state=S.FAILED)) == []
    jobs.replace(replace(job, tags={"team": "pay", "tier": "2"}), now)
    assert names(jobs, JobFilter(tag_key="team", tag_value="ads")) == []
    assert names(jobs, JobFilter(tag_key="tier", tag_value="2")) == ["live"]
    jobs.delete("live")
    assert names(jobs, JobFilter(tag_key="tier")) == []


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("sort", list(JobSort))
def test_every_order_pages_through_every_job(
    db: Database, jobs: JobStore, sort: JobSort, descending: bool
) -> None:
    """Keyset pages of two in each order, the cursor built from the last job of a page."""
    seed(db, jobs)
    jobs.replace(make_job("idle", tags={"team": "data"}), T0 + timedelta(days=1))
    where = JobFilter(sort=sort, descending=descending)
    everyone = jobs.list_jobs(100, None, where)
    seen: list[str] = []
    after = None
    while page := jobs.list_jobs(2, after, where):
        seen += [j.name for j in page]
        last = page[-1]
        newest = jobs.activity([last.name])[last.name].last
        last_seq = newest.seq if newest else 0
        value = {JobSort.NAME: None, JobSort.LAST_MODIFIED: last.last_modified_on,
                 JobSort.LAST_RUN: last_seq}[sort]  # fmt: skip
        after = JobCursor(last.name, value)
    assert seen == [j.name for j in everyone] and len(seen) == 5
    expected = {
        JobSort.NAME: sorted(seen),
        JobSort.LAST_MODIFIED: ["Orders_ETL", "orders_backfill", "pay_100%_sync",
                                "pay_1x0_sync", "idle"],  # idle edited last
        # Never run first, then by newest run: the seeding's runs interleave by minute.
        JobSort.LAST_RUN: ["idle", "pay_100%_sync", "pay_1x0_sync", "orders_backfill",
                           "Orders_ETL"],
    }[sort]  # fmt: skip
    assert seen == (expected[::-1] if descending else expected)


def test_live_runs_keep_the_latest_ten_states(db: Database, jobs: JobStore) -> None:
    runs = RunStore(db, EventIdentity(), pool_capacity=2)
    job = jobs.create(make_job("busy"), T0)
    for i in range(12):
        now = T0 + timedelta(minutes=i)
        run = runs.create(new_run(job, now, arguments={}), job, now)
        runs.transition(run.id, S.STARTING, S.RUNNING, now)
        runs.transition(run.id, S.RUNNING, S.FAILED if i == 11 else S.SUCCEEDED, now)
    assert jobs.activity(["busy"])["busy"].recent == (S.FAILED,) + (S.SUCCEEDED,) * 9
    newest = runs.create(new_run(job, T0 + timedelta(hours=1), arguments={}), job, T0)
    activity = jobs.activity(["busy"])["busy"]
    assert activity.recent == (S.STARTING, S.FAILED) + (S.SUCCEEDED,) * 8
    assert activity.last is not None and activity.last.id == newest.id


def test_a_job_created_under_a_deleted_ones_name_shows_its_runs(
    db: Database, jobs: JobStore
) -> None:
    runs = RunStore(db, EventIdentity(), pool_capacity=2)
    job = jobs.create(make_job("again"), T0)
    run = runs.create(new_run(job, T0, arguments={}), job, T0)
    runs.transition(run.id, S.STARTING, S.RUNNING, T0)
    runs.transition(run.id, S.RUNNING, S.SUCCEEDED, T0)
    jobs.delete("again")
    jobs.create(make_job("again"), T0 + timedelta(days=1))  # its History still lists run
    activity = jobs.activity(["again"])["again"]
    assert activity.recent == (S.SUCCEEDED,)
    assert activity.last is not None and activity.last.id == run.id
    assert names(jobs, JobFilter(last_state=S.SUCCEEDED)) == ["again"]
