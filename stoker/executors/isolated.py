"""Isolated executor: one spark-submit process per run, sized by the job's resources."""

from __future__ import annotations

import os
import sys

from stoker.config.settings import SparkSettings
from stoker.domain.jobs import SparkResources
from stoker.executors.base import RunSpec, SampleSink
from stoker.executors.process import (
    ENTRY_FILE,
    HandleSet,
    ProcessRunHandle,
    entry_arguments,
    launch,
)


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
    """Executor for ``ExecutorKind.ISOLATED``: cold start (~10 s), full isolation."""

    def __init__(
        self,
        settings: SparkSettings,
        python: str = sys.executable,
        *,
        metrics_interval_seconds: float | None = None,
        on_sample: SampleSink | None = None,
    ) -> None:
        self.settings = settings
        self._python = python
        # The run samples itself only when someone listens; its file is read as often.
        self._metrics_interval = metrics_interval_seconds if on_sample is not None else None
        self._on_sample = on_sample
        self._handles = HandleSet()

    def command(self, spec: RunSpec) -> list[str]:
        submit = self.settings.spark_submit or default_spark_submit()
        command = [
            submit,
            "--master",
            self.settings.master,
            "--name",
            f"stoker-{spec.job_name}-{spec.run_id}",
        ]
        command += resource_flags(spec.resources)
        conf = {"spark.ui.showConsoleProgress": "false", **self.settings.conf, **spec.spark_conf}
        for key, value in conf.items():
            command += ["--conf", f"{key}={value}"]
        entry = entry_arguments(spec, spark=True, metrics_interval=self._metrics_interval)
        return [*command, ENTRY_FILE, *entry]

    async def start(self, spec: RunSpec) -> ProcessRunHandle:
        samples = None
        if self._on_sample is not None and self._metrics_interval:
            samples = (self._on_sample, self._metrics_interval)
        handle = await launch(
            spec, self.command(spec), self._python, self.settings.stop_grace_seconds, samples
        )
        return self._handles.add(handle)

    async def aclose(self) -> None:
        await self._handles.close()
