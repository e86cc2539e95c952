"""Aggregating a run's Spark figures from fake status and REST answers."""

from __future__ import annotations

from typing import Any

import pytest

from stoker.domain.sparkmetrics import ExecutorSample
from stoker.executors.sparkstats import (
    SparkStats,
    StageMissing,
    needed_executors,
    parse_memory,
)

DRIVER = ExecutorSample("driver", 100, 1000, 0.25)


def attempt(stage: int, status: str = "COMPLETE", attempt_id: int = 0, **figures: int) -> Any:
    base = {
        "stageId": stage,
        "attemptId": attempt_id,
        "status": status,
        "numTasks": 4,
        "numActiveTasks": 0,
        "numCompleteTasks": 4 if status == "COMPLETE" else 0,
        "numFailedTasks": 0,
        "numKilledTasks": 0,
        "inputBytes": 10,
        "inputRecords": 1,
        "outputBytes": 20,
        "outputRecords": 2,
        "shuffleReadBytes": 30,
        "shuffleLocalBytesRead": 25,
        "shuffleWriteBytes": 40,
    }
    return {**base, **figures}


class FakeSource:
    """Jobs by group, stage attempts by id, executors; counts every REST fetch."""

    def __init__(self, local: bool = True) -> None:
        self.local = local
        self.executor_memory: int | None = 2 * 1024**3
        self.groups: dict[str, list[int]] = {}
        self.jobs: dict[int, tuple[list[int], bool]] = {}
        self.stages: dict[int, Any] = {}
        self.executors: list[dict[str, Any]] = [{"id": "driver", "maxTasks": 2}]
        self.fetches: list[str] = []
        self.broken: set[str] = set()

    def job_ids(self, group: str) -> list[int]:
        return self.groups.get(group, [])

    def job(self, job_id: int) -> tuple[list[int], bool] | None:
        return self.jobs.get(job_id)

    def fetch(self, path: str) -> Any:
        self.fetches.append(path)
        if path in self.broken:
            raise OSError("connection refused")
        if path == "/executors":
            return self.executors
        stage = int(path.removeprefix("/stages/").split("?")[0])
        if stage not in self.stages:
            raise StageMissing(path)
        return self.stages[stage]

    def driver_jvm(self) -> ExecutorSample:
        return DRIVER


@pytest.fixture
def source() -> FakeSource:
    src = FakeSource()
    src.groups["r1"] = [0, 1]
    src.jobs = {0: ([0, 1], True), 1: ([2], True)}
    src.stages = {0: [attempt(0)], 1: [attempt(1)], 2: [attempt(2)]}
    return src


def test_sums_the_stages_of_the_runs_jobs(source: FakeSource) -> None:
    sample = SparkStats(source, clock=lambda: 42.0).sample("r1", final=True)
    assert sample.sampled_at == 42.0 and sample.final
    assert (sample.bytes_read, sample.records_read) == (30, 3)
    assert (sample.bytes_written, sample.records_written) == (60, 6)
    assert (sample.shuffle_bytes_read, sample.shuffle_local_bytes_read) == (90, 75)
    assert sample.shuffle_bytes_written == 120
    assert (sample.completed_stages, sample.completed_tasks) == (3, 12)
    assert sample.executors == (DRIVER,)
    assert (sample.active_executors, sample.max_needed_executors) == (1, 0)


def test_other_groups_do_not_count(source: FakeSource) -> None:
    source.groups["r2"] = [1]
    sample = SparkStats(source).sample("r2")
    assert sample.completed_stages == 1 and sample.records_read == 1


def test_attempts_are_all_summed_and_a_stage_completes_once(source: FakeSource) -> None:
    source.stages[2] = [
        attempt(2, "COMPLETE", 1, numCompleteTasks=1, inputRecords=5),
        attempt(2, "FAILED", 0, numCompleteTasks=3, numFailedTasks=1, inputRecords=7),
    ]
    sample = SparkStats(source).sample("r1")
    assert sample.completed_stages == 3
    assert sample.completed_tasks == 4 + 4 + 1 + 3
    assert sample.failed_tasks == 1
    assert sample.records_read == 1 + 1 + 5 + 7


def test_skipped_stages_count_nothing(source: FakeSource) -> None:
    source.stages[1] = [attempt(1, "SKIPPED", numCompleteTasks=4)]
    sample = SparkStats(source).sample("r1")
    assert sample.completed_stages == 2 and sample.records_read == 2


def test_settled_stages_are_fetched_once_and_survive_retention(source: FakeSource) -> None:
    stats = SparkStats(source, clock=lambda: 1.0)
    first = stats.sample("r1")
    source.fetches.clear()
    del source.stages[0]  # the UI dropped it (retention)
    source.jobs.pop(0)
    source.groups["r1"] = [1]  # ... and its job
    again = stats.sample("r1")
    assert again == first
    assert [f for f in source.fetches if f.startswith("/stages")] == []


def test_active_stages_are_refetched_until_settled(source: FakeSource) -> None:
    source.jobs[1] = ([2], False)
    source.stages[2] = [attempt(2, "ACTIVE", numActiveTasks=2, numCompleteTasks=1, numTasks=10)]
    stats = SparkStats(source)
    running = stats.sample("r1")
    assert running.completed_stages == 2 and running.completed_tasks == 9
    assert running.max_needed_executors == 5  # (2 running + 7 pending) / 2 slots, rounded up
    source.jobs[1] = ([2], True)
    source.stages[2] = [attempt(2)]
    done = stats.sample("r1")
    assert done.completed_stages == 3 and done.max_needed_executors == 0
    source.fetches.clear()
    stats.sample("r1")
    assert [f for f in source.fetches if f.startswith("/stages")] == []


def test_failed_stage_settles_only_when_no_job_runs(source: FakeSource) -> None:
    source.jobs[1] = ([2], False)
    source.stages[2] = [attempt(2, "FAILED", numFailedTasks=1)]
    stats = SparkStats(source)
    stats.sample("r1")
    source.stages[2] = [attempt(2, "COMPLETE", 1), attempt(2, "FAILED", 0, numFailedTasks=1)]
    resubmitted = stats.sample("r1")  # the retry attempt is seen: FAILED was not cached
    assert resubmitted.completed_stages == 3 and resubmitted.failed_tasks == 1


def test_fetch_errors_keep_last_figures_and_are_reported(source: FakeSource) -> None:
    source.jobs[1] = ([2], False)
    source.stages[2] = [attempt(2, "ACTIVE", numActiveTasks=1, numCompleteTasks=2)]
    stats = SparkStats(source)
    before = stats.sample("r1")
    source.broken = {"/stages/2?details=false", "/executors"}
    after = stats.sample("r1")  # local mode read /executors once, at the first sample
    assert after.records_read == before.records_read and after.completed_tasks == 10
    assert after.max_needed_executors == before.max_needed_executors == 1
    assert len(stats.problems) == 1 and stats.problems[0].startswith("stage 2: OSError")
    fresh = SparkStats(source)
    sample = fresh.sample("r1")
    assert sample.completed_stages == 2  # stage 2 never fetched: nothing for it
    assert sample.executors == (DRIVER,) and sample.active_executors == 1
    assert len(fresh.problems) == 2  # stage 2, and /executors for the slots


def test_missing_stages_and_forgotten_jobs_count_nothing(source: FakeSource) -> None:
    del source.stages[2]
    source.groups["r1"] = [0, 1, 7]
    stats = SparkStats(source)
    assert stats.sample("r1").completed_stages == 2
    assert stats.problems == []


def test_cluster_executors(source: FakeSource) -> None:
    now = [100.0]
    src = FakeSource(local=False)
    src.groups, src.jobs, src.stages = source.groups, source.jobs, source.stages
    src.executors = [
        {"id": "driver", "isActive": True, "totalCores": 0, "maxTasks": 0},
        {"id": "1", "isActive": True, "totalCores": 4, "maxTasks": 4, "totalDuration": 1000,
         "peakMemoryMetrics": {"JVMHeapMemory": 500}},
        {"id": "2", "isActive": False, "totalCores": 4, "maxTasks": 4},
    ]  # fmt: skip
    stats = SparkStats(src, clock=lambda: now[0])
    first = stats.sample("r1")
    assert first.active_executors == 1
    assert first.executors[1] == ExecutorSample("1", 500, 2 * 1024**3, None)
    now[0] = 102.0
    src.executors[1] = {**src.executors[1], "totalDuration": 5000}
    second = stats.sample("r1")
    assert second.executors[1].cpu_load == pytest.approx(4.0 / (2.0 * 4))


def test_executor_heap_is_unknown_until_its_first_heartbeat(source: FakeSource) -> None:
    src = FakeSource(local=False)
    src.groups, src.jobs, src.stages = source.groups, source.jobs, source.stages
    src.executors = [{"id": "0", "isActive": True, "totalCores": 1, "maxTasks": 1}]
    (executor,) = [e for e in SparkStats(src).sample("r1").executors if e.executor_id == "0"]
    assert executor == ExecutorSample("0", 0, None, None)
    assert executor.heap_usage is None  # unknown, not 0 % used


def test_executor_cpu_baseline_is_per_run(source: FakeSource) -> None:
    """A run's first sample has no executor CPU load: a baseline from an earlier run's
    sample would spread this run's tasks over the idle time between the runs."""
    now = [100.0]
    src = FakeSource(local=False)
    src.groups = {"r1": [0], "r2": [1]}
    src.jobs, src.stages = source.jobs, source.stages
    src.executors = [{"id": "0", "isActive": True, "totalCores": 1, "totalDuration": 0}]
    stats = SparkStats(src, clock=lambda: now[0])

    def load(run_id: str, at: float, duration_ms: int) -> float | None:
        now[0] = at
        src.executors[0]["totalDuration"] = duration_ms
        (executor,) = [e for e in stats.sample(run_id).executors if e.executor_id == "0"]
        return executor.cpu_load

    assert load("r1", 100.0, 0) is None
    assert load("r1", 101.0, 500) == pytest.approx(0.5)
    stats.forget("r1")
    assert load("r2", 3700.0, 1000) is None  # an hour later: not 500 ms / 3,599 s
    assert load("r2", 3701.0, 2000) == pytest.approx(1.0)


def test_executor_errors_give_partial_figures(source: FakeSource) -> None:
    src = FakeSource(local=False)
    src.groups, src.jobs, src.stages = source.groups, source.jobs, source.stages
    src.broken = {"/executors"}
    stats = SparkStats(src)
    sample = stats.sample("r1")
    assert sample.completed_stages == 3 and sample.executors == (DRIVER,)
    assert sample.active_executors == 0
    assert len(stats.problems) == 1 and "executors" in stats.problems[0]


def test_forget_drops_a_runs_cache(source: FakeSource) -> None:
    stats = SparkStats(source)
    stats.sample("r1")
    stats.forget("r1")
    source.fetches.clear()
    stats.sample("r1")
    assert len([f for f in source.fetches if f.startswith("/stages")]) == 3


@pytest.mark.parametrize(
    ("tasks", "slots", "needed"), [(0, 2, 0), (1, 2, 1), (2, 2, 1), (3, 2, 2), (5, 0, 5)]
)
def test_needed_executors(tasks: int, slots: int, needed: int) -> None:
    assert needed_executors(tasks, slots) == needed


@pytest.mark.parametrize(
    ("text", "size"),
    [("4g", 4 * 1024**3), ("512m", 512 * 1024**2), ("1024", 1024**3), ("2gb", 2 * 1024**3),
     ("10k", 10240), (None, None), ("lots", None)],
)  # fmt: skip
def test_parse_memory(text: str | None, size: int | None) -> None:
    assert parse_memory(text) == size
