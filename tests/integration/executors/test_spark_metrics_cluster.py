"""Run metrics from a real Spark standalone cluster: a warm pool driver's samples of a
shuffle run whose tasks run on a real executor (id "0"), not the local-mode "driver".

One master and one worker (1 core, 1 GiB) are started from the pip-installed pyspark's
``bin/spark-class`` (the wheel has no sbin scripts); the pool's one driver gets one
512 MiB, 1-core executor. Executor heap figures come from Spark's heartbeats, so the
test conf sends one every second (Spark's default is 10 s: see ``SparkStats._executor``).
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import socket
import subprocess
import textwrap
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pytest

from stoker.config.settings import SparkSettings
from stoker.domain.runs import Exit, Outcome
from stoker.domain.sparkmetrics import SparkSample
from stoker.executors.pool.supervisor import WarmPool
from tests.conftest import in_ci

from .conftest import LoopThread, Received, make_spec, start_sampled_pool, wait_until
from .process_helpers import run_to_end

pytestmark = pytest.mark.spark

EXECUTOR_MEMORY_BYTES = 512 * 1024 * 1024  # spark.executor.memory=512m, as configured
CLUSTER_START_SECONDS = 60.0
STOP_SECONDS = 10.0
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


@dataclass
class Cluster:
    master_url: str
    master_ui: str
    logs: list[Path]

    def tails(self, lines: int = 40) -> str:
        return "\n".join(_tail(log, lines) for log in self.logs)


def _tail(log: Path, lines: int) -> str:
    text = log.read_text(errors="replace") if log.exists() else "(no log)"
    return f"--- {log.name} (last {lines} lines) ---\n" + "\n".join(text.splitlines()[-lines:])


def _missing(reason: str) -> NoReturn:
    if in_ci():
        pytest.fail(f"{reason} (CI=true: the Spark cluster test is required)", pytrace=False)
    pytest.skip(reason)


def _spark_class() -> Path:
    try:
        import pyspark
    except ImportError as exc:
        _missing(f"pyspark is not importable: {exc}")
    script = Path(pyspark.__file__).parent / "bin" / "spark-class"
    if not os.access(script, os.X_OK):
        _missing(f"{script} is missing or not executable")
    return script


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _master_state(ui: str) -> dict[str, Any] | None:
    try:
        with urllib.request.urlopen(f"{ui}/json/", timeout=2) as response:
            state: dict[str, Any] = json.loads(response.read())
            return state
    except (OSError, ValueError):
        return None


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM (the worker's shutdown hook kills its executors), then SIGKILL if it lingers."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(STOP_SECONDS)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    spark_class = _spark_class()
    root = tmp_path_factory.mktemp("cluster")
    port, master_ui_port, worker_ui_port = _free_port(), _free_port(), _free_port()
    master_url, master_ui = f"spark://127.0.0.1:{port}", f"http://127.0.0.1:{master_ui_port}"
    env = {**os.environ, "SPARK_LOCAL_IP": "127.0.0.1"}
    commands = {
        "master": [
            "org.apache.spark.deploy.master.Master",
            *("--host", "127.0.0.1", "--port", str(port), "--webui-port", str(master_ui_port)),
        ],
        "worker": [
            "org.apache.spark.deploy.worker.Worker",
            *("--host", "127.0.0.1", "--webui-port", str(worker_ui_port)),
            *("--cores", "1", "--memory", "1g", "--work-dir", str(root / "work"), master_url),
        ],
    }
    processes: list[subprocess.Popen[bytes]] = []
    found = Cluster(master_url, master_ui, [root / f"{name}.log" for name in commands])

    def wait_for(what: str, ready: Any) -> None:
        end = time.monotonic() + CLUSTER_START_SECONDS
        while not ready(_master_state(master_ui)):
            if any(p.poll() is not None for p in processes):
                pytest.fail(f"a Spark daemon exited before {what}\n{found.tails()}")
            if time.monotonic() > end:
                pytest.fail(f"no {what} within {CLUSTER_START_SECONDS}s\n{found.tails()}")
            time.sleep(0.2)

    try:
        for (name, args), log in zip(commands.items(), found.logs, strict=True):
            with log.open("wb") as out:
                processes.append(
                    subprocess.Popen(
                        [str(spark_class), *args],
                        stdin=subprocess.DEVNULL,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        env=env,
                        cwd=root,
                    )
                )
            if name == "master":
                wait_for("ALIVE master", lambda s: s is not None and s.get("status") == "ALIVE")
        wait_for(
            "ALIVE worker",
            lambda s: s is not None and any(w.get("state") == "ALIVE" for w in s["workers"]),
        )
        yield found
    finally:
        for process in reversed(processes):  # the worker first: it ends its executors
            _stop(process)


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
        driver_logs = "\n".join(_tail(p, 40) for p in sorted(logs.rglob("*")) if p.is_file())
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
        f"{result}\n{_tail(spec.stderr_path, 60)}\n{cluster.tails()}"
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
