"""Isolated executor: one spark-submit process per run, sized by the job's resources."""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import replace
from pathlib import Path

from stoker.config.settings import SparkSettings
from stoker.domain.jobs import SparkResources
from stoker.errors import ExecutorError
from stoker.executors.base import RunSpec, SampleSink
from stoker.executors.handle import BaseRunHandle
from stoker.executors.launch import write_properties
from stoker.executors.lineage import Lineage
from stoker.executors.logs import launch_path, open_log, prepare_run_logs, properties_path
from stoker.executors.private import remove
from stoker.executors.process import (
    ENTRY_FILE,
    HandleSet,
    entry_launch,
    launch,
)
from stoker.executors.runtime import SparkRuntime
from stoker.executors.spawning import spawn_options, stoker_root
from stoker.executors.standalone import (
    PYTHON_RUNNER,
    ClusterRunHandle,
    StandaloneMaster,
    cluster_launch,
    primary_jar,
    split_secret_conf,
)

#: The job's Spark conf key (Spark's own) that picks the deploy mode for its runs.
DEPLOY_MODE_CONF = "spark.submit.deployMode"


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
        self._master: StandaloneMaster | None = None

    def _submit(self) -> str:
        return self.settings.spark_submit or default_spark_submit()

    def deploy_mode(self, spec: RunSpec) -> str:
        """``client`` or ``cluster``: the job's ``spark.submit.deployMode``, else the setting.
        ExecutorError for another value, or cluster mode without a standalone master."""
        mode = self.conf(spec).get(DEPLOY_MODE_CONF, self.settings.deploy_mode)
        if mode not in ("client", "cluster"):
            raise ExecutorError(
                f"spark_conf {DEPLOY_MODE_CONF} = {mode!r} is not a deploy mode; use 'client' "
                "or 'cluster'", field="spark_conf",
            )  # fmt: skip
        if mode == "cluster" and not self.settings.master.startswith("spark://"):
            raise ExecutorError(
                f"cluster deploy mode needs a standalone master (spark://host:port); [spark] "
                f"master is {self.settings.master!r}", field="spark_conf",
            )  # fmt: skip
        return mode

    def command(self, spec: RunSpec) -> list[str]:
        submit = self._submit()
        command = [submit, "--master", self.settings.master]
        command += ["--name", f"stoker-{spec.job_name}-{spec.run_id}"]
        command += resource_flags(spec.resources)
        command += ["--properties-file", str(properties_path(spec)), "--load-spark-defaults"]
        return [*command, ENTRY_FILE, "--launch", str(launch_path(spec))]

    def cluster_command(self, spec: RunSpec) -> list[str]:
        """spark-submit of the run's driver onto a worker: PythonRunner as a JVM application
        (Spark refuses Python in cluster mode on standalone), returning once it is queued."""
        submit = self._submit()
        command = [submit, "--master", self.settings.master, "--deploy-mode", "cluster"]
        command += ["--name", f"stoker-{spec.job_name}-{spec.run_id}"]
        command += resource_flags(spec.resources)
        # Given here, they win over the properties file: stoker follows the driver itself,
        # and a supervised driver would be relaunched after a failure or a stop.
        command += ["--conf", "spark.standalone.submit.waitAppCompletion=false"]
        command += ["--conf", "spark.driver.supervise=false", "--class", PYTHON_RUNNER]
        command += ["--properties-file", str(properties_path(spec)), "--load-spark-defaults"]
        jar = primary_jar(Path(submit).resolve().parent.parent)
        # PythonRunner's arguments: the Python file, its py-files (stoker's root, on the
        # driver's PYTHONPATH as in client mode), then the entry's own.
        return [*command, str(jar), ENTRY_FILE, stoker_root(), "--launch-env"]

    def conf(self, spec: RunSpec) -> dict[str, str]:
        tags = self._lineage.spark_conf() if self._lineage is not None else {}
        return {
            "spark.ui.showConsoleProgress": "false",
            **self.settings.conf,
            **spec.spark_conf,
            **tags,
        }

    async def start(self, spec: RunSpec) -> BaseRunHandle:
        """Launch spark-submit for the run; ExecutorError when Spark cannot run here or
        spark-submit cannot be started (with what is missing, or the setting to fix)."""
        problem = await self._runtime.problem()
        if problem is not None:
            raise ExecutorError(f"isolated runs cannot start: {problem}")
        if self.deploy_mode(spec) == "cluster":
            return self._handles.add(await self._start_cluster(spec))
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

    async def _start_cluster(self, spec: RunSpec) -> BaseRunHandle:
        """Submit the run's driver to the standalone master; the handle follows it there."""
        submit = self._submit()
        command = self.cluster_command(spec)
        # No files on this machine: the result and the samples come back on the driver's
        # stderr, and its stdout and stderr are the worker's files of the driver.
        launch = entry_launch(spec, spark=True, metrics_interval=self._metrics_interval)
        conf, secret = split_secret_conf({"spark.pyspark.python": self._python, **self.conf(spec)})
        instructions = replace(
            launch, result=None, stdout=None, stderr=None, metrics_file=None, cluster=True,
            spark_conf=secret,
        )  # fmt: skip
        options = spawn_options(self._python, self._lineage)
        options["env"].update(cluster_launch(instructions))
        prepare_run_logs(spec)
        write_properties(properties_path(spec), conf)
        # spark-submit's own output (with the driver id the handle reads) goes to stderr;
        # stdout exists from the start, as in client mode, if the driver never writes.
        os.close(open_log(spec.stdout_path))
        err = open_log(spec.stderr_path)
        try:
            proc = await asyncio.create_subprocess_exec(*command, stdout=err, stderr=err, **options)
        except OSError as exc:
            remove(properties_path(spec))
            hint = " (the [spark] spark_submit setting)" if self.settings.spark_submit else ""
            raise ExecutorError(
                f"cannot start {submit}: {exc.strerror or exc}{hint}", field="spark.spark_submit"
            ) from exc
        finally:
            os.close(err)
        if self._master is None:
            spark_class = Path(submit).resolve().parent / "spark-class"
            self._master = StandaloneMaster(
                self.settings.master, self.settings.web_url(), spark_class
            )
        return ClusterRunHandle(
            spec, proc, self._master, grace=self.settings.stop_grace_seconds,
            python=self._python, lineage=self._lineage, on_sample=self._on_sample,
        )  # fmt: skip

    async def aclose(self) -> None:
        await self._handles.close()
        if self._master is not None:
            await self._master.aclose()
