"""RunMetricsStore over SQLite and PostgreSQL: batched writes, ordered reads, per run."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy.exc import IntegrityError

from stoker.domain.sparkmetrics import ExecutorSample, SparkSample
from stoker.store.engine import Database
from stoker.store.run_metrics import RunMetricsStore

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
