"""MetricsHistory over fakes: thinning, batching, failed flushes, the bound, reads."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Coroutine, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from stoker.aio import Blocking
from stoker.domain.jobs import ExecutorKind
from stoker.domain.runs import JobRun
from stoker.domain.sparkmetrics import SparkSample
from stoker.domain.states import RunState
from stoker.errors import NotFound, StoreUnavailable
from stoker.metrics.history import MetricsHistory

T0 = 1_780_000_000.0


class FakeStore:
    def __init__(self) -> None:
        self.batches: list[list[tuple[str, SparkSample]]] = []
        self.fail: Exception | None = None

    def add_many(self, samples: Sequence[tuple[str, SparkSample]]) -> int:
        if self.fail is not None:
            raise self.fail
        self.batches.append(list(samples))
        return len(samples)

    def history(self, run_id: str) -> list[SparkSample]:
        found = [s for batch in self.batches for rid, s in batch if rid == run_id]
        return sorted(found, key=lambda s: s.sampled_at)

    def stored(self) -> list[tuple[str, SparkSample]]:
        return [item for batch in self.batches for item in batch]


class FakeRuns:
    def __init__(self, *run_ids: str) -> None:
        self.ids = set(run_ids)

    def get(self, run_id: str) -> JobRun:
        if run_id not in self.ids:
            raise NotFound(f"job run {run_id!r} does not exist", field="run_id")
        now = datetime(2026, 1, 1, tzinfo=UTC)
        return JobRun(
            id=run_id, job_name="etl", state=RunState.RUNNING, attempt=0,
            previous_run_id=None, triggered_by="manual", arguments={},
            resolved_arguments={}, timeout=10, notify_delay_after=None, executor=ExecutorKind.POOL,
            max_retries=0, queuing_enabled=True, started_on=now, last_modified_on=now,
        )  # fmt: skip


def at(seconds: float, final: bool = False) -> SparkSample:
    return SparkSample(sampled_at=T0 + seconds, bytes_read=int(seconds), final=final)


@pytest.fixture
def io() -> Iterator[Blocking]:
    blocking = Blocking(threads=1)
    yield blocking
    blocking.close()


def synchronous(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async test on its own event loop (the suite has no asyncio plugin)."""

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    return run


def history(store: FakeStore, io: Blocking, **options: object) -> MetricsHistory:
    return MetricsHistory(store, FakeRuns("a", "b"), io, interval_seconds=10, **options)  # type: ignore[arg-type]


@synchronous
async def test_keeps_first_then_interval_apart_and_final(io: Blocking) -> None:
    store = FakeStore()
    recorder = history(store, io)
    for seconds in (0, 4, 9.9, 10, 15, 21, 23):
        recorder.record("a", "etl", at(seconds))
    recorder.record("a", "etl", at(24, final=True))
    await recorder.flush()
    assert [s.sampled_at - T0 for s in store.history("a")] == [0, 10, 21, 24]
    # After the final the run is forgotten: a later sample counts as a first one.
    recorder.record("a", "etl", at(25))
    await recorder.flush()
    assert len(store.history("a")) == 5


@synchronous
async def test_runs_are_thinned_independently(io: Blocking) -> None:
    store = FakeStore()
    recorder = history(store, io)
    for seconds in (0, 5, 10):
        recorder.record("a", "etl", at(seconds))
        recorder.record("b", "etl", at(seconds + 3))
    await recorder.flush()
    assert [s.sampled_at - T0 for s in store.history("a")] == [0, 10]
    assert [s.sampled_at - T0 for s in store.history("b")] == [3, 13]


@synchronous
async def test_flushes_in_batches_from_the_background_task(io: Blocking) -> None:
    store = FakeStore()
    recorder = history(store, io, batch_size=3, flush_seconds=60)
    recorder.start()
    for i in range(7):
        recorder.record(f"r{i}", "etl", at(0))
    # A full batch wakes the task long before the 60 s flush interval.
    for _ in range(200):
        if store.stored():
            break
        await asyncio.sleep(0.01)
    assert store.batches and all(len(b) <= 3 for b in store.batches)
    await recorder.stop()  # flushes the rest
    assert len(store.stored()) == 7


@synchronous
async def test_periodic_flush_without_a_full_batch(io: Blocking) -> None:
    store = FakeStore()
    recorder = history(store, io, flush_seconds=0.02)
    recorder.start()
    recorder.record("a", "etl", at(0))
    for _ in range(200):
        if store.stored():
            break
        await asyncio.sleep(0.01)
    await recorder.stop()
    assert store.stored() == [("a", at(0))]


@synchronous
async def test_failed_flush_is_logged_once_and_retried_without_loss(
    io: Blocking, caplog: pytest.LogCaptureFixture
) -> None:
    store = FakeStore()
    store.fail = StoreUnavailable("database unavailable: disk I/O error")
    recorder = history(store, io)
    recorder.record("a", "etl", at(0))
    with caplog.at_level(logging.INFO, logger="stoker.metrics.history"):
        assert await recorder.flush() is False
        recorder.record("a", "etl", at(10))
        assert await recorder.flush() is False
        failures = [r for r in caplog.records if r.action == "metrics_history.flush_failed"]
        assert len(failures) == 1
        assert "disk I/O error" in failures[0].error and failures[0].buffered == 1
        store.fail = None
        assert await recorder.flush() is True
        assert any(r.action == "metrics_history.flush_recovered" for r in caplog.records)
    assert [s for _, s in store.stored()] == [at(0), at(10)]


@synchronous
async def test_over_the_bound_oldest_non_final_samples_are_dropped(
    io: Blocking, caplog: pytest.LogCaptureFixture
) -> None:
    store = FakeStore()
    store.fail = StoreUnavailable("down")
    recorder = history(store, io, max_buffer=10)
    recorder.record("final", "etl", at(0, final=True))
    with caplog.at_level(logging.WARNING, logger="stoker.metrics.history"):
        for i in range(10):
            recorder.record(f"r{i}", "etl", at(i))
    assert any(r.action == "metrics_history.dropped" for r in caplog.records)
    store.fail = None
    await recorder.flush()
    kept = [rid for rid, _ in store.stored()]
    assert "final" in kept and len(kept) == 9  # 11 > 10: cut to 90% (9), final kept
    assert kept[-1] == "r9" and "r0" not in kept


@synchronous
async def test_record_never_raises(io: Blocking, caplog: pytest.LogCaptureFixture) -> None:
    recorder = history(FakeStore(), io)
    recorder.record("a", "etl", None)  # type: ignore[arg-type]
    assert any(r.action == "metrics_history.record_failed" for r in caplog.records)


@synchronous
async def test_get_includes_buffered_samples_and_names_the_job(io: Blocking) -> None:
    store = FakeStore()
    recorder = history(store, io, flush_seconds=60)
    recorder.record("a", "etl", at(0))
    recorder.record("a", "etl", at(10, final=True))
    got = await recorder.get("a")
    assert got.run_id == "a" and got.job_name == "etl"
    assert got.samples == [at(0), at(10, final=True)]
    assert (await recorder.get("b")).samples == []


@synchronous
async def test_get_reads_the_buffer_while_the_store_refuses_writes(io: Blocking) -> None:
    store = FakeStore()
    recorder = history(store, io)
    recorder.record("a", "etl", at(0))
    await recorder.flush()
    store.fail = StoreUnavailable("locked")
    recorder.record("a", "etl", at(10))
    assert (await recorder.get("a")).samples == [at(0), at(10)]


@synchronous
async def test_get_unknown_run_is_not_found(io: Blocking) -> None:
    with pytest.raises(NotFound):
        await history(FakeStore(), io).get("nope")
