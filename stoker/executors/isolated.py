"""Isolated executor: one spark-submit process per run, sized by the job's resources."""

from __future__ import annotations

import os
import sys

from stoker.config.settings import SparkSettings
from stoker.domain.jobs import SparkResources
from stoker.executors.base import RunSpec
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

    def __init__(self, settings: SparkSettings, python: str = sys.executable) -> None:
        self.settings = settings
        self._python = python
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
        return [*command, ENTRY_FILE, *entry_arguments(spec, spark=True)]

    async def start(self, spec: RunSpec) -> ProcessRunHandle:
        handle = await launch(
            spec, self.command(spec), self._python, self.settings.stop_grace_seconds
        )
        return self._handles.add(handle)

    async def aclose(self) -> None:
        await self._handles.close()
