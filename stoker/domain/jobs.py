"""A job definition with Glue's fields, and the rules a definition must satisfy."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from stoker.domain.arguments import validate_arguments
from stoker.errors import InvalidInput

JOB_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,254}$")
SPARK_MEMORY = re.compile(r"^[1-9][0-9]*[kmgtKMGT]?$")
MAX_DESCRIPTION = 2048
MAX_TAGS = 50
MAX_TIMEOUT_MINUTES = 10079
DEFAULT_TIMEOUT_MINUTES = 2880
MAX_RETRIES = 10
MAX_CONCURRENT_RUNS = 1000


class CommandName(StrEnum):
    """Glue's ``Command.Name`` values stoker runs."""

    GLUEETL = "glueetl"
    PYTHONSHELL = "pythonshell"


class ExecutorKind(StrEnum):
    """Where a glueetl run executes: a warm pool driver, or its own spark-submit."""

    POOL = "pool"
    ISOLATED = "isolated"
    PYSHELL = "pyshell"


@dataclass(frozen=True)
class SparkResources:
    """Spark resources for isolated runs (the pool's drivers are sized by configuration)."""

    driver_memory: str | None = None
    driver_cores: int | None = None
    executor_memory: str | None = None
    executor_cores: int | None = None
    num_executors: int | None = None


@dataclass(frozen=True)
class Job:
    """A job definition. Names are unique; a deleted job's runs keep its name."""

    name: str
    script_location: str
    command: CommandName = CommandName.GLUEETL
    python_version: str = "3"
    description: str = ""
    default_arguments: dict[str, str] = field(default_factory=dict)
    non_overridable_arguments: dict[str, str] = field(default_factory=dict)
    max_concurrent_runs: int = 1
    max_retries: int = 0
    timeout: int = DEFAULT_TIMEOUT_MINUTES
    notify_delay_after: int | None = None
    resources: SparkResources = field(default_factory=SparkResources)
    spark_conf: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    executor: ExecutorKind = ExecutorKind.POOL
    job_run_queuing_enabled: bool = True
    created_on: datetime | None = None
    last_modified_on: datetime | None = None

    def with_times(self, created_on: datetime, last_modified_on: datetime) -> Job:
        return replace(self, created_on=created_on, last_modified_on=last_modified_on)

    @property
    def effective_executor(self) -> ExecutorKind:
        """Python shell jobs never need Spark, whatever the executor field says."""
        if self.command is CommandName.PYTHONSHELL:
            return ExecutorKind.PYSHELL
        return self.executor


def validate_job_name(name: Any, field_name: str = "name") -> str:
    if not isinstance(name, str) or not JOB_NAME.match(name):
        raise InvalidInput(
            f"job name {name!r} is invalid: 1-255 characters, letters, digits, '_', '.', '-', "
            "starting with a letter or digit",
            field=field_name,
            value=name,
        )
    return name


def _int_in(value: Any, field_name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(
            f"{field_name} must be a whole number from {low} to {high}, got {value!r}",
            field=field_name,
            value=value,
        )
    return value


def _check_resources(res: SparkResources) -> None:
    for name in ("driver_memory", "executor_memory"):
        value = getattr(res, name)
        if value is not None and not SPARK_MEMORY.match(str(value)):
            raise InvalidInput(
                f"resources.{name} {value!r} is not a Spark memory size (e.g. '2g', '512m')",
                field=f"resources.{name}",
                value=value,
            )
    for name in ("driver_cores", "executor_cores", "num_executors"):
        value = getattr(res, name)
        if value is not None:
            _int_in(value, f"resources.{name}", 1, 1024)


def _check_string_map(value: Any, field_name: str, limit: int) -> None:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise InvalidInput(f"{field_name} must be a map of strings to strings", field=field_name)
    if len(value) > limit:
        raise InvalidInput(
            f"{field_name} has {len(value)} entries; at most {limit} are allowed", field=field_name
        )


def validate_job(job: Job) -> Job:
    """Raise InvalidInput naming the first field that breaks a rule; return the job."""
    validate_job_name(job.name)
    if not isinstance(job.description, str) or len(job.description) > MAX_DESCRIPTION:
        raise InvalidInput(
            f"description must be text of at most {MAX_DESCRIPTION} characters",
            field="description",
        )
    if not isinstance(job.script_location, str) or not job.script_location.strip():
        raise InvalidInput("command.script_location is required", field="command.script_location")
    if job.python_version != "3":
        raise InvalidInput(
            f"command.python_version {job.python_version!r} is not supported; allowed: '3'",
            field="command.python_version",
            value=job.python_version,
        )
    validate_arguments(job.default_arguments, "default_arguments")
    validate_arguments(job.non_overridable_arguments, "non_overridable_arguments")
    _int_in(job.max_concurrent_runs, "max_concurrent_runs", 1, MAX_CONCURRENT_RUNS)
    _int_in(job.max_retries, "max_retries", 0, MAX_RETRIES)
    _int_in(job.timeout, "timeout", 1, MAX_TIMEOUT_MINUTES)
    if job.notify_delay_after is not None:
        _int_in(job.notify_delay_after, "notify_delay_after", 1, MAX_TIMEOUT_MINUTES)
    _check_resources(job.resources)
    _check_string_map(job.spark_conf, "spark_conf", 1000)
    _check_string_map(job.tags, "tags", MAX_TAGS)
    if job.command is CommandName.PYTHONSHELL and job.executor is ExecutorKind.ISOLATED:
        raise InvalidInput(
            "executor 'isolated' runs spark-submit; pythonshell jobs run as a plain Python "
            "process: leave executor at 'pool' or change command to glueetl",
            field="executor",
        )
    if job.executor is ExecutorKind.PYSHELL:
        raise InvalidInput(
            "executor must be 'pool' or 'isolated'; pythonshell jobs choose their own",
            field="executor",
        )
    return job
