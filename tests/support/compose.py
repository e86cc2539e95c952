"""docker/compose.yaml as the tests read it: parsed with PyYAML, values interpolated as
Docker Compose interpolates them (``${NAME:-default}``, ``${NAME-default}``, ``${NAME}``,
``$NAME``, ``$$``), so a test sees what a container would get."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
DOCKER = REPO / "docker"
COMPOSE_FILE = DOCKER / "compose.yaml"
#: The stoker daemons of the compose file.
DAEMONS = ("stoker-1", "stoker-2")

_VARIABLE = re.compile(r"\$(?:\$|\{(?P<braced>\w+)(?:(?P<colon>:?)-(?P<default>[^}]*))?\}"
                       r"|(?P<plain>\w+))")  # fmt: skip


def load_compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text())
    return loaded


def interpolate(value: str, environ: Mapping[str, str]) -> str:
    """``value`` with its variables replaced from ``environ`` as Compose does; a variable
    that is unset and has no default is an error (Compose warns and uses "")."""

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group("braced") or match.group("plain")
        found = environ.get(name)
        if match.group("default") is not None:
            unset = found is None or (match.group("colon") == ":" and found == "")
            return match.group("default") if unset else str(found)
        if found is None:
            raise AssertionError(f"{name} is used without a default in {value!r}")
        return found

    return _VARIABLE.sub(replace, value)


def environment(service: dict[str, Any], environ: Mapping[str, str]) -> dict[str, str]:
    """The service's environment as the container gets it (a mapping in this file)."""
    declared = service.get("environment", {})
    assert isinstance(declared, dict), "environment is written as a mapping"
    return {name: interpolate(str(value), environ) for name, value in declared.items()}


def command(service: dict[str, Any], environ: Mapping[str, str]) -> list[str]:
    declared = service["command"]
    assert isinstance(declared, list), "commands are written in exec form (a list)"
    return [interpolate(str(arg), environ) for arg in declared]
