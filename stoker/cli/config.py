"""`stoker config show`: the effective settings, read locally, secrets masked."""

from __future__ import annotations

import json
from typing import Any

import click

from stoker.cli.common import CliContext, StokerGroup
from stoker.cli.output import emit, output_option
from stoker.config.settings import load_settings, masked_dump


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        inner = ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items())
        return "{" + inner + "}"
    return json.dumps(str(value))


def _toml_lines(data: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    for key, value in data.items():
        # TOML has no null: an unset key is shown as a comment so that it is still listed.
        lines.append(f"# {key} is unset" if value is None else f"{key} = {_toml_value(value)}")
    return lines


def render_toml(data: dict[str, Any]) -> str:
    """Top-level keys, then one [table] per section (a TOML-like view, values as loaded)."""
    scalars = {k: v for k, v in data.items() if not isinstance(v, dict)}
    sections = {k: v for k, v in data.items() if isinstance(v, dict)}
    lines = _toml_lines(scalars)
    for name, section in sections.items():
        lines += ["", f"[{name}]", *_toml_lines(section)]
    return "\n".join(lines)


@click.group("config", cls=StokerGroup)
def config_group() -> None:
    """Configuration of this machine's daemon.

    \b
    Example:
      stoker config show --config /etc/stoker.toml
    """


@config_group.command("show")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), envvar="STOKER_CONFIG",
              help="TOML file (default: the global --config or STOKER_CONFIG).")  # fmt: skip
@output_option
@click.pass_context
def show(ctx: click.Context, config_file: str | None, output: str) -> None:
    """Print the effective settings (file + STOKER_* variables), secrets as '****'.

    \b
    Example:
      STOKER_API__PORT=9000 stoker config show -o json
    """
    parent = ctx.find_object(CliContext)
    path = config_file or (parent.config if parent else None)
    emit(masked_dump(load_settings(path)), output, render_toml)
