"""The `stoker` command: global options, the daemon entry, and the noun groups."""

from __future__ import annotations

import click

from stoker.cli import catalog_tables, generate
from stoker.cli.audit import audit_group
from stoker.cli.bookmarks import bookmarks_group
from stoker.cli.catalog import catalog_group
from stoker.cli.cluster import cluster_group
from stoker.cli.common import CliContext, StokerGroup
from stoker.cli.config import config_group
from stoker.cli.definitions import apply_command, export_command
from stoker.cli.events import events_group
from stoker.cli.jobs import jobs_group
from stoker.cli.keys import keys_group
from stoker.cli.roles import roles_group
from stoker.cli.runs import runs_group
from stoker.cli.security_configs import security_configs_group
from stoker.cli.sessions import sessions_group
from stoker.cli.triggers import triggers_group

EXIT_CODES = """\b
Exit codes: 0 ok, 1 failed (or run did not succeed), 2 invalid input or config,
3 not found, 4 conflict, 5 unauthorized, 6 daemon unreachable / shutting down /
store unavailable.
"""


@click.group(cls=StokerGroup, epilog=EXIT_CODES)
@click.option(
    "--api-url",
    envvar="STOKER_API_URL",
    metavar="URL",
    help="Daemon API (default: from the config file, else http://127.0.0.1:8421).",
)
@click.option(
    "--config",
    type=click.Path(dir_okay=False),
    envvar="STOKER_CONFIG",
    help="stoker TOML file (used to find the daemon's address).",
)
@click.version_option(package_name="stoker", prog_name="stoker")
@click.pass_context
def cli(ctx: click.Context, api_url: str | None, config: str | None) -> None:  # fmt: skip
    """stoker: Spark ETL jobs with AWS Glue's job semantics.

    The API token is read from STOKER_API_TOKEN.

    \b
    Examples:
      stoker daemon --config stoker.toml
      stoker jobs create --name daily-etl --script etl.py
      stoker runs start daily-etl --wait
    """
    obj = ctx.ensure_object(CliContext)
    obj.api_url = api_url or obj.api_url
    obj.config = config or obj.config
    ctx.call_on_close(obj.close)


@cli.command("daemon")
@click.option("--config", "config_file", type=click.Path(dir_okay=False),
              help="stoker TOML file (default: the global --config or STOKER_CONFIG).")  # fmt: skip
@click.pass_context
def daemon(ctx: click.Context, config_file: str | None) -> None:
    """Run the daemon in the foreground (SIGTERM or Ctrl-C stops it gracefully).

    \b
    Example:
      stoker daemon --config stoker.toml
    """
    # Imported here: the daemon pulls in Spark, the store and the API, which no other
    # command needs (and which the CLI must not import at all otherwise).
    from stoker.daemon.main import run_daemon

    parent = ctx.find_object(CliContext)
    ctx.exit(run_daemon(config_file or (parent.config if parent else None)))


cli.add_command(config_group)
cli.add_command(jobs_group)
cli.add_command(runs_group)
cli.add_command(events_group)
cli.add_command(triggers_group)
cli.add_command(bookmarks_group)
cli.add_command(catalog_group)
cli.add_command(sessions_group)
cli.add_command(roles_group)
cli.add_command(keys_group)
cli.add_command(security_configs_group)
cli.add_command(cluster_group)
cli.add_command(audit_group)
cli.add_command(apply_command)
cli.add_command(export_command)


# Imported for the commands they add to their groups (tables to catalog, generate to jobs).
_GROUP_MEMBERS = (catalog_tables, generate)


def main() -> None:
    """The console script entry point."""
    cli(prog_name="stoker")
