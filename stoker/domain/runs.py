"""A job run, how an attempt ended, and the retry decision."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from stoker.domain.arguments import resolve_arguments, validate_arguments
from stoker.domain.bookmarks import bookmark_request
from stoker.domain.ids import new_run_id
from stoker.domain.jobs import MAX_TIMEOUT_MINUTES, ExecutorKind, Job
from stoker.domain.limits import quote
from stoker.domain.states import RETRYABLE_STATES, RunState
from stoker.errors import InvalidInput

MANUAL = "manual"


@dataclass(frozen=True)
class JobRun:
    """One attempt of a job. Times are UTC; ``execution_time`` is whole seconds RUNNING."""

    id: str
    job_name: str
    state: RunState
    attempt: int
    previous_run_id: str | None
    triggered_by: str
    arguments: dict[str, str]
    resolved_arguments: dict[str, str]
    timeout: int
    notify_delay_after: int | None
    executor: ExecutorKind
    max_retries: int
    queuing_enabled: bool
    started_on: datetime
    last_modified_on: datetime
    running_on: datetime | None = None
    completed_on: datetime | None = None
    execution_time: int = 0
    error_message: str | None = None
    state_detail: str | None = None
    predecessor_runs: list[dict[str, str]] = field(default_factory=list)
    seq: int = 0
    #: The cluster member executing it (STARTING, RUNNING, STOPPING); None while WAITING and
    #: for runs that never started.
    member_id: str | None = None


@dataclass(frozen=True)
class RunBrief:
    """What a list of jobs shows of one of a job's runs."""

    id: str
    state: RunState
    started_on: datetime
    completed_on: datetime | None
    #: Its place in creation order (what a jobs list sorted by last run orders by).
    seq: int = 0


@dataclass(frozen=True)
class JobActivity:
    """How a job's runs went, as a jobs list shows it: its newest run, and the states of
    its latest runs (up to 10, that one's first)."""

    last: RunBrief | None = None
    recent: tuple[RunState, ...] = ()


@dataclass(frozen=True)
class RunFilter:
    """Which runs a list shows; an empty ``states`` means every state. Times are UTC,
    ``started_after`` inclusive, ``started_before`` exclusive."""

    job_name: str | None = None
    states: frozenset[RunState] = field(default_factory=frozenset)
    triggered_by: str | None = None
    started_after: datetime | None = None
    started_before: datetime | None = None


class Outcome(StrEnum):
    """How an executor says an attempt ended; the run service maps it to a state."""

    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    STOPPED = "STOPPED"
    TIMEOUT = "TIMEOUT"
    LOST = "LOST"


@dataclass(frozen=True)
class Exit:
    """An attempt's end as reported by its executor."""

    outcome: Outcome
    error_message: str | None = None


def should_retry(state: RunState, attempt: int, max_retries: int) -> bool:
    """Glue retries FAILED; stoker also retries ERROR. TIMEOUT and STOPPED never."""
    return state in RETRYABLE_STATES and attempt < max_retries


def execution_seconds(running_on: datetime | None, now: datetime) -> int:
    if running_on is None:
        return 0
    return max(0, round((now - running_on).total_seconds()))


def _check_minutes(name: str, value: int | None) -> None:
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, int)
        or not 1 <= value <= MAX_TIMEOUT_MINUTES
    ):  # fmt: skip
        raise InvalidInput(
            f"{name} must be whole minutes from 1 to {MAX_TIMEOUT_MINUTES}, got {quote(value)}",
            field=name,
            value=value,
        )


def check_retryable(run: JobRun, job_name: str) -> None:
    """``run`` may be retried as a run of ``job_name``: one of its runs that ended without
    succeeding (a live run is still trying; a succeeded one has nothing to retry)."""
    if run.job_name != job_name:
        raise InvalidInput(f"run {run.id} is a run of job {run.job_name!r}, not of "
                           f"{job_name!r}", field="retry_of", value=run.id)  # fmt: skip
    if not run.state.terminal or run.state is RunState.SUCCEEDED:
        raise InvalidInput(
            f"run {run.id} is {run.state.value}; only a run that ended FAILED, TIMEOUT, "
            "STOPPED or ERROR can be retried", field="retry_of", value=run.id,
        )  # fmt: skip


def new_run(
    job: Job,
    now: datetime,
    *,
    arguments: dict[str, str],
    timeout: int | None = None,
    notify_delay_after: int | None = None,
    queuing: bool | None = None,
    triggered_by: str = MANUAL,
    predecessor_runs: list[dict[str, str]] | None = None,
    retry_of: JobRun | None = None,
) -> JobRun:
    """A first attempt of ``job`` (or, with ``retry_of``, the next attempt of that ended
    run, as Glue's StartJobRun with a JobRunId starts): arguments validated and resolved,
    overrides checked.

    The state is a placeholder; the store decides STARTING or WAITING when it inserts.
    """
    if retry_of is not None:
        check_retryable(retry_of, job.name)
    if job.load_error is not None:
        raise InvalidInput(
            f"job {job.name!r} cannot be run: {job.load_error}; replace its definition "
            "(stoker jobs update, or stoker apply)",
            field="job_name",
            value=job.name,
        )
    run_args = validate_arguments(arguments, "arguments")
    resolved = resolve_arguments(job.default_arguments, job.non_overridable_arguments, run_args)
    bookmark_request(resolved)  # a bad option or half a window is refused at start
    _check_minutes("timeout", timeout)
    _check_minutes("notify_delay_after", notify_delay_after)
    return JobRun(
        id=new_run_id(),
        job_name=job.name,
        state=RunState.WAITING,
        attempt=retry_of.attempt + 1 if retry_of else 0,
        previous_run_id=retry_of.id if retry_of else None,
        triggered_by=triggered_by,
        arguments=run_args,
        resolved_arguments=resolved,
        timeout=timeout or job.timeout,
        notify_delay_after=notify_delay_after or job.notify_delay_after,
        executor=job.effective_executor,
        max_retries=job.max_retries,
        queuing_enabled=job.job_run_queuing_enabled if queuing is None else queuing,
        started_on=now,
        last_modified_on=now,
        predecessor_runs=list(predecessor_runs or []),
    )
