"""Domain objects ↔ the JSON the store keeps (job definitions, run rows)."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from sqlalchemy import Row

from stoker.domain.jobs import CommandName, ExecutorKind, Job, SparkResources
from stoker.domain.runs import JobRun
from stoker.domain.states import RunState
from stoker.store.tables import Unreadable
from stoker.store.trigger_codec import DECODE_ERRORS, describe

#: Job fields that are not part of the stored definition.
_NOT_STORED = ("created_on", "last_modified_on", "load_error")


def job_to_json(job: Job) -> dict[str, Any]:
    # Field by field rather than dataclasses.asdict, whose deep copies showed up on the
    # run-creation path (every run stores its job's snapshot).
    data = {f.name: getattr(job, f.name) for f in fields(job) if f.name not in _NOT_STORED}
    data["resources"] = dict(vars(job.resources))
    data["command"] = job.command.value
    data["executor"] = job.executor.value
    return data


def job_from_json(data: dict[str, Any], **times: Any) -> Job:
    fields = dict(data)
    fields["command"] = CommandName(fields["command"])
    fields["executor"] = ExecutorKind(fields["executor"])
    fields["resources"] = SparkResources(**fields.get("resources") or {})
    return Job(**fields, **times)


def job_from_row(row: Row[Any]) -> Job:
    """The stored job, or a placeholder carrying ``load_error`` (no run can be started
    from it) when its definition cannot be read."""
    times = {"created_on": row.created_on, "last_modified_on": row.last_modified_on}
    try:
        if isinstance(row.definition, Unreadable):
            raise ValueError(f"it is not valid JSON ({row.definition.error})")
        return job_from_json(row.definition, **times)
    except DECODE_ERRORS as exc:
        error = f"the stored definition cannot be read: {describe(exc)}"
        return Job(name=row.name, script_location="", load_error=error, **times)


def run_from_row(row: Row[Any]) -> JobRun:
    return JobRun(
        id=row.id,
        job_name=row.job_name,
        state=RunState(row.state),
        attempt=row.attempt,
        previous_run_id=row.previous_run_id,
        triggered_by=row.triggered_by,
        arguments=dict(row.arguments),
        resolved_arguments=dict(row.resolved_arguments),
        timeout=row.timeout,
        notify_delay_after=row.notify_delay_after,
        executor=ExecutorKind(row.executor),
        max_retries=row.max_retries,
        queuing_enabled=bool(row.queuing_enabled),
        started_on=row.started_on,
        last_modified_on=row.last_modified_on,
        running_on=row.running_on,
        completed_on=row.completed_on,
        execution_time=row.execution_time,
        error_message=row.error_message,
        state_detail=row.state_detail,
        predecessor_runs=list(row.predecessor_runs),
        seq=row.seq,
        member_id=row.member_id,
    )


def run_values(run: JobRun, job: Job) -> dict[str, Any]:
    """Insert values for a new run row (``seq`` is assigned by the database)."""
    return {
        "id": run.id,
        "job_name": run.job_name,
        "state": run.state.value,
        "attempt": run.attempt,
        "previous_run_id": run.previous_run_id,
        "triggered_by": run.triggered_by,
        "arguments": run.arguments,
        "resolved_arguments": run.resolved_arguments,
        "timeout": run.timeout,
        "notify_delay_after": run.notify_delay_after,
        "executor": run.executor.value,
        "max_retries": run.max_retries,
        "queuing_enabled": run.queuing_enabled,
        "job_snapshot": job_to_json(job),
        "started_on": run.started_on,
        "last_modified_on": run.last_modified_on,
        "running_on": run.running_on,
        "completed_on": run.completed_on,
        "execution_time": run.execution_time,
        "error_message": run.error_message,
        "state_detail": run.state_detail,
        "predecessor_runs": run.predecessor_runs,
        "member_id": run.member_id,
    }
