"""Definition documents: the fields of a job and a trigger as files and API bodies write
them, and the files `stoker apply` and the daemon's examples read (`[[jobs]]`,
`[[triggers]]` in TOML, YAML or JSON).

Every item remembers where it came from, so that a local problem, or a server error whose
field is "triggers[3].schedule", is told as ``<file>: trigger 'nightly': schedule: …``.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from stoker.domain.limits import check_finite
from stoker.errors import InvalidInput, StokerError

Json = dict[str, Any]
#: A mapping's allowed keys; a key's value is None (anything), a nested Spec, or a
#: one-element list holding the Spec of each item of a list of mappings.
Spec = dict[str, Any]

SUFFIXES = (".toml", ".yaml", ".yml", ".json")

#: A job definition's fields, as files and API bodies write them (the API's JobIn is
#: checked against these when it is defined). ``script`` is content, ``script_file`` a
#: file's path that readers turn into ``script``.
COMMAND_FIELDS = ("name", "script_location", "python_version")
RESOURCE_FIELDS = (
    "driver_memory", "driver_cores", "executor_memory", "executor_cores", "num_executors",
)  # fmt: skip
JOB_FIELDS = (
    "name", "description", "command", "script", "default_arguments",
    "non_overridable_arguments", "max_concurrent_runs", "max_retries", "timeout",
    "notify_delay_after", "resources", "spark_conf", "tags", "executor",
    "job_run_queuing_enabled", "role", "security_configuration", "log_retention_days",
)  # fmt: skip
#: What reads of a job add besides its definition; a file saved from one may carry them.
JOB_READ_ONLY = (
    "created_on", "last_modified_on", "load_error", "bookmark_option", "last_run", "recent",
    "effective_log_retention_days",
)  # fmt: skip
#: What reads of a trigger add besides its definition; dropped from files likewise.
TRIGGER_READ_ONLY = (
    "state", "created_on", "last_modified_on", "last_fire_time", "next_fire_time",
    "missed_fires", "load_error",
)  # fmt: skip
_TRIGGER_PLAIN = (
    "name", "description", "type", "schedule", "timezone", "catch_up", "allow_cycles",
    "start_on_creation",
)  # fmt: skip
_NESTED = {"command": dict.fromkeys(COMMAND_FIELDS), "resources": dict.fromkeys(RESOURCE_FIELDS)}
JOB_SPEC: Spec = {
    **{name: _NESTED.get(name) for name in JOB_FIELDS},
    "script_file": None,
}
TRIGGER_SPEC: Spec = {
    **dict.fromkeys(_TRIGGER_PLAIN),
    "actions": [dict.fromkeys(("job_name", "arguments", "timeout", "notify_delay_after"))],
    "predicate": {"logical": None, "conditions": [{"job_name": None, "state": None}]},
    "event": dict.fromkeys(("topic", "pattern", "batch_size", "batch_window")),
}
_SERVER_FIELD = re.compile(r"(jobs|triggers)\[(\d+)\](?:\.(.*))?", re.DOTALL)


@dataclass(frozen=True)
class Origin:
    file: str
    kind: str  # "job" or "trigger"
    name: str
    index: int  # position in its file's list


class DefinitionError(InvalidInput):
    """A problem in a definition file, told by file, item and field (printed as is)."""

    plain = True

    @classmethod
    def at(cls, origin: Origin | None, file: str, field: str | None, message: str,
           code: str = "InvalidInput") -> DefinitionError:  # fmt: skip
        where = [file]
        if origin is not None:
            where.append(f"{origin.kind} {origin.name!r}")
        if field:
            where.append(field)
        error = cls(": ".join([*where, message]), field=field)
        error.code = code
        return error


@dataclass
class Definitions:
    jobs: list[Json] = field(default_factory=list)
    triggers: list[Json] = field(default_factory=list)
    job_origins: list[Origin] = field(default_factory=list)
    trigger_origins: list[Origin] = field(default_factory=list)

    def locate(self, error: StokerError) -> StokerError:
        """A server error whose field indexes the request, told by file and item."""
        match = _SERVER_FIELD.fullmatch(error.field or "")
        if not match:
            return error
        origins = self.job_origins if match[1] == "jobs" else self.trigger_origins
        index = int(match[2])
        if index >= len(origins):
            return error
        origin = origins[index]
        message = error.message
        return DefinitionError.at(origin, origin.file, match[3], message, error.code)


def parse_document(path: Path, raw: str) -> Any:
    """A JSON, TOML or YAML document's data, by the file's suffix; InvalidInput for an
    unknown suffix or a number that is not finite (TOML ``inf``, YAML ``.nan``, JSON
    ``Infinity``), naming its key."""
    suffix = path.suffix.lower()
    readers: dict[str, Callable[[str], Any]] = {
        ".json": json.loads, ".toml": tomllib.loads, ".yaml": yaml.safe_load,
        ".yml": yaml.safe_load,
    }  # fmt: skip
    if suffix not in readers:
        raise InvalidInput(
            f"{path} must end in .json, .toml, .yaml or .yml", field="-f", value=str(path)
        )
    try:
        data = readers[suffix](raw)
        check_finite(data)
    except RecursionError:
        raise InvalidInput(f"{path} is nested too deeply to be a definition",
                           field="-f") from None  # fmt: skip
    return data


def single_item(path: Path, raw: str, kind: str) -> Json:
    """One job or trigger document (a `stoker jobs|triggers create -f` file): parsed,
    the keys reads add dropped, the rest checked against the shared field list."""
    try:
        data = parse_document(path, raw)
    except InvalidInput as exc:
        raise InvalidInput(f"{kind} file {path}: {exc.message}", field=exc.field or "-f") from exc
    except (ValueError, yaml.YAMLError) as exc:
        raise InvalidInput(f"{kind} file {path} cannot be parsed: {exc}", field="-f") from exc
    if not isinstance(data, dict):
        raise InvalidInput(f"{kind} file {path} must hold a mapping of {kind} fields",
                           field="-f")  # fmt: skip
    spec, read_only = (JOB_SPEC, JOB_READ_ONLY) if kind == "job" else (
        TRIGGER_SPEC, TRIGGER_READ_ONLY)  # fmt: skip
    body = {k: v for k, v in data.items() if k not in read_only}
    problem = check_keys(body, spec, "")
    if problem:
        field, _, message = problem.partition(": ")
        raise InvalidInput(f"{kind} file {path}: {field}: {message}", field=field)
    return body


def definition_files(path_text: str) -> list[Path]:
    path = Path(path_text)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in SUFFIXES and p.is_file())
        if not files:
            raise DefinitionError.at(None, str(path), None, "no .toml, .yaml, .yml or .json "
                                     "definition files in this directory")  # fmt: skip
        return files
    if not path.is_file():
        raise DefinitionError.at(None, str(path), None, "no such file or directory")
    return [path]


def check_keys(data: Any, spec: Spec, where: str) -> str | None:
    """The first problem with ``data``'s keys against ``spec`` as (field: message), or None."""
    if not isinstance(data, dict):
        return f"{where or 'item'}: must be a table/mapping"
    for key, value in data.items():
        here = f"{where}.{key}" if where else str(key)
        if key not in spec:
            return f"{here}: unknown field; allowed: {', '.join(spec)}"
        sub = spec[key]
        problem = _check_value(value, sub, here)
        if problem:
            return problem
    return None


def _check_value(value: Any, sub: Any, here: str) -> str | None:
    if isinstance(sub, dict):
        return check_keys(value, sub, here) if value is not None else None
    if isinstance(sub, list):
        if not isinstance(value, list):
            return f"{here}: must be a list"
        for i, item in enumerate(value):
            problem = check_keys(item, sub[0], f"{here}[{i}]")
            if problem:
                return problem
    return None


def _read_file(path: Path) -> Json:
    try:
        data = parse_document(path, path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DefinitionError.at(None, str(path), None, f"cannot read: {exc.strerror}") from exc
    except (ValueError, yaml.YAMLError) as exc:
        raise DefinitionError.at(None, str(path), None, f"cannot be parsed: {exc}") from exc
    except InvalidInput as exc:
        raise DefinitionError.at(None, str(path), None, exc.message) from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise DefinitionError.at(None, str(path), None, "must hold 'jobs' and/or 'triggers'")
    unknown = sorted(set(data) - {"jobs", "triggers"})
    if unknown:
        raise DefinitionError.at(None, str(path), unknown[0], "unknown section; a definition "
                                 "file holds 'jobs' and 'triggers' lists")  # fmt: skip
    return data


def _item(path: Path, kind: str, index: int, item: Any, spec: Spec) -> tuple[Json, Origin]:
    name = item.get("name") if isinstance(item, dict) else None
    label = name if isinstance(name, str) and name else f"#{index + 1}"
    origin = Origin(str(path), kind, label, index)
    problem = check_keys(item, spec, "")
    if problem is None and not (isinstance(name, str) and name):
        problem = "name: is required"
    if problem:
        field, _, message = problem.partition(": ")
        raise DefinitionError.at(origin, str(path), field, message)
    body = {k: v for k, v in item.items() if k not in (*JOB_READ_ONLY, *TRIGGER_READ_ONLY)}
    if kind == "job":
        _inline_script(path, origin, body)
    return body, origin


def _inline_script(path: Path, origin: Origin, body: Json) -> None:
    """``script_file`` (relative to the definition file) is sent as ``script`` content."""
    script_file = body.pop("script_file", None)
    if script_file is None:
        return
    if "script" in body:
        raise DefinitionError.at(origin, str(path), "script_file",
                                 "give script_file or script, not both")  # fmt: skip
    try:
        body["script"] = (path.parent / str(script_file)).read_text(encoding="utf-8")
    except OSError as exc:
        message = f"cannot read {script_file!r}: {exc.strerror}"
        raise DefinitionError.at(origin, str(path), "script_file", message) from exc


def load_definitions(path_text: str) -> Definitions:
    """All items of the file or directory, checked locally; nothing is sent on a problem."""
    found = Definitions()
    seen: dict[tuple[str, str], Origin] = {}
    for path in definition_files(path_text):
        data = _read_file(path)
        for kind, spec, bodies, origins in (
            ("job", JOB_SPEC, found.jobs, found.job_origins),
            ("trigger", TRIGGER_SPEC, found.triggers, found.trigger_origins),
        ):
            items = data.get(f"{kind}s") or []
            if not isinstance(items, list):
                raise DefinitionError.at(None, str(path), f"{kind}s", "must be a list")
            for index, item in enumerate(items):
                body, origin = _item(path, kind, index, item, spec)
                _unique(seen, kind, origin)
                bodies.append(body)
                origins.append(origin)
    return found


def _unique(seen: dict[tuple[str, str], Origin], kind: str, origin: Origin) -> None:
    other = seen.setdefault((kind, origin.name), origin)
    if other is not origin:
        where = "earlier in this file" if other.file == origin.file else f"in {other.file}"
        raise DefinitionError.at(origin, origin.file, "name",
                                 f"{kind} {origin.name!r} is also defined {where}")  # fmt: skip
