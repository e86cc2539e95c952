"""The sampling thread, the metrics wire message and the isolated run's samples file."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from stoker.domain.jobs import ExecutorKind
from stoker.domain.sparkmetrics import SparkSample
from stoker.executors.base import RunSpec
from stoker.executors.logs import metrics_path
from stoker.executors.process import SampleReader
from stoker.executors.sparksampler import MAX_PENDING_FINALS, RunSampler, open_sampler
from stoker.executors.sparkstats import SparkStats

from .test_sparkstats import FakeSource, attempt


class Sent:
    def __init__(self) -> None:
        self.items: list[tuple[str, str, SparkSample]] = []
        self.cond = threading.Condition()

    def __call__(self, run_id: str, job_name: str, sample: SparkSample) -> None:
        with self.cond:
            self.items.append((run_id, job_name, sample))
            self.cond.notify_all()

    def wait_for(self, predicate: Any, timeout: float = 5.0) -> None:
        with self.cond:
            assert self.cond.wait_for(lambda: predicate(self.items), timeout)

    def finals(self, run_id: str) -> list[SparkSample]:
        return [s for r, _, s in self.items if r == run_id and s.final]


def make_source() -> FakeSource:
    src = FakeSource()
    src.groups = {"r1": [0], "r2": [1]}
    src.jobs = {0: ([0], True), 1: ([1], True)}
    src.stages = {0: [attempt(0)], 1: [attempt(1)]}
    return src


def test_samples_while_running_then_one_final() -> None:
    sent, drained = Sent(), []
    sampler = RunSampler(SparkStats(make_source()), sent, 0.02, drain=drained.append)
    sampler.start()
    sampler.begin("r1", "job")
    sent.wait_for(lambda items: len(items) >= 3)
    sampler.end("r1")
    sent.wait_for(lambda items: items[-1][2].final)
    sampler.close(5)
    assert drained == [5.0]
    assert [s.final for _, _, s in sent.items].count(True) == 1
    assert {(r, j) for r, j, _ in sent.items} == {("r1", "job")}
    assert sent.items[-1][2].completed_stages == 1


def test_final_of_a_run_is_sent_after_the_next_run_began() -> None:
    sent = Sent()
    gate = threading.Event()
    sampler = RunSampler(SparkStats(make_source()), sent, 60, drain=lambda _: gate.wait(5))
    sampler.start()
    sampler.begin("r1", "a")
    sampler.end("r1")
    sampler.begin("r2", "b")  # returns at once although r1's final is still draining
    sampler.end("r2")
    gate.set()
    sent.wait_for(lambda items: len(items) == 2)
    sampler.close(5)
    assert [(r, j, s.final) for r, j, s in sent.items] == [("r1", "a", True), ("r2", "b", True)]


def test_end_of_another_run_is_ignored() -> None:
    sent = Sent()
    sampler = RunSampler(SparkStats(make_source()), sent, 60)
    sampler.start()
    sampler.begin("r1", "a")
    sampler.end("r9")
    sampler.close(5)
    assert sent.items == []


def test_errors_are_logged_once_and_never_raise() -> None:
    src = make_source()
    src.groups = {}
    logged: list[str] = []
    stats = SparkStats(src)

    def broken(run_id: str) -> list[int]:
        raise RuntimeError("context stopped")

    src.job_ids = broken  # type: ignore[method-assign]
    sent = Sent()
    sampler = RunSampler(stats, sent, 0.01, log=logged.append)
    sampler.start()
    sampler.begin("r1", "a")
    time.sleep(0.1)
    sampler.end("r1")
    sampler.close(5)
    assert sent.items == []
    assert len(logged) == 1 and "context stopped" in logged[0]


def test_a_failing_send_is_logged() -> None:
    logged: list[str] = []

    def send(run_id: str, job_name: str, sample: SparkSample) -> None:
        raise BrokenPipeError

    sampler = RunSampler(SparkStats(make_source()), send, 60, log=logged.append)
    sampler.start()
    sampler.begin("r1", "a")
    sampler.end("r1")
    sampler.close(5)
    assert len(logged) == 1 and "BrokenPipeError" in logged[0]


@pytest.mark.parametrize("interval", [None, 0, 0.0])
def test_off_means_no_sampler(interval: float | None) -> None:
    assert open_sampler(object(), Sent(), interval) is None


def test_no_ui_means_no_sampler_and_one_line() -> None:
    logged: list[str] = []
    sc = SimpleNamespace(statusTracker=lambda: None, uiWebUrl=None)
    assert open_sampler(sc, Sent(), 1.0, logged.append) is None
    assert len(logged) == 1 and "spark.ui.enabled" in logged[0]


def test_sample_reader_hands_over_complete_new_lines(tmp_path: Path) -> None:
    spec = RunSpec(
        run_id="jr_1",
        job_name="job",
        attempt=1,
        kind=ExecutorKind.ISOLATED,
        script_location="x.py",
        arguments={},
        stdout_path=tmp_path / "stdout",
        stderr_path=tmp_path / "stderr",
    )
    got: list[tuple[str, str, SparkSample]] = []
    reader = SampleReader(spec, lambda *item: got.append(item))
    reader.read()  # no file yet
    path = metrics_path(spec)
    path.write_text('{"sampled_at": 1, "records_read": 2}\n{"sampled_at": 2, "rec')
    reader.read()
    assert got == [("jr_1", "job", SparkSample(sampled_at=1.0, records_read=2))]
    with path.open("a") as fh:
        fh.write('ords_read": 5, "final": true}\nnot json\n')
    reader.read()
    reader.read()
    assert [s.records_read for _, _, s in got] == [2, 5] and got[-1][2].final


def test_a_backlog_of_finals_is_bounded() -> None:
    sent, logged = Sent(), []
    sampler = RunSampler(SparkStats(make_source()), sent, 60, log=logged.append)
    for i in range(MAX_PENDING_FINALS + 3):  # the thread is not started yet: all queue up
        sampler.begin(f"r{i}", "a")
        sampler.end(f"r{i}")
    sampler.start()
    sampler.close(10)
    assert len(sent.items) == MAX_PENDING_FINALS
    assert sent.items[0][0] == "r3"
    assert len(logged) == 1 and "r0" in logged[0]
