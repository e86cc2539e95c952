"""What a session starts with: its own properties, over its job's when it names one."""

from __future__ import annotations

from dataclasses import dataclass, replace

from stoker.domain.jobs import Job, SparkResources
from stoker.domain.sessions import JOB_ARGUMENT, SessionSpec
from stoker.executors.modules import (
    MODULES_ARGUMENT,
    OPTIONS_ARGUMENT,
    installer_env,
    parse_modules,
)
from stoker.executors.pool.process import DriverSetup

#: Only Spark SQL settings can change in a running driver's session; the rest (resources,
#: core settings) are read when a driver starts, so a session with any gets its own.
_RUNTIME_CONF = "spark.sql."
#: The daemon's, for every driver (as for isolated runs): a session cannot move it.
_MASTER = "spark.master"


@dataclass(frozen=True)
class SessionProperties:
    """The stored spec (job's properties merged in) and what the driver is given."""

    spec: SessionSpec
    arguments: dict[str, str]
    sql_conf: dict[str, str]
    py_files: str
    #: What the session's driver must start with (None: any warm driver will do).
    setup: DriverSetup | None = None


def resource_conf(resources: SparkResources) -> dict[str, str]:
    """A job's resources as the Spark settings spark-submit's flags stand for."""
    named = {
        "spark.driver.memory": resources.driver_memory,
        "spark.driver.cores": resources.driver_cores,
        "spark.executor.memory": resources.executor_memory,
        "spark.executor.cores": resources.executor_cores,
        "spark.executor.instances": resources.num_executors,
    }
    return {key: str(value) for key, value in named.items() if value is not None}


def properties_of(spec: SessionSpec, job: Job | None) -> SessionProperties:
    """The session's own arguments and conf win over its job's; the job's
    non-overridable arguments win over both, and its resources over any conf, as in a
    (isolated) run."""
    arguments = {k: v for k, v in spec.default_arguments.items() if k != JOB_ARGUMENT}
    conf = dict(spec.spark_conf)
    static: dict[str, str] = {}
    if job is not None:
        arguments = {**job.default_arguments, **arguments, **job.non_overridable_arguments}
        conf = {**job.spark_conf, **conf}
        spec = replace(spec, job_name=job.name, description=spec.description or job.description)
        static = resource_conf(job.resources)
    spec = replace(spec, default_arguments=arguments, spark_conf=conf)
    sql_conf = {k: v for k, v in conf.items() if k.startswith(_RUNTIME_CONF)}
    static = {**{k: v for k, v in conf.items() if k not in sql_conf and k != _MASTER},
              **static}  # fmt: skip
    modules = parse_modules(arguments.get(MODULES_ARGUMENT, ""))
    setup = None
    if static or modules:
        options = arguments.get(OPTIONS_ARGUMENT, "")
        installer_env(options)  # refused now (InvalidInput), not when the session starts
        setup = DriverSetup(static, modules, options)
    return SessionProperties(spec, arguments, sql_conf, arguments.get("--extra-py-files", ""),
                             setup)  # fmt: skip
