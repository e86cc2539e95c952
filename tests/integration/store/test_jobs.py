"""Job rows: create, replace, get, list, delete — on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace

import pytest

from stoker.errors import Conflict, NotFound
from stoker.store.jobs import JobStore

from .conftest import Clock, make_job


def test_create_get_round_trips_every_field(jobs: JobStore, clock: Clock) -> None:
    job = make_job(
        description="orders",
        default_arguments={"--input": "a.csv"},
        non_overridable_arguments={"--env": "prod"},
        max_concurrent_runs=3,
        max_retries=2,
        timeout=60,
        notify_delay_after=5,
        spark_conf={"spark.sql.shuffle.partitions": "4"},
        tags={"team": "data"},
    )
    jobs.create(job, clock())
    got = jobs.get("etl")
    assert got == job.with_times(clock(), clock())


def test_duplicate_name_conflicts(jobs: JobStore, clock: Clock) -> None:
    jobs.create(make_job(), clock())
    with pytest.raises(Conflict, match="already exists"):
        jobs.create(make_job(), clock())


def test_replace_keeps_created_on(jobs: JobStore, clock: Clock) -> None:
    created = jobs.create(make_job(), clock())
    later = clock.tick(60)
    updated = jobs.replace(replace(make_job(), max_retries=3), later)
    assert updated.created_on == created.created_on
    assert jobs.get("etl").max_retries == 3
    assert jobs.get("etl").last_modified_on == later


def test_missing_job(jobs: JobStore, clock: Clock) -> None:
    with pytest.raises(NotFound):
        jobs.get("nope")
    with pytest.raises(NotFound):
        jobs.replace(make_job("nope"), clock())
    with pytest.raises(NotFound):
        jobs.delete("nope")


def test_list_pages_by_name(jobs: JobStore, clock: Clock) -> None:
    for name in ("c", "a", "b", "d"):
        jobs.create(make_job(name), clock())
    first = jobs.list_jobs(2)
    assert [j.name for j in first] == ["a", "b"]
    assert [j.name for j in jobs.list_jobs(10, after="b")] == ["c", "d"]
