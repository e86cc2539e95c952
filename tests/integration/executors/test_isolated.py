"""The isolated executor: one spark-submit per run, on a local master."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from stoker.config.settings import SparkSettings
from stoker.domain.jobs import ExecutorKind, SparkResources
from stoker.domain.runs import Exit, Outcome
from stoker.executors.isolated import IsolatedExecutor

from .conftest import LoopThread, make_spec
from .process_helpers import read_logs, run_to_end, stop_when_marked

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def executor(loop_thread: LoopThread) -> Iterator[IsolatedExecutor]:
    ex = IsolatedExecutor(SparkSettings(master="local[2]", stop_grace_seconds=5.0))
    yield ex
    loop_thread.run(ex.aclose())


def test_success(loop_thread: LoopThread, executor: IsolatedExecutor, tmp_path: Path) -> None:
    script = (
        "n = spark.range(7).count()\n"
        "jobs = sc.statusTracker().getJobIdsForGroup(args['JOB_RUN_ID'])\n"
        "print('count', n, 'jobs', len(jobs), 'day', args['day'])\n"
        "print('partitions', spark.conf.get('spark.sql.shuffle.partitions'))\n"
    )
    spec = make_spec(tmp_path, script, {"--day": "d1"}, kind=ExecutorKind.ISOLATED)
    spec = type(spec)(**{**spec.__dict__, "resources": SparkResources(driver_memory="1g"),
                         "spark_conf": {"spark.sql.shuffle.partitions": "3"}})  # fmt: skip
    assert run_to_end(loop_thread, executor, spec) == Exit(Outcome.SUCCEEDED)
    out, _ = read_logs(spec)
    assert "count 7 jobs" in out and "day d1" in out and "jobs 0" not in out
    assert "partitions 3" in out  # the job's Spark conf reaches spark-submit


def test_failure(loop_thread: LoopThread, executor: IsolatedExecutor, tmp_path: Path) -> None:
    spec = make_spec(tmp_path, "raise ValueError('boom')\n", kind=ExecutorKind.ISOLATED)
    assert run_to_end(loop_thread, executor, spec) == Exit(Outcome.FAILED, "ValueError: boom")
    assert "Traceback" in read_logs(spec)[1]


def test_stop(loop_thread: LoopThread, executor: IsolatedExecutor, tmp_path: Path) -> None:
    body = "import time\nwhile True:\n    spark.range(10).count()\n    time.sleep(0.05)\n"
    exit_ = stop_when_marked(loop_thread, executor, tmp_path, body, kind=ExecutorKind.ISOLATED)
    assert exit_.outcome is Outcome.STOPPED
