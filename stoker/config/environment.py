"""The STOKER_* environment, checked before pydantic-settings reads it: unknown names,
and keys that take a list, map or table given a value that is not JSON."""

from __future__ import annotations

import json
import types
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel

from stoker.errors import ConfigError

ENV_PREFIX = "STOKER_"
#: STOKER_* variables that are not settings: where the file is, and what the CLI uses.
NON_SETTING_VARIABLES = frozenset(
    {
        "STOKER_CONFIG",
        "STOKER_API_URL",
        "STOKER_API_TOKEN",
        # The tags the daemon gives its run processes (stoker/executors/lineage.py).
        "STOKER_INSTALLATION",
        "STOKER_INCARNATION",
    }
)


def check_environment(environ: dict[str, str], model: type[BaseModel]) -> None:
    """Raise ConfigError naming the first STOKER_* variable that is no setting of ``model``
    or whose key takes JSON (a list, a map, a table) and whose value is not JSON."""
    known = {name.upper(): name for name in model.model_fields}
    for name, value in sorted(environ.items()):
        if not name.startswith(ENV_PREFIX) or name in NON_SETTING_VARIABLES:
            continue
        parts = name[len(ENV_PREFIX) :].split("__")
        if parts[0] not in known:
            raise ConfigError(
                f"unknown setting in environment: {name}; top-level keys are "
                + ", ".join(sorted(k.lower() for k in known)),
                field=name,
            )
        annotation = _annotation(model, [p.lower() for p in parts])
        if annotation is not None and _takes_json(annotation) and not _is_json(value):
            key = ".".join(p.lower() for p in parts)
            raise ConfigError(
                f"{name} (setting {key}) takes a JSON value, e.g. "
                f"{_example(annotation)}; its value is not JSON (value not shown)",
                field=key,
            )


def _annotation(model: type[BaseModel], path: list[str]) -> Any:
    """The annotation of the field at ``path`` (None when the path is not a field: the
    settings model itself then reports it as unknown)."""
    annotation: Any = model
    for part in path:
        inner = _model_of(annotation)
        if inner is None or part not in inner.model_fields:
            return None
        annotation = inner.model_fields[part].annotation
    return annotation


def _model_of(annotation: Any) -> type[BaseModel] | None:
    for candidate in (annotation, *_members(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def _members(annotation: Any) -> tuple[Any, ...]:
    if get_origin(annotation) in (Union, types.UnionType):
        return tuple(a for a in get_args(annotation) if a is not type(None))
    return ()


def _takes_json(annotation: Any) -> bool:
    """What pydantic-settings parses as JSON: lists, maps and nested tables."""
    for candidate in (annotation, *_members(annotation)):
        if get_origin(candidate) in (list, dict, set, tuple) or candidate in (list, dict):
            return True
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return True
    return False


def _is_json(value: str) -> bool:
    try:
        json.loads(value)
    except ValueError:
        return False
    return True


def _example(annotation: Any) -> str:
    kinds = (annotation, *_members(annotation))
    if any(get_origin(k) is list for k in kinds):
        return '\'["a", "b"]\''
    return '\'{"key": "value"}\''
