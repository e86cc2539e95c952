"""Run metrics from real drivers: a warm pool driver's samples of a shuffle-and-write run,
and an isolated spark-submit run's final sample."""

from __future__ import annotations

import itertools
import json
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from stoker.config.settings import SparkSettings
from stoker.domain.jobs import ExecutorKind
from stoker.domain.runs import Exit, Outcome
from stoker.domain.sparkmetrics import SparkSample
from stoker.executors.isolated import IsolatedExecutor
from stoker.executors.pool.supervisor import WarmPool

from .conftest import LoopThread, Received, make_spec, start_sampled_pool, wait_until
from .process_helpers import run_to_end

pytestmark = pytest.mark.spark

ORDERS_FILES, ORDERS_PER_FILE, CUSTOMERS = 3, 100, 5

# Explicit schemas (no inference job) and no broadcast join, so each input is scanned
# exactly once and the join shuffles both sides: records_read is the input's row count.
SHUFFLE_AND_WRITE = """
import time
from pyspark.sql import functions as F

spark.conf.set("spark.sql.autoBroadcastJoinThreshold", "-1")
try:
    orders = spark.read.schema("customer INT, amount INT").option("header", "true")
    orders = orders.csv(args["orders"])
    customers = spark.read.schema("customer INT, name STRING").json(args["customers"])
    totals = orders.groupBy("customer").agg(F.sum("amount").alias("total"))
    totals.join(customers, "customer").write.parquet(args["out"])
finally:
    spark.conf.unset("spark.sql.autoBroadcastJoinThreshold")
time.sleep(1.5)  # the sampler's 0.5 s interval gives intermediate samples meanwhile
"""


def write_inputs(root: Path) -> tuple[Path, Path]:
    orders, customers = root / "orders", root / "customers"
    orders.mkdir(parents=True)
    customers.mkdir()
    for f in range(ORDERS_FILES):
        rows = "".join(f"{i % CUSTOMERS},{i}\n" for i in range(ORDERS_PER_FILE))
        (orders / f"part{f}.csv").write_text("customer,amount\n" + rows)
    lines = (json.dumps({"customer": c, "name": f"c{c}"}) for c in range(CUSTOMERS))
    (customers / "c.json").write_text("\n".join(lines) + "\n")
    return orders, customers


@pytest.fixture(scope="module")
def received() -> Received:
    return []


@pytest.fixture(scope="module")
def sampled_pool(
    loop_thread: LoopThread, tmp_path_factory: pytest.TempPathFactory, received: Received
) -> Iterator[WarmPool]:
    settings = SparkSettings(master="local[2]", pool_size=1, start_timeout_seconds=180)
    logs = tmp_path_factory.mktemp("drivers")

    pool = loop_thread.run(start_sampled_pool(settings, logs, received), timeout=240)
    yield pool
    loop_thread.run(pool.aclose(), timeout=60)


def samples_of(received: Received, run_id: str) -> list[SparkSample]:
    return [sample for rid, _, sample in received if rid == run_id]


def final_of(received: Received, run_id: str) -> SparkSample:
    wait_until(lambda: any(s.final for s in samples_of(received, run_id)), deadline=30)
    (final,) = [s for s in samples_of(received, run_id) if s.final]
    return final


def test_pool_run_figures(
    loop_thread: LoopThread, sampled_pool: WarmPool, received: Received, tmp_path: Path
) -> None:
    orders, customers = write_inputs(tmp_path / "in")
    out = tmp_path / "out"
    args = {"--orders": str(orders), "--customers": str(customers), "--out": str(out)}
    spec = make_spec(tmp_path, textwrap.dedent(SHUFFLE_AND_WRITE), args)
    assert run_to_end(loop_thread, sampled_pool, spec) == Exit(Outcome.SUCCEEDED)
    final = final_of(received, spec.run_id)
    samples = samples_of(received, spec.run_id)
    assert {job for rid, job, _ in received if rid == spec.run_id} == {"itest"}
    assert samples[-1] is final
    assert len(samples) >= 2 and not any(s.final for s in samples[:-1])

    assert final.records_read == ORDERS_FILES * ORDERS_PER_FILE + CUSTOMERS
    assert final.records_written == CUSTOMERS
    assert final.bytes_read > 0
    assert final.shuffle_bytes_written > 0 and final.shuffle_bytes_read > 0
    assert final.shuffle_local_bytes_read == final.shuffle_bytes_read  # local mode
    assert final.completed_stages >= 2 and final.completed_tasks > 0
    assert final.failed_tasks == final.killed_tasks == 0
    # Aggregates never go down from one sample to the next.
    for earlier, later in itertools.pairwise(samples):
        assert later.records_written >= earlier.records_written

    (driver,) = [e for e in final.executors if e.executor_id == "driver"]
    assert driver.heap_used_bytes > 0 and driver.heap_max_bytes
    assert driver.cpu_load is not None and 0 <= driver.cpu_load <= 1
    assert final.active_executors == 1
    assert final.max_needed_executors == 0  # nothing runs after the script ended

    # Spark's own accounting of bytes written: the sizes of the data files its tasks wrote
    # (measured by its write-stats tracker). The LocalFileSystem's .crc checksum files are
    # not counted, nor _SUCCESS (empty, written by the driver at job commit, not a task).
    data_files = [p for p in out.iterdir() if p.name.startswith("part-")]
    assert data_files and any(p.name.endswith(".crc") for p in out.iterdir())
    assert final.bytes_written == sum(p.stat().st_size for p in data_files)


def test_pool_run_without_spark_work_has_a_final_sample(
    loop_thread: LoopThread, sampled_pool: WarmPool, received: Received, tmp_path: Path
) -> None:
    spec = make_spec(tmp_path, "x = 1\n")
    assert run_to_end(loop_thread, sampled_pool, spec) == Exit(Outcome.SUCCEEDED)
    final = final_of(received, spec.run_id)
    assert final.records_read == final.completed_stages == final.completed_tasks == 0


def test_isolated_run_final_sample(loop_thread: LoopThread, tmp_path: Path) -> None:
    received: Received = []
    executor = IsolatedExecutor(
        SparkSettings(master="local[2]"),
        metrics_interval_seconds=0.5,
        on_sample=lambda *item: received.append(item),
    )
    out = tmp_path / "out"
    script = f"spark.range(12).write.parquet({str(out)!r})\n"
    spec = make_spec(tmp_path, script, kind=ExecutorKind.ISOLATED)
    try:
        assert run_to_end(loop_thread, executor, spec) == Exit(Outcome.SUCCEEDED)
    finally:
        loop_thread.run(executor.aclose())
    # The file's last line is read when the process has exited, before wait() returns.
    finals = [s for rid, job, s in received if rid == spec.run_id and job == "itest" and s.final]
    assert len(finals) == 1
    assert finals[0].records_written == 12
    data = [p for p in out.iterdir() if p.name.startswith("part-")]
    assert finals[0].bytes_written == sum(p.stat().st_size for p in data)
