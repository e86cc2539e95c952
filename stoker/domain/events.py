"""The event envelope (EventBridge-shaped, Glue's detail fields): the published contract."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from stoker.domain.bookmarks import BookmarkVersion
from stoker.domain.ids import new_event_id
from stoker.domain.runs import JobRun
from stoker.domain.states import RunState

STATE_CHANGE = "Job State Change"
RUN_STATUS = "Job Run Status"
BOOKMARK_CHANGE = "Job Bookmark Change"
SOURCE = "stoker"
GLUE_SOURCE = "aws.glue"

SEVERITY = {
    RunState.SUCCEEDED: "INFO",
    RunState.STOPPED: "INFO",
    RunState.TIMEOUT: "WARN",
    RunState.FAILED: "ERROR",
    RunState.ERROR: "ERROR",
}

_MESSAGES = {
    RunState.WAITING: "Job run is waiting for a slot",
    RunState.STARTING: "Job run is starting",
    RunState.RUNNING: "Job is in RUNNING state",
    RunState.STOPPING: "Job run is stopping",
    RunState.SUCCEEDED: "Job run succeeded",
    RunState.STOPPED: "Job run stopped",
    RunState.TIMEOUT: "Job run timed out",
}


@dataclass(frozen=True)
class EventIdentity:
    """Where events say they come from (configurable; Glue-compatible values optional)."""

    source: str = SOURCE
    account: str = "000000000000"
    region: str = "local"
    glue_compatible: bool = False


def iso_seconds(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_millis(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def message_for(run: JobRun) -> str:
    if run.state in (RunState.FAILED, RunState.ERROR):
        return (
            f"JobName:{run.job_name} and JobRunId:{run.id} failed to execute with exception "
            f"{run.error_message or 'unknown error'}"
        )
    return _MESSAGES[run.state]


def state_change_event(
    run: JobRun, previous: RunState | None, now: datetime, who: EventIdentity
) -> dict[str, Any]:
    """One transition as an envelope. ``previous`` is None for a run's first state."""
    detail: dict[str, Any] = {
        "jobName": run.job_name,
        "severity": SEVERITY.get(run.state, "INFO"),
        "state": run.state.value,
        "previousState": previous.value if previous else None,
        "jobRunId": run.id,
        "message": message_for(run),
        "attempt": run.attempt,
        "previousRunId": run.previous_run_id,
        "triggeredBy": run.triggered_by,
        "startedOn": iso_millis(run.started_on),
        "completedOn": iso_millis(run.completed_on) if run.completed_on else None,
        "executionTime": run.execution_time,
    }
    if run.error_message and run.state.terminal:
        detail["error"] = run.error_message
    if run.state_detail:
        detail["stateDetail"] = run.state_detail
    return _envelope(STATE_CHANGE, detail, now, who)


def run_status_event(run: JobRun, now: datetime, who: EventIdentity) -> dict[str, Any]:
    """Glue's "Job Run Status": the run is still going after notify_delay_after minutes."""
    detail: dict[str, Any] = {
        "jobName": run.job_name,
        "severity": "INFO",
        "notificationCondition": {"NotifyDelayAfter": float(run.notify_delay_after or 0)},
        "state": run.state.value,
        "jobRunId": run.id,
        "message": f"Job is in {run.state.value} state",
        "startedOn": iso_millis(run.started_on),
        "attempt": run.attempt,
        "triggeredBy": run.triggered_by,
    }
    return _envelope(RUN_STATUS, detail, now, who)


def bookmark_change_event(
    version: BookmarkVersion, now: datetime, who: EventIdentity
) -> dict[str, Any]:
    """A new version of a job's bookmark: committed by a run, or reset, rewound or set."""
    detail: dict[str, Any] = {
        "jobName": version.job_name,
        "severity": "INFO",
        "version": version.version,
        "action": version.action.value,
        "run": version.run,
        "jobRunId": version.run_id,
        "previousRunId": version.previous_run_id,
        "message": f"Job bookmark is at version {version.version} ({version.action.value})",
    }
    return _envelope(BOOKMARK_CHANGE, detail, now, who)


def _envelope(
    detail_type: str, detail: dict[str, Any], now: datetime, who: EventIdentity
) -> dict[str, Any]:
    return {
        "version": "0",
        "id": new_event_id(),
        "detail-type": ("Glue " + detail_type) if who.glue_compatible else detail_type,
        "source": GLUE_SOURCE if who.glue_compatible else who.source,
        "account": who.account,
        "time": iso_seconds(now),
        "region": who.region,
        "resources": [],
        "detail": detail,
    }


@dataclass(frozen=True)
class OutboxEvent:
    """An event as stored in the outbox: ``seq`` orders all events, ``sent_on`` marks delivery."""

    seq: int
    id: str
    run_id: str | None
    job_name: str
    detail_type: str
    payload: dict[str, Any]
    created_on: datetime
    sent_on: datetime | None = None
