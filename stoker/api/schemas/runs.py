"""Wire models of runs (/runs, /jobs/{name}/runs, logs) and their converters."""

from __future__ import annotations

from pydantic import BaseModel, Field

from stoker.api.schemas.common import StrictModel, UtcTime, utc, utc_or_none
from stoker.domain.arguments import mask_arguments
from stoker.domain.jobs import MAX_TIMEOUT_MINUTES, ExecutorKind
from stoker.domain.runs import JobRun
from stoker.domain.states import RunState
from stoker.domain.summary import RunSummary


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
        completed_on=utc_or_none(run.completed_on),
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


class DayCountsOut(BaseModel):
    #: A UTC day, YYYY-MM-DD.
    day: str
    counts: dict[RunState, int]


class RunSummaryOut(BaseModel):
    """Runs started in [since, until): by state (every state, 0 when none), the success
    rate (SUCCEEDED over terminal runs; null when none ended) and per UTC day."""

    since: UtcTime
    until: UtcTime
    by_state: dict[RunState, int]
    success_rate: float | None
    per_day: list[DayCountsOut]


def summary_out(summary: RunSummary) -> RunSummaryOut:
    return RunSummaryOut(
        since=summary.since,
        until=summary.until,
        by_state=summary.by_state,
        success_rate=summary.success_rate,
        per_day=[DayCountsOut(day=d.isoformat(), counts=c) for d, c in summary.per_day],
    )
