"""The generated reference pages: the CLI from its click tree, the settings from their model.

    .venv/bin/python scripts/docs_reference.py           rewrite docs/reference/*.md
    .venv/bin/python scripts/docs_reference.py --check   exit 1 if a committed page is stale

`make docs` rewrites the pages before it builds the site; tests/unit/docs/test_reference.py
fails when a committed page differs from what the code generates.
"""

from __future__ import annotations

import difflib
import inspect
import re
import sys
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import annotated_types
import click
import click.core
from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo

from stoker.cli.main import cli
from stoker.config.settings import ENV_PREFIX, Settings

REPO = Path(__file__).resolve().parents[1]
CLI_PAGE = REPO / "docs" / "reference" / "cli.md"
SETTINGS_PAGE = REPO / "docs" / "reference" / "configuration.md"
_UNSET = getattr(click.core, "UNSET", None)
_MARKUP = re.compile(r"([\\*<>_])")
_EXAMPLE_TITLE = re.compile(r"^Examples?:$")


def generated_note(source: str) -> str:
    return (
        f"<!-- Generated from {source} by scripts/docs_reference.py: do not edit. "
        "`make docs` rewrites it; a test fails when it is stale. -->"
    )


def escape(text: str) -> str:
    """Markdown-safe prose; `code spans` are kept as they are."""
    parts = text.split("`")
    for i in range(0, len(parts), 2):
        parts[i] = _MARKUP.sub(r"\\\1", parts[i])
    return "`".join(parts)


def cell(text: str) -> str:
    return escape(" ".join(text.split())).replace("|", "\\|")


# -- the CLI ------------------------------------------------------------------------------


def walk(command: click.Command, ctx: click.Context) -> Iterator[click.Context]:
    """Every visible command under ``command`` (itself first), depth first, by name."""
    yield ctx
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                yield from walk(sub, click.Context(sub, info_name=name, parent=ctx))


def help_markdown(text: str) -> list[str]:
    """click help text: plain paragraphs rewrapped; ``\\b`` blocks kept line by line, and an
    "Examples:" block as a shell code block."""
    lines: list[str] = []
    for paragraph in inspect.cleandoc(text).split("\n\n"):
        if not paragraph.startswith("\b"):
            lines += [escape(" ".join(paragraph.split())), ""]
            continue
        body = paragraph.removeprefix("\b").strip("\n").splitlines()
        if body and _EXAMPLE_TITLE.match(body[0].strip()):
            commands = inspect.cleandoc("\n".join(body[1:]))
            lines += [f"{body[0].strip()}", "", "```sh", commands, "```", ""]
        else:
            lines += [*(escape(line.strip()) + "  " for line in body), ""]
    return lines


def option_value(param: click.Parameter, ctx: click.Context) -> str:
    if isinstance(param, click.Option) and param.is_flag:
        return "flag"
    if isinstance(param.type, click.Choice):
        return " \\| ".join(f"`{choice}`" for choice in param.type.choices)
    if isinstance(param.type, click.IntRange | click.FloatRange):
        return f"`{param.type.name.split()[0].upper()}` {range_text(param.type)}"
    return f"`{param.make_metavar(ctx)}`"


def range_text(kind: click.IntRange | click.FloatRange) -> str:
    bounds = []
    if kind.min is not None:
        bounds.append(f"{'&gt;' if kind.min_open else '≥'} {kind.min}")
    if kind.max is not None:
        bounds.append(f"{'&lt;' if kind.max_open else '≤'} {kind.max}")
    return ", ".join(bounds)


def option_default(param: click.Parameter, ctx: click.Context) -> str:
    default = param.get_default(ctx, call=False)
    if default is None or default is _UNSET or default == () or callable(default):
        return ""
    if isinstance(param, click.Option) and param.is_flag and not param.secondary_opts:
        return "" if default is False else "on"
    return f"`{default}`"


def option_row(param: click.Option, ctx: click.Context) -> str:
    names = ", ".join(f"`{name}`" for name in [*param.opts, *param.secondary_opts])
    notes = [cell(param.help or "")]
    if param.multiple:
        notes.append("Repeatable.")
    if param.required:
        notes.append("Required.")
    if param.envvar:
        notes.append(f"Environment: `{param.envvar}`.")
    value, default = option_value(param, ctx), option_default(param, ctx)
    return f"| {names} | {value} | {default} | {' '.join(n for n in notes if n)} |"


def command_section(ctx: click.Context) -> list[str]:
    command = ctx.command
    usage = " ".join([ctx.command_path, *command.collect_usage_pieces(ctx)])
    lines = [f"## {ctx.command_path}", "", *help_markdown(command.help or "")]
    lines += ["Usage:", "", "```text", usage, "```", ""]
    options = [p for p in command.params if isinstance(p, click.Option) and not p.hidden]
    if options:
        lines += ["| Option | Value | Default | Description |", "|---|---|---|---|"]
        lines += [option_row(p, ctx) for p in options]
        lines.append("")
    if isinstance(command, click.Group):
        lines += ["| Command | Description |", "|---|---|"]
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                anchor = f"{ctx.command_path} {name}".replace(" ", "-")
                summary = cell(sub.get_short_help_str(limit=200))
                lines.append(f"| [`{name}`](#{anchor}) | {summary} |")
        lines.append("")
    if command.epilog:
        lines += help_markdown(command.epilog)
    return lines


def cli_page() -> str:
    root = click.Context(cli, info_name="stoker")
    lines = [
        "# CLI reference",
        "",
        generated_note("the click commands of stoker/cli/"),
        "",
        "Every command, with its help, options and defaults, as its `--help` shows them;"
        " generated from the click commands of `stoker/cli/`. Conventions, exit codes "
        "and output formats: [CLI](../cli.md).",
        "",
    ]
    for ctx in walk(cli, root):
        lines += command_section(ctx)
    return "\n".join(lines).rstrip("\n") + "\n"


# -- the settings -------------------------------------------------------------------------


def type_name(annotation: Any) -> str:
    """A setting's type in the words of a TOML file."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        kinds = [a for a in typing.get_args(annotation) if a is not type(None)]
        return " or ".join(type_name(a) for a in kinds)
    if typing.get_origin(annotation) is typing.Literal:
        return "one of " + ", ".join(f'`"{v}"`' for v in typing.get_args(annotation))
    if typing.get_origin(annotation) is list:
        return f"list of {plural(typing.get_args(annotation)[0])}"
    if typing.get_origin(annotation) is dict:
        return f"table of {plural(typing.get_args(annotation)[1])}"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "table"  # an entry given as a TOML table (its fields are in the description)
    names = {str: "string", int: "integer", float: "number", bool: "boolean", Path: "path",
             SecretStr: "secret string"}  # fmt: skip
    return names.get(annotation, getattr(annotation, "__name__", str(annotation)))


def plural(annotation: Any) -> str:
    """``secret strings or tables`` for the entries of a list or a table."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return " or ".join(plural(a) for a in typing.get_args(annotation) if a is not type(None))
    return f"{type_name(annotation)}s"


def constraints(field: FieldInfo) -> str:
    words = {
        annotated_types.Ge: ("≥", "ge"),
        annotated_types.Gt: ("&gt;", "gt"),
        annotated_types.Le: ("≤", "le"),
        annotated_types.Lt: ("&lt;", "lt"),
    }
    found = []
    for item in field.metadata:
        if type(item) in words:
            sign, attribute = words[type(item)]
            found.append(f"{sign} {getattr(item, attribute)}")
        elif getattr(item, "pattern", None):
            found.append(f"matching `{item.pattern}`")
    return ", ".join(found)


def toml_value(value: Any) -> str:
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, str | Path):
        return f'`"{value}"`'
    if isinstance(value, list | dict):
        return "`[]`" if isinstance(value, list) else "`{}`"
    return f"`{value}`"


def setting_row(key: str, variable: str, field: FieldInfo) -> str:
    default = field.get_default(call_default_factory=True)
    kind = type_name(field.annotation)
    limits = constraints(field)
    if limits:
        kind += f", {limits}"
    description = cell(field.description or "")
    return f"| `{key}` | `{variable}` | {kind} | {toml_value(default)} | {description} |"


def settings_page() -> str:
    lines = [
        "# Configuration reference",
        "",
        generated_note("stoker/config/settings.py"),
        "",
        "Every setting, its environment variable, type, default and meaning; generated from "
        "the settings model, `stoker/config/settings.py`. How the file and the variables "
        "combine, and lists and tables in variables: [Configuration](../configuration.md).",
        "",
        "| Key | Variable | Type | Default | Description |",
        "|---|---|---|---|---|",
    ]
    sections = []
    for name, field in Settings.model_fields.items():
        model = field.annotation
        if isinstance(model, type) and issubclass(model, BaseModel):
            sections.append((name, model))
        else:
            lines.append(setting_row(name, f"{ENV_PREFIX}{name.upper()}", field))
    for name, model in sections:
        lines += ["", f"## [{name}]", "", cell(inspect.getdoc(model) or ""), ""]
        lines += ["| Key | Variable | Type | Default | Description |", "|---|---|---|---|---|"]
        for key, field in model.model_fields.items():
            variable = f"{ENV_PREFIX}{name.upper()}__{key.upper()}"
            lines.append(setting_row(key, variable, field))
    return "\n".join(lines) + "\n"


# -- writing and checking -----------------------------------------------------------------


def pages() -> dict[Path, str]:
    return {CLI_PAGE: cli_page(), SETTINGS_PAGE: settings_page()}


def stale() -> list[str]:
    """A unified diff for each committed page that differs from what the code generates."""
    diffs = []
    for path, text in pages().items():
        committed = path.read_text(encoding="utf-8") if path.exists() else ""
        if committed != text:
            diff = difflib.unified_diff(
                committed.splitlines(), text.splitlines(), str(path), "generated", lineterm=""
            )
            diffs.append("\n".join(diff))
    return diffs


def main(argv: list[str]) -> int:
    if argv == ["--check"]:
        diffs = stale()
        for diff in diffs:
            print(diff)
        if diffs:
            print("stale; run: .venv/bin/python scripts/docs_reference.py", file=sys.stderr)
        return 1 if diffs else 0
    if argv:
        print(__doc__, file=sys.stderr)
        return 2
    for path, text in pages().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
