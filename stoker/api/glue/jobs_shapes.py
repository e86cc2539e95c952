"""Glue's ``Job`` and ``JobRun`` members, to and from stoker's jobs and runs.

``Command.ScriptLocation`` maps onto stoker's script store: a ``data:`` URL carries the
script's text (stoker's extension: it goes to the script store, and the job then reads
back the store's path), a path or ``file://`` URL must lie in the script store or
``daemon.script_roots``, and an ``s3://`` location is read through ``[glue] s3_buckets``
into the script store (stoker.jobs.s3scripts), all as for the HTTP API.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import replace
from datetime import datetime
from typing import Any
from urllib.parse import unquote, unquote_to_bytes, urlsplit

from stoker.api.glue.errors import invalid
from stoker.api.glue.members import Members
from stoker.api.schemas.common import utc
from stoker.api.secrets import unmask
from stoker.domain.arguments import mask_arguments
from stoker.domain.jobs import (
    DEFAULT_TIMEOUT_MINUTES,
    MAX_CONCURRENT_RUNS,
    MAX_DESCRIPTION,
    MAX_RETRIES,
    MAX_TAGS,
    MAX_TIMEOUT_MINUTES,
    CommandName,
    Job,
)
from stoker.domain.runs import MANUAL, JobRun

#: Glue's limit on Command.ScriptLocation, which also bounds an uploaded data: URL.
MAX_SCRIPT_LOCATION = 400_000


def epoch(when: datetime | None) -> float | None:
    """AWS JSON 1.1 sends timestamps as seconds since the epoch (a naive time is UTC)."""
    return None if when is None else utc(when).timestamp()


def compact(members: dict[str, Any]) -> dict[str, Any]:
    """Glue leaves out members it has no value for."""
    return {k: v for k, v in members.items() if v is not None}


def script_source(location: str) -> tuple[str, str | None]:
    """(script_location, uploaded text or None) for a ``Command.ScriptLocation``."""
    if location.startswith("data:"):
        return "", _data_url(location)
    if location.startswith("file://"):
        return unquote(urlsplit(location).path), None
    return location, None


def _data_url(location: str) -> str:
    header, comma, payload = location[5:].partition(",")
    if not comma:
        raise invalid("Command.ScriptLocation: a data: URL needs a ',' before the script")
    try:
        raw = base64.b64decode(payload, validate=True) if header.endswith(";base64") else (
            unquote_to_bytes(payload))  # fmt: skip
        return raw.decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise invalid("Command.ScriptLocation: the data: URL is not UTF-8 text "
                      "(base64 with ';base64', else percent-encoded)") from None  # fmt: skip


def notify_delay(members: Members) -> int | None:
    """``NotificationProperty.NotifyDelayAfter`` (minutes), when given."""
    notify = members.structure("NotificationProperty")
    return None if notify is None else notify.integer("NotifyDelayAfter", 1, MAX_TIMEOUT_MINUTES)


def _command(members: Members, current: Job | None) -> tuple[CommandName, str, str | None]:
    command = members.structure("Command", required=current is None)
    if command is None:
        assert current is not None
        return current.command, current.script_location, None
    name = command.string("Name") or CommandName.GLUEETL.value
    if name not in {c.value for c in CommandName}:
        raise invalid(f"Command.Name {name[:40]!r} is not supported by stoker; "
                      "allowed: glueetl, pythonshell")  # fmt: skip
    location = command.string("ScriptLocation", required=True, max_len=MAX_SCRIPT_LOCATION)
    assert location is not None
    version = command.string("PythonVersion") or "3"
    if version != "3" and not version.startswith("3."):
        raise invalid(f"Command.PythonVersion {version[:20]!r} is not supported; stoker "
                      "runs Python 3")  # fmt: skip
    path, script = script_source(location)
    return CommandName(name), path, script


def job_from_glue(name: str, members: Members, current: Job | None) -> tuple[Job, str | None]:
    """The job CreateJob (``current`` None) or UpdateJob's JobUpdate describes, and the
    uploaded script text if any. UpdateJob replaces the definition as Glue does; what Glue
    cannot express (tags, executor, resources, Spark conf) stays as stored."""
    members.refuse("CodeGenConfigurationNodes", "SourceControlDetails",
                   why="stoker runs scripts only")  # fmt: skip
    connections = members.structure("Connections")
    if connections is not None and connections.string_list("Connections"):
        raise invalid("Connections is not supported by stoker yet: a job's JDBC sources "
                      "name their URLs in the script")  # fmt: skip
    command, location, script = _command(members, current)
    default_args = members.string_map("DefaultArguments") or {}
    fixed_args = members.string_map("NonOverridableArguments") or {}
    if current is not None:
        default_args = unmask(default_args, current.default_arguments)
        fixed_args = unmask(fixed_args, current.non_overridable_arguments)
    execution = members.structure("ExecutionProperty")
    concurrency = execution and execution.integer("MaxConcurrentRuns", 1, MAX_CONCURRENT_RUNS)
    base = current or Job(name=name, script_location="")
    job = replace(
        base,
        name=name,
        script_location=location,
        command=command,
        python_version="3",
        description=members.string("Description", max_len=MAX_DESCRIPTION) or "",
        default_arguments=default_args,
        non_overridable_arguments=fixed_args,
        max_concurrent_runs=concurrency or 1,
        max_retries=members.integer("MaxRetries", 0, MAX_RETRIES) or 0,
        timeout=members.integer("Timeout", 1, MAX_TIMEOUT_MINUTES) or DEFAULT_TIMEOUT_MINUTES,
        notify_delay_after=notify_delay(members),
        # Glue's default: no queue, a run over the limit is refused.
        job_run_queuing_enabled=bool(members.boolean("JobRunQueuingEnabled")),
        security_configuration=members.string("SecurityConfiguration", max_len=255),
    )
    if current is None:
        job = replace(job, tags=members.string_map("Tags", max_entries=MAX_TAGS) or {})
    return job, script


def job_member(job: Job) -> dict[str, Any]:
    """Glue's Job; argument values that look secret are masked as the HTTP API masks them."""
    return compact({
        "Name": job.name,
        "Description": job.description or None,
        "JobMode": "SCRIPT",
        "CreatedOn": epoch(job.created_on),
        "LastModifiedOn": epoch(job.last_modified_on),
        "ExecutionProperty": {"MaxConcurrentRuns": job.max_concurrent_runs},
        "Command": {"Name": job.command.value, "ScriptLocation": job.script_location,
                    "PythonVersion": job.python_version},
        "DefaultArguments": mask_arguments(job.default_arguments),
        "NonOverridableArguments": mask_arguments(job.non_overridable_arguments),
        "MaxRetries": job.max_retries,
        "Timeout": job.timeout,
        "NotificationProperty": _notification(job.notify_delay_after),
        "JobRunQueuingEnabled": job.job_run_queuing_enabled,
        "Role": job.role,
        "SecurityConfiguration": job.security_configuration,
    })  # fmt: skip


def _notification(delay: int | None) -> dict[str, int] | None:
    return None if delay is None else {"NotifyDelayAfter": delay}


def run_member(run: JobRun, *, predecessors: bool = True) -> dict[str, Any]:
    """Glue's JobRun for one of stoker's runs (``Arguments`` masked, as the HTTP API does)."""
    member = compact({
        "Id": run.id,
        "Attempt": run.attempt,
        "PreviousRunId": run.previous_run_id,
        "TriggerName": None if run.triggered_by == MANUAL else run.triggered_by,
        "JobName": run.job_name,
        "JobMode": "SCRIPT",
        "JobRunQueuingEnabled": run.queuing_enabled,
        "StartedOn": epoch(run.started_on),
        "LastModifiedOn": epoch(run.last_modified_on),
        "CompletedOn": epoch(run.completed_on),
        "JobRunState": run.state.value,
        "Arguments": mask_arguments(run.arguments),
        "ErrorMessage": run.error_message,
        "ExecutionTime": run.execution_time,
        "Timeout": run.timeout,
        "NotificationProperty": _notification(run.notify_delay_after),
        "StateDetail": run.state_detail,
    })  # fmt: skip
    if predecessors:
        member["PredecessorRuns"] = [
            {"JobName": p.get("job_name", ""), "RunId": p.get("run_id", "")}
            for p in run.predecessor_runs
        ]
    return member
