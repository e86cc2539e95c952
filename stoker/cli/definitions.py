"""`stoker apply` and `stoker export`: jobs and triggers as code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from stoker.cli.common import client_of
from stoker.cli.exporting import (
    build_document,
    masked_values,
    render,
    unloadable,
    use_script_files,
)
from stoker.cli.output import emit, table
from stoker.definitions.files import DefinitionError, load_definitions
from stoker.errors import StokerError

Json = dict[str, Any]
CHANGES = ("created", "updated", "unchanged", "deleted")


def render_report(report: Json) -> str:
    rows = []
    for change in CHANGES:
        for kind, names in sorted((report.get(change) or {}).items()):
            rows += [[kind.rstrip("s"), name, change] for name in names]
    counts = ", ".join(
        f"{sum(len(v) for v in (report.get(c) or {}).values())} {c}" for c in CHANGES
    )
    lines = [table(["KIND", "NAME", "CHANGE"], rows)] if rows else []
    prefix = "dry run, nothing changed: would be " if report.get("dry_run") else "applied: "
    lines.append(prefix + counts)
    return "\n".join(lines)


@click.command("apply")
@click.option(
    "-f",
    "--file",
    "path",
    required=True,
    type=click.Path(),
    help="A .toml/.yaml/.json definition file, or a directory of them.",
)
@click.option(
    "--prune", is_flag=True, help="Delete the jobs and triggers the files no longer name."
)
@click.option("--dry-run", is_flag=True, help="Show what would change; change nothing.")
@click.option("-o", "--output", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="'json' prints the API's report unchanged.")  # fmt: skip
@click.pass_context
def apply_command(ctx: click.Context, path: str, prune: bool, dry_run: bool, output: str) -> None:
    """Create or update jobs and triggers to match the files, all or nothing.

    A file holds `[[jobs]]` and `[[triggers]]` tables (YAML: `jobs:` and `triggers:` lists)
    with the keys of job files and trigger files; a job's `script_file` is read relative
    to its file and uploaded. Errors name the file, the item and the field; on any error
    nothing is changed. Secrets exported as '****' keep the daemon's stored values.

    \b
    Examples:
      stoker apply -f stoker.toml --dry-run
      stoker apply -f definitions/ --prune
    """
    definitions = load_definitions(path)
    body = {"jobs": definitions.jobs, "triggers": definitions.triggers,
            "prune": prune, "dry_run": dry_run}  # fmt: skip
    try:
        report = client_of(ctx).apply(body)
    except StokerError as error:
        raise definitions.locate(error) from error
    emit(report, output, render_report)


@click.command("export")
@click.option(
    "-o",
    "--output",
    "fmt",
    type=click.Choice(["toml", "yaml", "json"]),
    default="toml",
    show_default=True,
    help="Document format.",
)
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False),
    help="Write DIR/stoker.<format> and each job's script as DIR/scripts/<job>.py.",
)
@click.pass_context
def export_command(ctx: click.Context, fmt: str, directory: str | None) -> None:  # fmt: skip
    """Print every job and trigger as a definition document `stoker apply` takes back.

    Secret-looking argument values are exported as '****' (a warning on stderr names each):
    applying to the same daemon keeps the stored secrets; for another daemon, supply them.

    \b
    Examples:
      stoker export > all.toml && stoker apply -f all.toml
      stoker export --dir definitions/ -o yaml
    """
    client = client_of(ctx)
    exported = client.export()
    for where in unloadable(exported):
        click.echo(f"warning: {where}; it is left out (replace or delete it, or --prune "
                   "will delete it when this document is applied)", err=True)  # fmt: skip
    document = build_document(exported)
    for where in masked_values(document):
        click.echo(f"warning: {where} is a secret exported as '****'; supply the real value "
                   "before applying it to another daemon", err=True)  # fmt: skip
    if directory is None:
        click.echo(render(document, fmt), nl=False)
        return
    root = Path(directory)
    names = use_script_files(document)
    try:
        (root / "scripts").mkdir(parents=True, exist_ok=True)
        for name in names:
            script = client.get_script(name)["script"]
            (root / "scripts" / f"{name}.py").write_text(script, encoding="utf-8")
        target = root / f"stoker.{fmt}"
        target.write_text(render(document, fmt), encoding="utf-8")
    except OSError as exc:
        raise DefinitionError.at(None, directory, None, f"cannot write: {exc}") from exc
    click.echo(f"wrote {target} and {len(names)} script(s) under {root / 'scripts'}")
