"""Wire models of the HTTP API and the converters between them and domain objects."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, model_validator
from pydantic_core import PydanticCustomError

from stoker.domain.arguments import mask_arguments
from stoker.domain.events import OutboxEvent
from stoker.domain.jobs import (
    DEFAULT_TIMEOUT_MINUTES,
    MAX_TIMEOUT_MINUTES,
    CommandName,
    ExecutorKind,
    Job,
    SparkResources,
)
from stoker.domain.runs import JobRun
from stoker.domain.states import RunState

UNKNOWN_FIELD = "unknown_field"


def _iso(value: datetime) -> str:
    return value.isoformat()


#: Always aware UTC on the wire, written with an explicit "+00:00" offset.
UtcTime = Annotated[datetime, PlainSerializer(_iso, return_type=str, when_used="json")]


def utc(value: datetime) -> datetime:
    """Stores may hand back naive datetimes; stoker stores UTC, so naive means UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _utc_or_none(value: datetime | None) -> datetime | None:
    return None if value is None else utc(value)


class StrictModel(BaseModel):
    """Request bodies: unknown fields are refused by name, listing the fields allowed."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _refuse_unknown(cls, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(str(k) for k in data if k not in cls.model_fields)
            if unknown:
                raise PydanticCustomError(
                    UNKNOWN_FIELD,
                    "unknown field {unknown!r}; allowed fields: {allowed}",
                    {"unknown": unknown[0], "allowed": ", ".join(cls.model_fields)},
                )
        return data


class ErrorOut(BaseModel):
    """Every error response."""

    code: str
    message: str
    field: str | None = None


class HealthOut(BaseModel):
    status: Literal["ok"] = "ok"
    version: str
    accepting_runs: bool


# --- jobs -------------------------------------------------------------------------------


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
    created_on: UtcTime | None
    last_modified_on: UtcTime | None


class JobPage(BaseModel):
    jobs: list[JobOut]
    next_token: str | None


class ScriptIn(StrictModel):
    script: str


class ScriptOut(BaseModel):
    job_name: str
    script_location: str
    script: str


def job_from_in(body: JobIn, name: str) -> Job:
    """The domain Job for a request body; script_location is "" when content is sent."""
    res = body.resources
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
        resources=SparkResources(
            driver_memory=res.driver_memory,
            driver_cores=res.driver_cores,
            executor_memory=res.executor_memory,
            executor_cores=res.executor_cores,
            num_executors=res.num_executors,
        ),
        spark_conf=dict(body.spark_conf),
        tags=dict(body.tags),
        executor=ExecutorKind(body.executor),
        job_run_queuing_enabled=body.job_run_queuing_enabled,
    )


def job_out(job: Job) -> JobOut:
    res = job.resources
    return JobOut(
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
        resources=ResourcesOut(
            driver_memory=res.driver_memory,
            driver_cores=res.driver_cores,
            executor_memory=res.executor_memory,
            executor_cores=res.executor_cores,
            num_executors=res.num_executors,
        ),
        # Spark settings carry credentials too (fs.s3a.secret.key), so they are masked alike.
        spark_conf=mask_arguments(job.spark_conf),
        tags=dict(job.tags),
        executor=job.executor,
        job_run_queuing_enabled=job.job_run_queuing_enabled,
        created_on=_utc_or_none(job.created_on),
        last_modified_on=_utc_or_none(job.last_modified_on),
    )


# --- runs -------------------------------------------------------------------------------


class StartRunIn(StrictModel):
    #: Run arguments, keys written '--name'; they overlay the job's default arguments.
    arguments: dict[str, str] = Field(default_factory=dict)
    #: Minutes; defaults to the job's timeout.
    timeout: int | None = Field(default=None, ge=1, le=MAX_TIMEOUT_MINUTES)
    notify_delay_after: int | None = Field(default=None, ge=1, le=MAX_TIMEOUT_MINUTES)
    job_run_queuing_enabled: bool | None = None


class PredecessorOut(BaseModel):
    job_name: str
    run_id: str


class RunOut(BaseModel):
    """A job run; ``arguments`` are the run's own (not resolved), masked."""

    id: str
    job_name: str
    state: RunState
    attempt: int
    previous_run_id: str | None
    triggered_by: str
    arguments: dict[str, str]
    error_message: str | None
    state_detail: str | None
    started_on: UtcTime
    last_modified_on: UtcTime
    completed_on: UtcTime | None
    #: Whole seconds the run spent RUNNING.
    execution_time: int
    timeout: int
    notify_delay_after: int | None
    executor: ExecutorKind
    predecessor_runs: list[PredecessorOut]
    job_run_queuing_enabled: bool


class RunPage(BaseModel):
    runs: list[RunOut]
    next_token: str | None


class LogChunk(BaseModel):
    #: UTF-8 text; invalid bytes are replaced. A chunk never ends inside a character.
    data: str
    offset: int
    next_offset: int
    #: The run is terminal and next_offset is the file's size: nothing more will come.
    complete: bool


def run_out(run: JobRun) -> RunOut:
    return RunOut(
        id=run.id,
        job_name=run.job_name,
        state=run.state,
        attempt=run.attempt,
        previous_run_id=run.previous_run_id,
        triggered_by=run.triggered_by,
        arguments=mask_arguments(run.arguments),
        error_message=run.error_message,
        state_detail=run.state_detail,
        started_on=utc(run.started_on),
        last_modified_on=utc(run.last_modified_on),
        completed_on=_utc_or_none(run.completed_on),
        execution_time=run.execution_time,
        timeout=run.timeout,
        notify_delay_after=run.notify_delay_after,
        executor=run.executor,
        predecessor_runs=[
            PredecessorOut(job_name=p.get("job_name", ""), run_id=p.get("run_id", ""))
            for p in run.predecessor_runs
        ],
        job_run_queuing_enabled=run.queuing_enabled,
    )


# --- events -----------------------------------------------------------------------------


class EventOut(BaseModel):
    seq: int
    id: str
    run_id: str | None
    job_name: str
    detail_type: str
    created_on: UtcTime
    sent_on: UtcTime | None
    #: The published envelope (EventBridge-shaped).
    event: dict[str, Any]


class EventPage(BaseModel):
    events: list[EventOut]
    next_token: str | None


def event_out(event: OutboxEvent) -> EventOut:
    return EventOut(
        seq=event.seq,
        id=event.id,
        run_id=event.run_id,
        job_name=event.job_name,
        detail_type=event.detail_type,
        created_on=utc(event.created_on),
        sent_on=_utc_or_none(event.sent_on),
        event=event.payload,
    )
