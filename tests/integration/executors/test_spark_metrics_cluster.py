"""Run metrics from a real Spark standalone cluster: a warm pool driver's samples of a
shuffle run whose tasks run on a real executor (id "0"), not the local-mode "driver".

One master and one worker (1 core, 1 GiB) are started from the pip-installed pyspark
(tests/support/spark_cluster.py); the pool's one driver gets one 512 MiB, 1-core
executor. Executor heap figures come from Spark's heartbeats, so the test conf sends one
every second (Spark's default is 10 s: see ``SparkStats._executor``).
"""

from __future__ import annotations

import itertools
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from stoker.config.settings import SparkSettings
from stoker.domain.runs import Exit, Outcome
from stoker.domain.sparkmetrics import SparkSample
from stoker.executors.pool.supervisor import WarmPool
from tests.support.spark_cluster import Cluster, tail

from .conftest import LoopThread, Received, make_spec, start_sampled_pool, wait_until
from .process_helpers import run_to_end

pytestmark = pytest.mark.spark

EXECUTOR_MEMORY_BYTES = 512 * 1024 * 1024  # spark.executor.memory=512m, as configured
GROUPS = 10
ROWS = 400_000

# Shuffle jobs (4 map tasks, AQE-coalesced reduce tasks) on the one 1-core executor for
# about 4 s, so the 0.5 s sampler sees tasks running and executor figures change; then a
# last grouped write, whose record count the final sample must show.
SHUFFLE_FOR_A_WHILE = f"""
import time
from pyspark.sql import functions as F

def grouped():
    data = spark.range(0, {ROWS}, numPartitions=4)
    return data.groupBy((F.col("id") % {GROUPS}).alias("k")).agg(F.sum("id").alias("total"))

end = time.monotonic() + 4.0
rounds = 0
while time.monotonic() < end or rounds < 2:
    assert len(grouped().collect()) == {GROUPS}
    rounds += 1
grouped().write.parquet(args["out"])
"""


@pytest.fixture(scope="module")
def cluster(standalone_cluster: Cluster) -> Cluster:
    return standalone_cluster


@pytest.fixture(scope="module")
def received() -> Received:
    return []


@pytest.fixture(scope="module")
def cluster_pool(
    loop_thread: LoopThread,
    cluster: Cluster,
    tmp_path_factory: pytest.TempPathFactory,
    received: Received,
) -> Iterator[WarmPool]:
    settings = SparkSettings(
        master=cluster.master_url,
        pool_size=1,
        start_timeout_seconds=120,
        conf={
            "spark.executor.memory": "512m",
            "spark.executor.cores": "1",
            "spark.cores.max": "1",
            # Executor heap figures arrive with heartbeats (default every 10 s).
            "spark.executor.heartbeatInterval": "1s",
        },
    )
    logs = tmp_path_factory.mktemp("drivers")

    try:
        pool = loop_thread.run(start_sampled_pool(settings, logs, received), timeout=150)
    except Exception as exc:
        driver_logs = "\n".join(tail(p, 40) for p in sorted(logs.rglob("*")) if p.is_file())
        pytest.fail(f"the pool did not start: {exc!r}\n{driver_logs}\n{cluster.tails()}")
    yield pool
    loop_thread.run(pool.aclose(), timeout=60)


def describe(samples: list[SparkSample]) -> str:
    return "\n".join(repr(s) for s in samples)


def test_cluster_run_figures(
    loop_thread: LoopThread,
    cluster: Cluster,
    cluster_pool: WarmPool,
    received: Received,
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    spec = make_spec(tmp_path, textwrap.dedent(SHUFFLE_FOR_A_WHILE), {"--out": str(out)})
    result = run_to_end(loop_thread, cluster_pool, spec, timeout=120)
    assert result == Exit(Outcome.SUCCEEDED), (
        f"{result}\n{tail(spec.stderr_path, 60)}\n{cluster.tails()}"
    )

    def samples() -> list[SparkSample]:
        return [s for rid, _, s in received if rid == spec.run_id]

    wait_until(lambda: any(s.final for s in samples()), deadline=30)
    taken = samples()
    seen = describe(taken)
    final = taken[-1]
    assert final.final and not any(s.final for s in taken[:-1]), seen

    # Samples taken while tasks ran (or waited for the executor's one slot).
    busy = [s for s in taken if s.max_needed_executors >= 1]
    assert busy, seen
    assert all(s.active_executors == 1 for s in taken), seen  # the executor stays up
    # Four map tasks on one 1-slot executor: some sample saw more than one task to run.
    assert any(s.max_needed_executors > 1 for s in busy), seen

    # Every sample has the driver's JVM figures (current heap from Runtime, system CPU).
    for sample in taken:
        (driver,) = [e for e in sample.executors if e.executor_id == "driver"]
        assert driver.heap_used_bytes > 0 and driver.heap_max_bytes, seen
        assert driver.heap_usage is not None and 0 < driver.heap_usage <= 1, seen
        assert driver.cpu_load is None or 0 <= driver.cpu_load <= 1, seen

    # The cluster executor: Spark's id "0" in every sample. Heap used is its peak
    # JVMHeapMemory (from heartbeats), heap max the setting: 512m = 536,870,912 bytes (the
    # JVM's own Runtime.maxMemory() for -Xmx512m is a little less). Before its first
    # heartbeat an executor's heap is unknown (0 used, max None); with 1 s heartbeats it is
    # known by the run's first sample or soon after, and stays known.
    workers = [e for s in taken for e in s.executors if e.executor_id != "driver"]
    assert [e.executor_id for e in workers] == ["0"] * len(taken), seen
    known = [e.heap_max_bytes is not None for e in workers]
    assert known[-1] and known == sorted(known), seen
    for executor, heap_known in zip(workers, known, strict=True):
        if not heap_known:
            assert executor.heap_used_bytes == 0 and executor.heap_usage is None, seen
            continue
        assert executor.heap_used_bytes > 0, seen
        assert executor.heap_max_bytes == EXECUTOR_MEMORY_BYTES, seen
        assert executor.heap_usage is not None and 0 < executor.heap_usage <= 1, seen
    # CPU load is the change of task time between two samples of this run: none in its
    # first, then within [0, 1], above 0 where tasks ended in between.
    assert workers[0].cpu_load is None, seen
    loads = [e.cpu_load for e in workers[1:]]
    assert all(load is not None and 0 <= load <= 1 for load in loads), seen
    assert any(load for load in loads), seen

    # Final aggregates: shuffle jobs and the write, all tasks done, nothing left to run.
    assert final.records_written == GROUPS, seen
    assert final.bytes_written == sum(
        p.stat().st_size for p in out.iterdir() if p.name.startswith("part-")
    )
    assert final.shuffle_bytes_written > 0 and final.shuffle_bytes_read > 0, seen
    # One executor holds every shuffle block: all reads are local.
    assert final.shuffle_local_bytes_read == final.shuffle_bytes_read, seen
    # spark.range counts its rows as records read: 400,000 per job, at least 3 jobs.
    jobs = final.records_read // ROWS
    assert final.records_read == jobs * ROWS and jobs >= 3, seen
    assert final.shuffle_bytes_read == final.shuffle_bytes_written, seen  # all read once
    assert final.completed_stages >= 2 * jobs and final.completed_tasks >= 5 * jobs, seen
    assert final.failed_tasks == final.killed_tasks == 0, seen
    assert final.max_needed_executors == 0, seen
    (final_executor,) = [e for e in final.executors if e.executor_id == "0"]
    assert final_executor.heap_used_bytes > 0, seen
    for earlier, later in itertools.pairwise(taken):
        assert later.completed_tasks >= earlier.completed_tasks, seen
        assert later.shuffle_bytes_written >= earlier.shuffle_bytes_written, seen
