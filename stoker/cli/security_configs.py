"""`stoker security-configurations …`: what stoker encrypts at rest for a job's runs."""

from __future__ import annotations

from typing import Any

import click

from stoker.cli.client import collect
from stoker.cli.common import StokerGroup, client_of
from stoker.cli.output import emit, key_values, local_time, output_option, table
from stoker.cli.output import text as show

Json = dict[str, Any]
_ROOT = "security-configurations"


def render_config(c: Json) -> str:
    return key_values([
        ("Name", c["name"]), ("Run logs encrypted", show(c["run_logs"])),
        ("Job bookmarks encrypted", show(c["job_bookmarks"])),
        ("S3 encryption (as given)", c["s3_encryption"]),
        ("Created", local_time(c.get("created_on"))),
    ])  # fmt: skip


def render_configs(items: list[Json]) -> str:
    rows = [[c["name"], show(c["run_logs"]), show(c["job_bookmarks"])] for c in items]
    return table(["NAME", "RUN LOGS", "BOOKMARKS"], rows) if rows else "no security configurations"


@click.group(_ROOT, cls=StokerGroup)
def security_configs_group() -> None:
    """Security configurations (Glue's): a job naming one has its run logs encrypted.

    \b
    Examples:
      stoker security-configurations create sealed --run-logs
      stoker jobs update nightly --security-configuration sealed
    """


@security_configs_group.command("create")
@click.argument("name")
@click.option("--run-logs/--no-run-logs", default=False,
              help="Encrypt the runs' stdout and stderr logs when each run ends.")
@output_option
@click.pass_context
def config_create(ctx: click.Context, name: str, run_logs: bool, output: str) -> None:
    """Create a security configuration.

    \b
    Example:
      stoker security-configurations create sealed --run-logs
    """
    body = {"name": name, "run_logs": run_logs}
    emit(client_of(ctx).call("POST", _ROOT, body=body), output, render_config)


@security_configs_group.command("get")
@click.argument("name")
@output_option
@click.pass_context
def config_get(ctx: click.Context, name: str, output: str) -> None:
    """Show a security configuration.

    \b
    Example:
      stoker security-configurations get sealed
    """
    emit(client_of(ctx).call("GET", _ROOT, name), output, render_config)


@security_configs_group.command("list")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True)
@output_option
@click.pass_context
def config_list(ctx: click.Context, limit: int, output: str) -> None:
    """List security configurations by name.

    \b
    Example:
      stoker security-configurations list
    """
    client = client_of(ctx)

    def page(n: int, token: str | None) -> Json:
        found: Json = client.call("GET", _ROOT, params={"limit": n, "next_token": token})
        return found

    emit(collect(page, "security_configurations", limit), output, render_configs)


@security_configs_group.command("delete")
@click.argument("name")
@click.pass_context
def config_delete(ctx: click.Context, name: str) -> None:
    """Delete a security configuration (jobs naming it fail to launch until it exists).

    \b
    Example:
      stoker security-configurations delete sealed
    """
    client_of(ctx).call("DELETE", _ROOT, name)
    click.echo(f"deleted security configuration {name}")
