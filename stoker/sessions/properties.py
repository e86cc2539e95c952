"""What a session starts with: its own properties, over its job's when it names one."""

from __future__ import annotations

from dataclasses import dataclass, replace

from stoker.domain.jobs import Job
from stoker.domain.sessions import JOB_ARGUMENT, SessionSpec

#: Only Spark SQL settings can change in a running driver's session; the rest (resources,
#: the master, core settings) are the warm driver's, set when the pool started it.
_RUNTIME_CONF = "spark.sql."


@dataclass(frozen=True)
class SessionProperties:
    """The stored spec (job's properties merged in) and what the driver is given."""

    spec: SessionSpec
    arguments: dict[str, str]
    sql_conf: dict[str, str]
    py_files: str


def properties_of(spec: SessionSpec, job: Job | None) -> SessionProperties:
    """The session's own arguments and conf win over its job's; the job's
    non-overridable arguments win over both, as in a run."""
    arguments = {k: v for k, v in spec.default_arguments.items() if k != JOB_ARGUMENT}
    conf = dict(spec.spark_conf)
    if job is not None:
        arguments = {**job.default_arguments, **arguments, **job.non_overridable_arguments}
        conf = {**job.spark_conf, **conf}
        spec = replace(spec, job_name=job.name, description=spec.description or job.description)
    spec = replace(spec, default_arguments=arguments, spark_conf=conf)
    sql_conf = {k: v for k, v in conf.items() if k.startswith(_RUNTIME_CONF)}
    return SessionProperties(spec, arguments, sql_conf, arguments.get("--extra-py-files", ""))
