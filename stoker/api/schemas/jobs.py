"""Wire models of /jobs and the converters between them and domain jobs."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field
from pydantic_core import PydanticCustomError

from stoker.api.schemas.common import (
    StrictModel,
    UtcTime,
    is_none,
    same_fields,
    utc,
    utc_or_none,
)
from stoker.definitions.files import COMMAND_FIELDS, JOB_FIELDS, RESOURCE_FIELDS
from stoker.domain.arguments import mask_arguments
from stoker.domain.bookmarks import OPTION_ARG, BookmarkOption
from stoker.domain.jobs import (
    DEFAULT_TIMEOUT_MINUTES,
    CommandName,
    ExecutorKind,
    Job,
    SparkResources,
)
from stoker.domain.retention import (
    ALLOWED,
    MAX_LOG_RETENTION_DAYS,
    LogRetention,
    check_log_retention,
    effective_retention,
)
from stoker.domain.runs import JobActivity
from stoker.domain.states import RunState
from stoker.errors import InvalidInput


class CommandIn(StrictModel):
    name: CommandName = CommandName.GLUEETL
    #: Where the script is; omit it and send ``script`` (content) instead.
    script_location: str | None = None
    python_version: str = "3"


class ResourcesIn(StrictModel):
    driver_memory: str | None = None
    driver_cores: int | None = None
    executor_memory: str | None = None
    executor_cores: int | None = None
    num_executors: int | None = None


def _retention(value: Any) -> Any:
    """Checked here, before pydantic's own int/literal errors, to say what is allowed."""
    if value is None:
        return None
    try:
        return check_log_retention(value)
    except InvalidInput:
        raise PydanticCustomError("log_retention", f"must be {ALLOWED}") from None


#: The bounds are repeated for the OpenAPI document; _retention has checked them already.
RetentionIn = Annotated[
    Annotated[int, Field(ge=1, le=MAX_LOG_RETENTION_DAYS)] | Literal["never"] | None,
    BeforeValidator(_retention),
]


class JobIn(StrictModel):
    """A job definition. Exactly one of ``command.script_location`` and ``script``."""

    #: Required on POST /jobs; on PUT it may be omitted but must equal the path if given.
    name: str | None = None
    description: str = ""
    command: CommandIn = Field(default_factory=CommandIn)
    #: Script content to keep in the daemon's script store (sets script_location).
    script: str | None = None
    default_arguments: dict[str, str] = Field(default_factory=dict)
    non_overridable_arguments: dict[str, str] = Field(default_factory=dict)
    max_concurrent_runs: int = 1
    max_retries: int = 0
    timeout: int = DEFAULT_TIMEOUT_MINUTES
    notify_delay_after: int | None = None
    resources: ResourcesIn = Field(default_factory=ResourcesIn)
    spark_conf: dict[str, str] = Field(default_factory=dict)
    tags: dict[str, str] = Field(default_factory=dict)
    executor: Literal["pool", "isolated"] = "pool"
    job_run_queuing_enabled: bool = True
    #: The role whose credentials the job's runs receive (stoker roles; Glue's Role).
    role: str | None = None
    #: The security configuration encrypting what stoker keeps of the job's runs.
    security_configuration: str | None = None
    #: Days its ended runs' logs, metrics samples and event payload files are kept, or
    #: "never"; unset: the daemon's logs.retention_days (a stoker extension).
    log_retention_days: RetentionIn = None


# The definition's fields are listed once, where files are read; the bodies must match.
same_fields(JobIn, JOB_FIELDS)
same_fields(CommandIn, COMMAND_FIELDS)
same_fields(ResourcesIn, RESOURCE_FIELDS)


class CommandOut(BaseModel):
    name: CommandName
    script_location: str
    python_version: str


class ResourcesOut(BaseModel):
    driver_memory: str | None
    driver_cores: int | None
    executor_memory: str | None
    executor_cores: int | None
    num_executors: int | None


class JobOut(BaseModel):
    """A stored job; argument maps and spark_conf have secret-looking values masked."""

    name: str
    description: str
    command: CommandOut
    default_arguments: dict[str, str]
    non_overridable_arguments: dict[str, str]
    max_concurrent_runs: int
    max_retries: int
    timeout: int
    notify_delay_after: int | None
    resources: ResourcesOut
    spark_conf: dict[str, str]
    tags: dict[str, str]
    executor: ExecutorKind
    job_run_queuing_enabled: bool
    role: str | None
    security_configuration: str | None
    log_retention_days: LogRetention | None
    created_on: UtcTime | None
    last_modified_on: UtcTime | None
    #: Set when the stored definition cannot be loaded: no run starts until it is replaced.
    #: Present only when set, so a definition read and sent back stays a valid body.
    load_error: str | None = Field(default=None, exclude_if=is_none)
    #: The job's --job-bookmark-option (Glue's default: job-bookmark-disable).
    bookmark_option: str = BookmarkOption.DISABLE.value


class LastRunOut(BaseModel):
    """The job's newest run, as the jobs list shows it."""

    id: str
    state: RunState
    started_on: UtcTime
    completed_on: UtcTime | None


class JobActivityOut(JobOut):
    """A job as GET /jobs and GET /jobs/{name} give it: the definition and how its runs
    went (read-only; leave these two out when sending a definition back)."""

    last_run: LastRunOut | None
    #: The states of its latest runs (up to 10), newest first.
    recent: list[RunState]
    #: The retention its ended runs follow: log_retention_days, else the daemon's default.
    effective_log_retention_days: LogRetention


class JobPage(BaseModel):
    jobs: list[JobActivityOut]
    next_token: str | None


class ScriptIn(StrictModel):
    script: str


class ScriptOut(BaseModel):
    job_name: str
    script_location: str
    script: str


def job_from_in(body: JobIn, name: str) -> Job:
    """The domain Job for a request body; script_location is "" when content is sent."""
    return Job(
        name=name,
        script_location=body.command.script_location or "",
        command=body.command.name,
        python_version=body.command.python_version,
        description=body.description,
        default_arguments=dict(body.default_arguments),
        non_overridable_arguments=dict(body.non_overridable_arguments),
        max_concurrent_runs=body.max_concurrent_runs,
        max_retries=body.max_retries,
        timeout=body.timeout,
        notify_delay_after=body.notify_delay_after,
        resources=SparkResources(**body.resources.model_dump()),
        spark_conf=dict(body.spark_conf),
        tags=dict(body.tags),
        executor=ExecutorKind(body.executor),
        job_run_queuing_enabled=body.job_run_queuing_enabled,
        role=body.role,
        security_configuration=body.security_configuration,
        log_retention_days=body.log_retention_days,
    )


def job_activity_out(
    job: Job, activity: JobActivity, default_retention: LogRetention
) -> JobActivityOut:
    """The job with its newest run, its latest runs' states and the retention its runs
    follow (``default_retention``: the daemon's, for a job that sets none)."""
    last = None
    if activity.last is not None:
        newest = activity.last
        last = LastRunOut(id=newest.id, state=newest.state, started_on=utc(newest.started_on),
                          completed_on=utc_or_none(newest.completed_on))  # fmt: skip
    # Built from the fields, not from a JobOut: validating a page's jobs twice cost it ~3 ms.
    return JobActivityOut(
        **_job_fields(job), last_run=last, recent=list(activity.recent),
        effective_log_retention_days=effective_retention(job.log_retention_days,
                                                         default_retention),
    )  # fmt: skip


def job_out(job: Job) -> JobOut:
    return JobOut(**_job_fields(job))


def _job_fields(job: Job) -> dict[str, Any]:
    return dict(
        name=job.name,
        description=job.description,
        command=CommandOut(
            name=job.command,
            script_location=job.script_location,
            python_version=job.python_version,
        ),
        default_arguments=mask_arguments(job.default_arguments),
        non_overridable_arguments=mask_arguments(job.non_overridable_arguments),
        max_concurrent_runs=job.max_concurrent_runs,
        max_retries=job.max_retries,
        timeout=job.timeout,
        notify_delay_after=job.notify_delay_after,
        resources=ResourcesOut(**vars(job.resources)),
        # Spark settings carry credentials too (fs.s3a.secret.key), so they are masked alike.
        spark_conf=mask_arguments(job.spark_conf),
        tags=dict(job.tags),
        executor=job.executor,
        job_run_queuing_enabled=job.job_run_queuing_enabled,
        role=job.role,
        security_configuration=job.security_configuration,
        log_retention_days=job.log_retention_days,
        created_on=utc_or_none(job.created_on),
        last_modified_on=utc_or_none(job.last_modified_on),
        load_error=job.load_error,
        bookmark_option=job.default_arguments.get(OPTION_ARG, BookmarkOption.DISABLE.value),
    )
