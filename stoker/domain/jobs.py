"""A job definition with Glue's fields, and the rules a definition must satisfy."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from stoker.domain.arguments import validate_arguments
from stoker.domain.limits import CONF_KEY, check_string_map, check_text, quote
from stoker.domain.retention import LogRetention, check_log_retention
from stoker.domain.roles import validate_role_name
from stoker.domain.states import RunState
from stoker.errors import InvalidInput

JOB_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,254}")
SPARK_MEMORY = re.compile(r"[1-9][0-9]{0,8}[kmgtKMGT]?")
MAX_DESCRIPTION = 2048
#: Glue's tag limits: 50 tags, keys of 128 and values of 256 characters.
MAX_TAGS = 50
MAX_TAG_KEY = 128
MAX_TAG_VALUE = 256
#: Spark conf is copied into every run of the job (and onto spark-submit's command line).
MAX_SPARK_CONF = 200
MAX_SPARK_CONF_VALUE = 4096
MAX_SCRIPT_LOCATION = 4096
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
    #: The role whose credentials its runs receive (Glue's ``Role``; docs/security.md).
    role: str | None = None
    #: The security configuration that encrypts what stoker keeps of its runs.
    security_configuration: str | None = None
    #: Days its ended runs' logs, metrics samples and event payload files are kept, or
    #: "never"; None: the daemon's logs.retention_days (stoker's extension, domain/retention.py).
    log_retention_days: LogRetention | None = None
    created_on: datetime | None = None
    last_modified_on: datetime | None = None
    #: Why the stored definition cannot be loaded (no run starts from it); None when it can.
    load_error: str | None = None

    def with_times(self, created_on: datetime, last_modified_on: datetime) -> Job:
        return replace(self, created_on=created_on, last_modified_on=last_modified_on)

    @property
    def effective_executor(self) -> ExecutorKind:
        """Python shell jobs never need Spark, whatever the executor field says."""
        if self.command is CommandName.PYTHONSHELL:
            return ExecutorKind.PYSHELL
        return self.executor


def validate_job_name(name: Any, field_name: str = "name") -> str:
    if not isinstance(name, str) or not JOB_NAME.fullmatch(name):
        raise InvalidInput(
            f"job name {quote(name)} is invalid: 1-255 characters, letters, digits, '_', '.', '-', "
            "starting with a letter or digit",
            field=field_name,
            value=name,
        )
    return name


def _int_in(value: Any, field_name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(
            f"{field_name} must be a whole number from {low} to {high}, got {quote(value)}",
            field=field_name,
            value=value,
        )
    return value


def _check_resources(res: SparkResources) -> None:
    for name in ("driver_memory", "executor_memory"):
        value = getattr(res, name)
        if value is not None and not (
            isinstance(value, str) and SPARK_MEMORY.fullmatch(value)
        ):
            raise InvalidInput(
                f"resources.{name} {quote(value)} is not a Spark memory size (e.g. '2g', "
                "'512m'; at most 9 digits)",
                field=f"resources.{name}",
                value=value,
            )
    for name in ("driver_cores", "executor_cores", "num_executors"):
        value = getattr(res, name)
        if value is not None:
            _int_in(value, f"resources.{name}", 1, 1024)


def validate_job(job: Job) -> Job:
    """Raise InvalidInput naming the first field that breaks a rule; return the job."""
    validate_job_name(job.name)
    check_text(job.description, "description", MAX_DESCRIPTION, multiline=True)
    if not isinstance(job.script_location, str) or not job.script_location.strip():
        raise InvalidInput("command.script_location is required", field="command.script_location")
    check_text(job.script_location, "command.script_location", MAX_SCRIPT_LOCATION)
    if job.python_version != "3":
        raise InvalidInput(
            f"command.python_version {quote(job.python_version)} is not supported; "
            "allowed: '3'",
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
    check_string_map(job.spark_conf, "spark_conf", max_entries=MAX_SPARK_CONF, max_key=256,
                     max_value=MAX_SPARK_CONF_VALUE, key_pattern=CONF_KEY)  # fmt: skip
    check_string_map(job.tags, "tags", max_entries=MAX_TAGS, max_key=MAX_TAG_KEY,
                     max_value=MAX_TAG_VALUE)  # fmt: skip
    _check_kinds(job)
    if job.role is not None:
        validate_role_name(job.role, "role")
    if job.security_configuration is not None:
        check_text(job.security_configuration, "security_configuration", 255)
        if not JOB_NAME.fullmatch(job.security_configuration):
            raise InvalidInput(
                f"security_configuration {quote(job.security_configuration)} is not a "
                "configuration name: 1-255 letters, digits, '_', '.', '-'",
                field="security_configuration",
            )
    if job.log_retention_days is not None:
        check_log_retention(job.log_retention_days)
    return job


def _check_kinds(job: Job) -> None:
    if not isinstance(job.job_run_queuing_enabled, bool):
        raise InvalidInput("job_run_queuing_enabled must be true or false",
                           field="job_run_queuing_enabled")  # fmt: skip
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


class JobSort(StrEnum):
    """What a jobs list is ordered by; jobs with the same value follow in name order."""

    NAME = "name"
    LAST_MODIFIED = "last_modified"
    #: The job's newest run, by creation order; jobs never run come first (ascending).
    LAST_RUN = "last_run"


@dataclass(frozen=True)
class JobFilter:
    """Which jobs a list shows: ``name_contains`` case-insensitively; a tag ``tag_key``
    (with ``tag_value`` when given); the state of the job's latest run (``last_state``);
    and in which order (``sort``, ``descending``)."""

    name_contains: str | None = None
    tag_key: str | None = None
    tag_value: str | None = None
    last_state: RunState | None = None
    sort: JobSort = JobSort.NAME
    descending: bool = False


@dataclass(frozen=True)
class JobCursor:
    """Where a page of jobs ended: its last job's name and, unless the list is sorted by
    name, that job's sort value (LAST_MODIFIED: the time; LAST_RUN: its newest run's
    sequence number, 0 when it never ran)."""

    name: str
    value: datetime | int | None = None
