"""RunMetricsStore over SQLite and PostgreSQL: batched writes, ordered reads, per run, and a
job's over a time range."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from stoker.aio import Blocking
from stoker.domain.events import EventIdentity
from stoker.domain.ids import new_run_id
from stoker.domain.metricsrange import RUNS_PER_POINT, SAMPLES_PER_RUN, JobMetricsRange, buckets
from stoker.domain.runs import new_run
from stoker.domain.sparkmetrics import ExecutorSample, RunMetricsHistory, SparkSample
from stoker.domain.states import RunState
from stoker.errors import NotFound
from stoker.metrics.history import MetricsHistory
from stoker.store.engine import Database
from stoker.store.history import seed_runs
from stoker.store.jobs import JobStore
from stoker.store.run_metrics import RunMetricsStore
from stoker.store.runs import RunStore
from tests.integration.store.conftest import Clock, make_job
from tests.integration.store.test_runs import start

T0 = 1_780_000_000.25
H0 = datetime(2026, 11, 30, 12, tzinfo=UTC)


def sample(at: float, **fields: object) -> SparkSample:
    return SparkSample(sampled_at=at, **fields)  # type: ignore[arg-type]


def test_add_many_and_history_round_trip(db: Database) -> None:
    store = RunMetricsStore(db)
    rich = sample(
        T0 + 10,
        bytes_read=1 << 40,
        records_read=7,
        shuffle_bytes_written=3,
        completed_stages=2,
        active_executors=1,
        max_needed_executors=4,
        executors=(
            ExecutorSample("driver", 512, 1024, 0.25),
            ExecutorSample("1", 100),
        ),
        final=True,
    )
    # Written out of order: history orders by sampled_at, not by insertion.
    assert store.add_many([("a", rich), ("b", sample(T0)), ("a", sample(T0))]) == 3
    assert store.history("a") == [sample(T0), rich]
    assert store.history("b") == [sample(T0)]
    assert store.history("nope") == []
    assert store.add_many([]) == 0


def test_sampled_at_keeps_sub_second_precision(db: Database) -> None:
    store = RunMetricsStore(db)
    store.add_many([("a", sample(T0 + 0.5)), ("a", sample(T0 + 0.25))])
    assert [s.sampled_at for s in store.history("a")] == [T0 + 0.25, T0 + 0.5]


def test_a_batch_is_one_transaction(db: Database) -> None:
    store = RunMetricsStore(db)
    # The second row breaks NOT NULL: the first, written before it, is rolled back too.
    with pytest.raises(IntegrityError):
        store.add_many([("a", sample(T0)), (None, sample(T0 + 1))])  # type: ignore[list-item]
    assert store.history("a") == []


def test_concurrent_batches_all_land(db: Database) -> None:
    store = RunMetricsStore(db)

    def write(worker: int) -> None:
        for i in range(10):
            store.add_many([(f"r{worker}", sample(T0 + i)) for _ in range(5)])

    threads = [threading.Thread(target=write, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(len(store.history(f"r{w}")) == 50 for w in range(4))


def test_recorder_over_the_real_store(db: Database, runs: RunStore, jobs: JobStore,
                                      clock: Clock) -> None:  # fmt: skip
    run = start(runs, jobs, make_job(), clock)

    async def scenario() -> RunMetricsHistory:
        io = Blocking(threads=2)
        recorder = MetricsHistory(RunMetricsStore(db), runs, io, interval_seconds=10,
                                  batch_size=50, flush_seconds=0.05)  # fmt: skip
        recorder.start()
        try:
            for i in range(300):  # 1 s apart: every 10th is kept
                recorder.record(run.id, run.job_name, sample(T0 + i, bytes_read=i))
            recorder.record(run.id, run.job_name, sample(T0 + 300, final=True))
            with pytest.raises(NotFound):
                await recorder.get("jr_missing")
            return await recorder.get(run.id)
        finally:
            await recorder.stop()
            io.close()

    got = asyncio.run(scenario())
    assert got.job_name == "etl"
    assert [s.sampled_at - T0 for s in got.samples] == [*range(0, 300, 10), 300]
    assert got.samples[-1].final
    assert RunMetricsStore(db).history(run.id) == got.samples


def test_a_job_over_a_time_range_reads_the_latest_runs_of_each_bucket(
    db: Database, jobs: JobStore
) -> None:
    etl, other = jobs.create(make_job("etl"), H0), jobs.create(make_job("other"), H0)
    # Bucket 0 (the first hour): four runs of etl and one of other; bucket 2: one run.
    starts = [(etl, 5), (etl, 10), (other, 20), (etl, 30), (etl, 40), (etl, 150)]
    runs = [
        (replace(new_run(job, H0 + timedelta(minutes=m), arguments={}), id=new_run_id(),
                 state=RunState.SUCCEEDED), job)
        for job, m in starts
    ]  # fmt: skip
    seed_runs(db, runs)
    store = RunMetricsStore(db)
    for k, (run, _) in enumerate(runs):
        at = (run.started_on - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds()
        heap = ExecutorSample("driver", 100 * k, 1000)
        store.add_many([
            # The two oldest samples need 9 executors: beyond the newest read, never seen.
            (run.id, sample(at + i, bytes_read=100 * k + i, active_executors=i % 3,
                            max_needed_executors=9 if i < 2 else 1, executors=(heap,)))
            for i in range(SAMPLES_PER_RUN + 2)
        ])  # fmt: skip
    spans = buckets(H0, H0 + timedelta(hours=3), 3)
    found = store.job_range("etl", spans)
    assert sorted(found) == [0, 2]
    assert len(found[0]) == RUNS_PER_POINT == 2
    assert all(run.max_needed_executors == 1 for run in found[0])
    newest = SAMPLES_PER_RUN + 1
    assert sorted(r.totals["bytes_read"] for r in found[0]) == [300 + newest, 400 + newest]

    async def scenario() -> JobMetricsRange:
        io = Blocking(threads=1)
        try:
            recorder = MetricsHistory(store, RunStore(db, EventIdentity(), 1), io)
            return await recorder.over_range("etl", H0, H0 + timedelta(hours=3), 3)
        finally:
            io.close()

    got = asyncio.run(scenario())
    assert got.bucket_seconds == 3600
    assert [(p.at, p.runs) for p in got.points] == [(H0, 2), (H0 + timedelta(hours=2), 1)]
    first = got.points[0]
    assert first.totals["bytes_read"] == 350 + newest  # the mean of runs 3 and 4's totals
    assert first.active_executors == 2  # each run's peak
    assert first.driver_heap_usage == pytest.approx(0.35)  # heaps 300 and 400 of 1000
    assert first.executors_heap_usage is None  # the driver only, as in local mode
    assert asyncio.run(_empty_range(db)) == []


async def _empty_range(db: Database) -> list[object]:
    io = Blocking(threads=1)
    try:
        recorder = MetricsHistory(RunMetricsStore(db), RunStore(db, EventIdentity(), 1), io)
        found = await recorder.over_range("nobody", H0, H0 + timedelta(days=7), 120)
        return list(found.points)
    finally:
        io.close()
