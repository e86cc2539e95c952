"""The warm pool against real Spark drivers: outcomes, logs, stops, deaths, recycling."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from stoker.config.settings import SparkSettings
from stoker.domain.runs import Exit, Outcome
from stoker.executors.pool.supervisor import WarmPool

from .conftest import POOL_SIZE, STOP_GRACE, LoopThread, make_spec, wait_for_file, wait_until

pytestmark = pytest.mark.spark


def run(loop_thread: LoopThread, pool: WarmPool, tmp: Path, script: str, **kw: object) -> Exit:
    spec = make_spec(tmp, textwrap.dedent(script), **kw)  # type: ignore[arg-type]

    async def go() -> Exit:
        handle = await pool.start(spec)
        return await handle.wait()

    return loop_thread.run(go())


def logs(tmp: Path) -> tuple[str, str]:
    (run_dir,) = [d for d in (tmp / "logs").iterdir()]
    return (run_dir / "stdout").read_text(), (run_dir / "stderr").read_text()


def wait_full(pool: WarmPool) -> None:
    wait_until(lambda: pool.idle == POOL_SIZE, deadline=180)


def stop_after_marker(loop_thread: LoopThread, pool: WarmPool, tmp: Path, script: str) -> Exit:
    marker = tmp / "marker"
    spec = make_spec(tmp, MARK + textwrap.dedent(script), {"--marker": str(marker)})
    handle = loop_thread.run(pool.start(spec))
    wait_for_file(marker)
    loop_thread.run(handle.stop())
    return loop_thread.run(handle.wait(), timeout=STOP_GRACE + 60)


MARK = (
    "import sys\n"
    "from pathlib import Path\n"
    "from stoker.job import get_resolved_options\n"
    "Path(get_resolved_options(sys.argv, ['marker'])['marker']).touch()\n"
)


def test_success_writes_stdout(loop_thread: LoopThread, pool: WarmPool, tmp_path: Path) -> None:
    exit_ = run(loop_thread, pool, tmp_path, "print('hello from', spark.range(5).count())\n")
    assert exit_ == Exit(Outcome.SUCCEEDED)
    assert "hello from 5" in logs(tmp_path)[0]


LEAVE_STATE_BEHIND = """
from pyspark.sql import SparkSession
spark.conf.set("spark.sql.sources.partitionOverwriteMode", "dynamic")
spark.range(5).createOrReplaceTempView("left_behind")
spark.udf.register("left_behind_udf", lambda x: x)
spark.range(10).cache().count()
assert SparkSession.builder.getOrCreate() is spark
assert SparkSession.getActiveSession() is spark
"""
SEE_A_CLEAN_SESSION = """
from pyspark.sql import SparkSession
assert spark.conf.get("spark.sql.sources.partitionOverwriteMode") == "STATIC"
assert not spark.catalog.tableExists("left_behind")
assert not [f for f in spark.catalog.listFunctions() if f.name == "left_behind_udf"]
assert spark._jsparkSession.sharedState().cacheManager().isEmpty()
same = SparkSession.builder.getOrCreate()
assert same is spark and same.conf.get("spark.sql.sources.partitionOverwriteMode") == "STATIC"
assert SparkSession.getActiveSession() is spark
print("clean")
"""


def test_a_run_never_sees_the_session_state_of_an_earlier_one(
    loop_thread: LoopThread, pool: WarmPool, tmp_path: Path
) -> None:
    """SQL conf, temp views, UDFs and cached data stay with the run that made them."""
    wait_full(pool)
    assert run(loop_thread, pool, tmp_path / "a", LEAVE_STATE_BEHIND) == Exit(Outcome.SUCCEEDED)
    # The idle queue is FIFO: of two runs after it, one lands on the first run's driver.
    for name in ("b", "c"):
        exit_ = run(loop_thread, pool, tmp_path / name, SEE_A_CLEAN_SESSION)
        assert exit_ == Exit(Outcome.SUCCEEDED), logs(tmp_path / name)[1]
        assert "clean" in logs(tmp_path / name)[0]


def test_failure_reports_error_and_traceback(
    loop_thread: LoopThread, pool: WarmPool, tmp_path: Path
) -> None:
    exit_ = run(loop_thread, pool, tmp_path, "def f():\n    raise ValueError('boom')\nf()\n")
    assert exit_ == Exit(Outcome.FAILED, "ValueError: boom")
    stderr = logs(tmp_path)[1]
    assert "Traceback" in stderr and "ValueError: boom" in stderr and "in f" in stderr


def test_syntax_error(loop_thread: LoopThread, pool: WarmPool, tmp_path: Path) -> None:
    exit_ = run(loop_thread, pool, tmp_path, "x = 1\ndef broken(:\n")
    assert exit_.outcome is Outcome.FAILED
    assert exit_.error_message is not None
    assert exit_.error_message.startswith("SyntaxError: ")
    assert exit_.error_message.endswith("(line 2)")


def test_missing_script(loop_thread: LoopThread, pool: WarmPool, tmp_path: Path) -> None:
    spec = make_spec(tmp_path, "")
    Path(spec.script_location).unlink()

    async def go() -> Exit:
        return await (await pool.start(spec)).wait()

    exit_ = loop_thread.run(go())
    assert exit_ == Exit(
        Outcome.FAILED, f"FileNotFoundError: script {spec.script_location} does not exist"
    )


def test_arguments_and_job_group(loop_thread: LoopThread, pool: WarmPool, tmp_path: Path) -> None:
    script = """
        import sys
        from stoker.job import get_resolved_options
        opts = get_resolved_options(sys.argv, ["day"])
        spark.range(3).count()
        jobs = sc.statusTracker().getJobIdsForGroup(opts["JOB_RUN_ID"])
        print("day", opts["day"], "job", opts["JOB_NAME"], "args", args["day"], "jobs", len(jobs))
    """
    exit_ = run(loop_thread, pool, tmp_path, script, arguments={"--day": "2024-01-02"})
    assert exit_ == Exit(Outcome.SUCCEEDED)
    out = logs(tmp_path)[0]
    assert "day 2024-01-02 job itest args 2024-01-02 jobs" in out
    assert "jobs 0" not in out


def test_system_exit(loop_thread: LoopThread, pool: WarmPool, tmp_path: Path) -> None:
    assert (
        run(loop_thread, pool, tmp_path / "a", "import sys\nsys.exit(0)\n").outcome
        is Outcome.SUCCEEDED
    )
    assert run(loop_thread, pool, tmp_path / "b", "raise SystemExit(3)\n") == Exit(
        Outcome.FAILED, "SystemExit: 3"
    )


def test_stop_spark_job(loop_thread: LoopThread, pool: WarmPool, tmp_path: Path) -> None:
    script = """
    import time
    from pyspark.sql import functions as F
    slow = F.udf(lambda x: (time.sleep(0.05), x)[1], "long")
    spark.range(100000).repartition(2).select(slow("id")).count()
    """
    exit_ = stop_after_marker(loop_thread, pool, tmp_path, script)
    assert exit_.outcome is Outcome.STOPPED
    # The driver survived: the pool is back at full size without a replacement.
    wait_full(pool)
    assert (
        run(loop_thread, pool, tmp_path / "after", "spark.range(1).count()\n").outcome
        is Outcome.SUCCEEDED
    )


def test_stop_python_loop(loop_thread: LoopThread, pool: WarmPool, tmp_path: Path) -> None:
    replaced = pool.replaced_total
    script = """
    import time
    while True:
        time.sleep(0.05)
    """
    assert stop_after_marker(loop_thread, pool, tmp_path, script).outcome is Outcome.STOPPED
    wait_full(pool)
    assert pool.replaced_total == replaced


def test_stop_of_stubborn_script_kills_driver(
    loop_thread: LoopThread, pool: WarmPool, tmp_path: Path
) -> None:
    replaced = pool.replaced_total
    script = """
    import time
    while True:
        try:
            time.sleep(0.05)
        except BaseException:
            pass
    """
    exit_ = stop_after_marker(loop_thread, pool, tmp_path, script)
    assert exit_.outcome is Outcome.STOPPED
    assert exit_.error_message is not None and "driver was killed" in exit_.error_message
    wait_full(pool)
    assert pool.replaced_total == replaced + 1


def test_driver_death_is_lost_and_replaced(
    loop_thread: LoopThread, pool: WarmPool, tmp_path: Path
) -> None:
    replaced = pool.replaced_total
    exit_ = run(loop_thread, pool, tmp_path, "import os\nos.kill(os.getpid(), 9)\n")
    assert exit_ == Exit(
        Outcome.LOST, "driver process exited with signal SIGKILL while the run was executing"
    )
    wait_full(pool)
    assert pool.replaced_total == replaced + 1


def test_spark_stop_in_script_is_ignored_and_the_driver_serves_on(
    loop_thread: LoopThread, pool: WarmPool, tmp_path: Path
) -> None:
    replaced = pool.replaced_total
    exit_ = run(loop_thread, pool, tmp_path, "spark.stop()\n")
    assert exit_.outcome is Outcome.SUCCEEDED
    assert "SparkContext.stop() ignored" in logs(tmp_path)[1]
    assert (
        run(loop_thread, pool, tmp_path / "after", "spark.range(1).count()\n").outcome
        is Outcome.SUCCEEDED
    )
    assert pool.replaced_total == replaced


def test_a_context_stopped_past_the_guard_replaces_driver(
    loop_thread: LoopThread, pool: WarmPool, tmp_path: Path
) -> None:
    replaced = pool.replaced_total
    exit_ = run(loop_thread, pool, tmp_path, "spark.sparkContext._jsc.stop()\n")
    assert exit_.outcome is Outcome.SUCCEEDED
    wait_until(lambda: pool.replaced_total == replaced + 1)
    wait_full(pool)
    assert (
        run(loop_thread, pool, tmp_path / "after", "spark.range(1).count()\n").outcome
        is Outcome.SUCCEEDED
    )


def test_recycle_after_runs(loop_thread: LoopThread, tmp_path: Path) -> None:
    """A driver past its budget serves on until its replacement is warm, then goes."""
    settings = SparkSettings(master="local[1]", pool_size=1, recycle_after_runs=1)
    pool = loop_thread.run(_ready_pool(settings, tmp_path / "drivers"), timeout=240)
    try:
        assert run(loop_thread, pool, tmp_path / "1", "pass\n").outcome is Outcome.SUCCEEDED
        assert pool.recycled_total == 1 and pool.starting == 1  # the replacement
        # Capacity never dips: the spent driver takes the next run while its successor warms.
        assert run(loop_thread, pool, tmp_path / "2", "pass\n").outcome is Outcome.SUCCEEDED
        wait_until(lambda: pool.idle == 1 and pool.starting == 0 and pool.busy == 0, 180)
        assert pool.recycled_total == 1
        assert run(loop_thread, pool, tmp_path / "3", "pass\n").outcome is Outcome.SUCCEEDED
    finally:
        loop_thread.run(pool.aclose(), timeout=60)


async def _ready_pool(settings: SparkSettings, logs: Path) -> WarmPool:
    pool = WarmPool(settings, logs)
    await pool.ready()
    return pool
