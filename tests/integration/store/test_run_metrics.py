"""RunMetricsStore over SQLite and PostgreSQL: batched writes, ordered reads, per run."""

from __future__ import annotations

import asyncio
import threading

import pytest
from sqlalchemy.exc import IntegrityError

from stoker.aio import Blocking
from stoker.domain.sparkmetrics import ExecutorSample, RunMetricsHistory, SparkSample
from stoker.errors import NotFound
from stoker.metrics.history import MetricsHistory
from stoker.store.engine import Database
from stoker.store.jobs import JobStore
from stoker.store.run_metrics import RunMetricsStore
from stoker.store.runs import RunStore
from tests.integration.store.conftest import Clock, make_job
from tests.integration.store.test_runs import start

T0 = 1_780_000_000.25


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
