"""Job definitions from JSON/TOML/YAML files and command-line flags, as API request bodies."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stoker.cli.common import read_text
from stoker.definitions.files import JOB_READ_ONLY, single_item
from stoker.errors import InvalidInput

Json = dict[str, Any]

#: Nested sections merged key by key when a file or flag changes part of them.
SECTIONS = ("command", "resources")


@dataclass(frozen=True)
class JobFlags:
    """The definition-changing flags of `jobs create` / `jobs update`; None = not given."""

    name: str | None = None
    script: str | None = None
    command: str | None = None
    description: str | None = None
    max_concurrent_runs: int | None = None
    max_retries: int | None = None
    timeout: int | None = None
    notify_delay_after: int | None = None
    executor: str | None = None
    queuing: bool | None = None
    role: str | None = None
    security_configuration: str | None = None
    #: Days, "never", or "default" (clears the job's own value).
    log_retention_days: int | str | None = None
    arguments: dict[str, str] = field(default_factory=dict)
    non_overridable: dict[str, str] = field(default_factory=dict)


def load_job_file(path_text: str) -> Json:
    """A job file as a JobIn body; ``script_file`` (relative to the file) becomes ``script``."""
    path = Path(path_text)
    data = single_item(path, read_text(path_text, "job file"), "job")
    script_file = data.pop("script_file", None)
    if script_file is not None:
        if "script" in data:
            raise InvalidInput(
                f"job file {path} has both script_file and script; keep one", field="script_file"
            )
        script_path = path.parent / str(script_file)
        data["script"] = read_text(str(script_path), "script_file")
    return data


def _use_script(body: Json, content: str) -> None:
    """Content replaces any location: the API takes exactly one of the two."""
    body["script"] = content
    command = body.setdefault("command", {})
    if isinstance(command, dict):
        command.pop("script_location", None)


def apply_file(base: Json, changes: Json) -> Json:
    """``base`` overlaid by a file's keys; command/resources merge key by key."""
    body = copy.deepcopy(base)
    for key, value in changes.items():
        if key in SECTIONS and isinstance(value, dict) and isinstance(body.get(key), dict):
            body[key].update(value)
        else:
            body[key] = value
    command = changes.get("command")
    if "script" in changes:
        _use_script(body, changes["script"])
    elif isinstance(command, dict) and command.get("script_location"):
        body.pop("script", None)
    return body


def apply_flags(base: Json, flags: JobFlags) -> Json:
    """``base`` changed by the flags given; --arg adds to the arguments already there."""
    body = copy.deepcopy(base)
    plain = {
        "name": flags.name,
        "description": flags.description,
        "max_concurrent_runs": flags.max_concurrent_runs,
        "max_retries": flags.max_retries,
        "timeout": flags.timeout,
        "notify_delay_after": flags.notify_delay_after,
        "executor": flags.executor,
        "job_run_queuing_enabled": flags.queuing,
        "role": flags.role,
        "security_configuration": flags.security_configuration,
    }
    body.update({k: v for k, v in plain.items() if v is not None})
    if flags.log_retention_days is not None:
        retention = flags.log_retention_days
        body["log_retention_days"] = None if retention == "default" else retention
    if flags.command is not None:
        body.setdefault("command", {})["name"] = flags.command
    if flags.script is not None:
        _use_script(body, read_text(flags.script, "script"))
    for key, extra in (
        ("default_arguments", flags.arguments),
        ("non_overridable_arguments", flags.non_overridable),
    ):
        if extra:
            body[key] = {**(body.get(key) or {}), **extra}
    return body


def body_for_create(file: str | None, flags: JobFlags) -> Json:
    body = apply_flags(load_job_file(file) if file else {}, flags)
    if not body.get("name"):
        raise InvalidInput(
            "a job needs a name: give --name NAME or 'name' in -f FILE", field="name"
        )
    command = body.get("command") or {}
    if "script" not in body and not (isinstance(command, dict) and command.get("script_location")):
        raise InvalidInput(
            "a job needs a script: give --script PATH, or script_file / "
            "command.script_location in -f FILE",
            field="script",
        )
    return body


def body_for_update(current: Json, file: str | None, flags: JobFlags) -> Json:
    """The current definition (as GET returns it) with the file's and flags' changes."""
    base = {k: v for k, v in current.items() if k not in JOB_READ_ONLY}
    if file:
        base = apply_file(base, load_job_file(file))
    return apply_flags(base, flags)
