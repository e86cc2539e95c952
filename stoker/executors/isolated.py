"""Isolated executor: one spark-submit process per run, sized by the job's resources."""

from __future__ import annotations

import os
import sys

from stoker.config.settings import SparkSettings
from stoker.domain.jobs import SparkResources
from stoker.errors import ExecutorError
from stoker.executors.base import RunSpec, SampleSink
from stoker.executors.launch import write_properties
from stoker.executors.lineage import Lineage
from stoker.executors.logs import launch_path, prepare_run_logs, properties_path
from stoker.executors.process import (
    ENTRY_FILE,
    HandleSet,
    ProcessRunHandle,
    entry_launch,
    launch,
)
from stoker.executors.runtime import SparkRuntime


def default_spark_submit() -> str:
    import pyspark

    return os.path.join(os.path.dirname(pyspark.__file__), "bin", "spark-submit")


def resource_flags(res: SparkResources) -> list[str]:
    flags: list[str] = []
    if res.driver_memory:
        flags += ["--driver-memory", res.driver_memory]
    if res.driver_cores:
        flags += ["--driver-cores", str(res.driver_cores)]
    if res.executor_memory:
        flags += ["--executor-memory", res.executor_memory]
    if res.executor_cores:
        flags += ["--executor-cores", str(res.executor_cores)]
    if res.num_executors:
        # --num-executors is YARN/Kubernetes only; the conf works on every cluster manager.
        flags += ["--conf", f"spark.executor.instances={res.num_executors}"]
    return flags


class IsolatedExecutor:
    """Executor for ``ExecutorKind.ISOLATED``: cold start (~10 s), full isolation.

    The command line holds only what is not secret (master, name, resources, file
    paths): the Spark conf goes in a private ``--properties-file`` and the run's
    arguments in the entry's private launch file; the entry removes both once read.
    """

    def __init__(
        self,
        settings: SparkSettings,
        python: str = sys.executable,
        *,
        metrics_interval_seconds: float | None = None,
        on_sample: SampleSink | None = None,
        lineage: Lineage | None = None,
        runtime: SparkRuntime | None = None,
    ) -> None:
        self.settings = settings
        self._runtime = runtime or SparkRuntime()
        self._python = python
        # The run samples itself only when someone listens; its file is read as often.
        self._metrics_interval = metrics_interval_seconds if on_sample is not None else None
        self._on_sample = on_sample
        self._lineage = lineage
        self._handles = HandleSet()

    def command(self, spec: RunSpec) -> list[str]:
        submit = self.settings.spark_submit or default_spark_submit()
        command = [submit, "--master", self.settings.master]
        command += ["--name", f"stoker-{spec.job_name}-{spec.run_id}"]
        command += resource_flags(spec.resources)
        command += ["--properties-file", str(properties_path(spec)), "--load-spark-defaults"]
        return [*command, ENTRY_FILE, "--launch", str(launch_path(spec))]

    def conf(self, spec: RunSpec) -> dict[str, str]:
        tags = self._lineage.spark_conf() if self._lineage is not None else {}
        return {
            "spark.ui.showConsoleProgress": "false",
            **self.settings.conf,
            **spec.spark_conf,
            **tags,
        }

    async def start(self, spec: RunSpec) -> ProcessRunHandle:
        """Launch spark-submit for the run; ExecutorError when Spark cannot run here or
        spark-submit cannot be started (with what is missing, or the setting to fix)."""
        problem = await self._runtime.problem()
        if problem is not None:
            raise ExecutorError(f"isolated runs cannot start: {problem}")
        samples = None
        if self._on_sample is not None and self._metrics_interval:
            samples = (self._on_sample, self._metrics_interval)
        prepare_run_logs(spec)
        properties = properties_path(spec)
        write_properties(properties, self.conf(spec))
        entry = entry_launch(
            spec, spark=True, metrics_interval=self._metrics_interval, properties_file=properties
        )
        try:
            handle = await launch(
                spec, self.command(spec), entry, python=self._python,
                grace=self.settings.stop_grace_seconds, lineage=self._lineage, samples=samples,
            )  # fmt: skip
        except ExecutorError as exc:
            hint = " (the [spark] spark_submit setting)" if self.settings.spark_submit else ""
            raise ExecutorError(exc.message + hint, field="spark.spark_submit") from exc
        return self._handles.add(handle)

    async def aclose(self) -> None:
        await self._handles.close()
