"""The executors the daemon runs, and the private files and process tags they rely on."""

from __future__ import annotations

import logging
import os
from contextlib import AsyncExitStack

from stoker.config.settings import Settings
from stoker.daemon.supervisor import Supervisor
from stoker.domain.jobs import ExecutorKind
from stoker.executors.base import Executor, SampleSink
from stoker.executors.isolated import IsolatedExecutor
from stoker.executors.lineage import Lineage
from stoker.executors.pool.supervisor import WarmPool
from stoker.executors.private import private_dir
from stoker.executors.pyshell import PythonShellExecutor
from stoker.executors.runtime import SparkRuntime

log = logging.getLogger(__name__)


def private_files(cfg: Settings, stack: AsyncExitStack) -> Lineage:
    """Whatever the operator's umask, what the daemon creates is its user's alone (the
    database, WAL, scripts, logs, event files); run processes get the operator's umask
    back, so a script's own output is as the operator expects."""
    operator_umask = os.umask(0o077)
    stack.callback(os.umask, operator_umask)
    for directory in (cfg.data_dir, cfg.logs_dir):
        if private_dir(directory):
            log.warning(
                "made %s private to the daemon's user (mode 0700)", directory,
                extra={"action": "daemon.private_dir", "path": str(directory)},
            )  # fmt: skip
    return Lineage.new(cfg.data_dir, umask=operator_umask)


async def build_executors(
    cfg: Settings, stack: AsyncExitStack, on_sample: SampleSink, supervisor: Supervisor,
    lineage: Lineage,
) -> dict[ExecutorKind, Executor]:  # fmt: skip
    """The warm pool (opened), isolated spark-submit and Python shell executors; a Spark
    runtime that cannot work here is said once, clearly, at start."""
    spark, metrics = cfg.spark, cfg.metrics
    # Drivers sample often enough for both readers: /metrics and the stored history.
    every = min(metrics.spark_refresh_seconds, metrics.history_interval_seconds)
    interval = every if metrics.spark_enabled else None
    runtime = SparkRuntime()
    pool = WarmPool(
        spark, cfg.logs_dir / "drivers", metrics_interval_seconds=interval, on_sample=on_sample,
        tasks=supervisor, lineage=lineage, runtime=runtime,
    )  # fmt: skip
    await pool.open()
    stack.push_async_callback(pool.aclose)
    isolated = IsolatedExecutor(
        spark, metrics_interval_seconds=interval, on_sample=on_sample, lineage=lineage,
        runtime=runtime,
    )  # fmt: skip
    stack.push_async_callback(isolated.aclose)
    pyshell = PythonShellExecutor(stop_grace_seconds=spark.stop_grace_seconds, lineage=lineage)
    stack.push_async_callback(pyshell.aclose)
    await _say_what_cannot_run(cfg, runtime)
    return {
        ExecutorKind.POOL: pool,
        ExecutorKind.ISOLATED: isolated,
        ExecutorKind.PYSHELL: pyshell,
    }


async def _say_what_cannot_run(cfg: Settings, runtime: SparkRuntime) -> None:
    submit = cfg.spark.spark_submit
    if submit and not (os.path.isfile(submit) and os.access(submit, os.X_OK)):
        log.error(
            "spark.spark_submit = %r is not an executable file: isolated runs end in "
            "ERROR until it is fixed (leave it unset to use the one pyspark ships)", submit,
            extra={"action": "daemon.spark_submit_missing"},
        )  # fmt: skip
    if (problem := await runtime.problem()) is not None:
        log.error(
            "Spark cannot run on this machine: %s. Warm pool and isolated runs end in "
            "ERROR until it is fixed; pythonshell runs are not affected.", problem,
            extra={"action": "daemon.spark_runtime_missing"},
        )  # fmt: skip
