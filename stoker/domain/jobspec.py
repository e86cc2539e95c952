"""Job definitions as plain data (job files, stored JSON) → a validated domain Job."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from stoker.domain.jobs import CommandName, ExecutorKind, Job, SparkResources, validate_job
from stoker.domain.limits import quote
from stoker.errors import InvalidInput

_TOP = {
    "name", "description", "command", "script_location", "default_arguments",
    "non_overridable_arguments", "max_concurrent_runs", "max_retries", "timeout",
    "notify_delay_after", "resources", "spark_conf", "tags", "executor",
    "job_run_queuing_enabled",
}  # fmt: skip
_COMMAND = {"name", "script_location", "python_version"}
_RESOURCES = {"driver_memory", "driver_cores", "executor_memory", "executor_cores", "num_executors"}


def _table(data: Any, allowed: set[str], where: str) -> dict[str, Any]:
    """``data`` as a mapping holding only ``allowed`` keys, else InvalidInput naming it."""
    field = where.rstrip(".") or "job"
    if not isinstance(data, dict):
        raise InvalidInput(f"{field} must be a table of fields, got {type(data).__name__}",
                           field=field)  # fmt: skip
    unknown = sorted(str(k) for k in set(data) - allowed)
    if unknown:
        raise InvalidInput(
            f"unknown field {where}{quote(unknown[0])}; allowed: {', '.join(sorted(allowed))}",
            field=f"{where}{unknown[0]}",
        )
    return data


def _enum(kind: type[CommandName] | type[ExecutorKind], value: Any, field: str) -> Any:
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(m.value for m in kind if m.value != "pyshell")
        raise InvalidInput(
            f"{field} {quote(value)} is not one of: {allowed}", field=field, value=value
        ) from None


def _version(value: Any) -> Any:
    """``python_version = 3`` in TOML means "3"; anything else is left for validate_job."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 100:
        return str(value)
    return value


def job_from_dict(data: Any) -> Job:
    """Strict: unknown keys and wrong types are InvalidInput naming the field."""
    data = _table(data, _TOP, "")
    command = data.get("command") or {}
    if isinstance(command, str):
        command = {"name": command}
    command = _table(command, _COMMAND, "command.")
    resources = _table(data.get("resources") or {}, _RESOURCES, "resources.")
    location = command.get("script_location") or data.get("script_location") or ""
    job = Job(
        name=data.get("name", ""),
        script_location=location,
        command=_enum(CommandName, command.get("name", "glueetl"), "command.name"),
        python_version=_version(command.get("python_version", "3")),
        description=data.get("description", ""),
        default_arguments=data.get("default_arguments", {}),
        non_overridable_arguments=data.get("non_overridable_arguments", {}),
        max_concurrent_runs=data.get("max_concurrent_runs", 1),
        max_retries=data.get("max_retries", 0),
        timeout=data.get("timeout", 2880),
        notify_delay_after=data.get("notify_delay_after"),
        resources=SparkResources(**resources),
        spark_conf=data.get("spark_conf", {}),
        tags=data.get("tags", {}),
        executor=_enum(ExecutorKind, data.get("executor", "pool"), "executor"),
        job_run_queuing_enabled=data.get("job_run_queuing_enabled", True),
    )
    # Without a location the script's content comes separately (an example's script_file);
    # everything else is checked now all the same.
    validate_job(replace(job, script_location=location or "<uploaded script>"))
    return job
