"""A job run, how an attempt ended, and the retry decision."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from stoker.domain.jobs import ExecutorKind
from stoker.domain.states import RETRYABLE_STATES, RunState

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
