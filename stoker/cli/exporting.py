"""`stoker export`: the daemon's definitions as a document `stoker apply` takes back."""

from __future__ import annotations

import json
from typing import Any

import tomli_w
import yaml

from stoker.definitions.files import JOB_READ_ONLY, TRIGGER_READ_ONLY
from stoker.domain.arguments import is_masked

Json = dict[str, Any]
HEADER = """\
stoker definitions, written by `stoker export`; take them back with `stoker apply -f`.
Secret-looking argument values are exported as '****'. Applied to the same daemon they
keep their stored values; anywhere else, replace them with the real values first.
"""
_JOB_MAPS = ("default_arguments", "non_overridable_arguments", "spark_conf")


def _without_nulls(value: Any) -> Any:
    """TOML has no null: absent means default, which is what None stands for."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def job_definition(job: Json) -> Json:
    return dict(_without_nulls({k: v for k, v in job.items() if k not in JOB_READ_ONLY}))


def trigger_definition(trigger: Json) -> Json:
    body: Json = _without_nulls({k: v for k, v in trigger.items() if k not in TRIGGER_READ_ONLY})
    # An activated trigger is recreated activated elsewhere; on an existing one it is a no-op.
    if trigger.get("state") == "ACTIVATED" and trigger.get("type") != "ON_DEMAND":
        body["start_on_creation"] = True
    return body


def masked_values(document: Json) -> list[str]:
    """Where the document holds a masked secret, as "job 'etl': default_arguments.--pw"."""
    found = []
    for job in document.get("jobs", []):
        for section in _JOB_MAPS:
            for key, value in (job.get(section) or {}).items():
                if is_masked(key, value):
                    found.append(f"job {job['name']!r}: {section}.{key}")
    for trigger in document.get("triggers", []):
        for i, action in enumerate(trigger.get("actions") or []):
            for key, value in (action.get("arguments") or {}).items():
                if is_masked(key, value):
                    found.append(f"trigger {trigger['name']!r}: actions[{i}].arguments.{key}")
    return found


def unloadable(exported: Json) -> list[str]:
    """The definitions the daemon cannot load, as "trigger 'x': <why>" (left out of
    the document: there is no definition to write for them)."""
    return [
        f"{kind[:-1]} {item.get('name')!r}: {item['load_error']}"
        for kind in ("jobs", "triggers")
        for item in exported.get(kind, [])
        if item.get("load_error")
    ]


def build_document(exported: Json) -> Json:
    return {
        "jobs": [job_definition(j) for j in exported.get("jobs", []) if not j.get("load_error")],
        "triggers": [
            trigger_definition(t) for t in exported.get("triggers", []) if not t.get("load_error")
        ],
    }


def use_script_files(document: Json, folder: str = "scripts") -> list[str]:
    """Point every job at ``<folder>/<job>.py`` (script_file) instead of its location;
    returns the job names, whose scripts the caller writes there."""
    names = []
    for job in document["jobs"]:
        command = job.get("command") or {}
        command.pop("script_location", None)
        job["script_file"] = f"{folder}/{job['name']}.py"
        names.append(job["name"])
    return names


def render(document: Json, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    header = "".join(f"# {line}\n" if line else "#\n" for line in HEADER.splitlines()) + "\n"
    if fmt == "yaml":
        return header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    return header + tomli_w.dumps(document)
