"""`stoker jobs …`: create, list, read, update and delete jobs, and their scripts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from stoker.cli.client import collect
from stoker.cli.common import StokerGroup, client_of, parse_pairs, parse_retention, read_text
from stoker.cli.jobfile import JobFlags, body_for_create, body_for_update
from stoker.cli.output import (
    emit,
    key_values,
    local_time,
    mapping_lines,
    output_option,
    table,
    text,
)
from stoker.cli.triggers import render_triggers

Json = dict[str, Any]
F = Callable[..., Any]

_DEFINITION_OPTIONS: list[Callable[[F], F]] = [
    click.option("-f", "--file", "file", type=click.Path(dir_okay=False),
                 help="Job definition file (.json, .toml, .yaml); flags override it."),
    click.option("--script", type=click.Path(dir_okay=False),
                 help="Local script file; its content is uploaded to the daemon."),
    click.option("--type", "command", type=click.Choice(["glueetl", "pythonshell"]),
                 help="Job type (Glue Command.Name)."),
    click.option("--max-concurrent-runs", type=int, help="Runs of this job at once (1)."),
    click.option("--max-retries", type=int, help="Retries after a failed run (0)."),
    click.option("--timeout", type=int, help="Run timeout in minutes (2880)."),
    click.option("--notify-delay-after", type=int,
                 help="Minutes after which a still-running run sends a delay notification."),
    click.option("--executor", type=click.Choice(["pool", "isolated"]),
                 help="glueetl runs on a warm pool driver or in their own spark-submit."),
    click.option("--description", help="Free text."),
    click.option("--arg", "arguments", multiple=True, callback=parse_pairs, metavar="KEY=VALUE",
                 help="Default argument --KEY (repeatable)."),
    click.option("--non-overridable-arg", "non_overridable", multiple=True,
                 callback=parse_pairs, metavar="KEY=VALUE",
                 help="Argument runs cannot override (repeatable)."),
    click.option("--queuing/--no-queuing", "queuing", default=None,
                 help="Queue runs over max concurrent runs (default) or refuse them."),
    click.option("--role", help="The role whose credentials its runs receive (stoker roles)."),
    click.option("--security-configuration",
                 help="The security configuration encrypting its runs' logs and bookmarks."),
    click.option("--log-retention-days", callback=parse_retention, metavar="DAYS",
                 help="Days its ended runs' logs, metrics and event payloads are kept, "
                 "'never', or 'default' (the daemon's logs.retention_days)."),
]  # fmt: skip


def definition_options(command: F) -> F:
    for option in reversed(_DEFINITION_OPTIONS):
        command = option(command)
    return command


def _flags(options: dict[str, Any], name: str | None = None) -> JobFlags:
    return JobFlags(name=name, **{k: v for k, v in options.items() if k not in ("file", "output")})


def render_job(job: Json) -> str:
    command = job.get("command") or {}
    resources = {k: str(v) for k, v in (job.get("resources") or {}).items() if v is not None}
    pairs = [
        ("Name", text(job.get("name"))),
        ("Type", text(command.get("name"))),
        ("Script", text(command.get("script_location"))),
        ("Description", text(job.get("description"))),
        ("Executor", text(job.get("executor"))),
        ("Max concurrent runs", text(job.get("max_concurrent_runs"))),
        ("Max retries", text(job.get("max_retries"))),
        ("Timeout (min)", text(job.get("timeout"))),
        ("Notify delay after", text(job.get("notify_delay_after"))),
        ("Queuing", text(job.get("job_run_queuing_enabled"))),
        ("Role", text(job.get("role"))),
        ("Security configuration", text(job.get("security_configuration"))),
        ("Log retention", retention_text(job)),
        *mapping_lines("Default arguments", job.get("default_arguments") or {}),
        *mapping_lines("Non-overridable", job.get("non_overridable_arguments") or {}),
        *mapping_lines("Resources", resources),
        *mapping_lines("Spark conf", job.get("spark_conf") or {}),
        *mapping_lines("Tags", job.get("tags") or {}),
        ("Created", local_time(job.get("created_on"))),
        ("Modified", local_time(job.get("last_modified_on"))),
    ]
    if job.get("load_error"):
        pairs.insert(1, ("LOAD ERROR", text(job.get("load_error"))))
    return key_values(pairs)


def retention_text(job: Json) -> str:
    """What the job's runs follow: never expire, 30 days, or daemon default (90 days)."""
    effective = job.get("effective_log_retention_days", job.get("log_retention_days"))
    if effective is None:
        return "daemon default"
    plural = "" if effective == 1 else "s"
    shown = "never expire" if effective == "never" else f"{effective} day{plural}"
    return shown if job.get("log_retention_days") is not None else f"daemon default ({shown})"


def render_jobs(jobs: list[Json]) -> str:
    headers = ["NAME", "TYPE", "EXECUTOR", "CONCURRENCY", "RETRIES", "TIMEOUT", "BOOKMARK",
               "MODIFIED"]  # fmt: skip
    rows = [
        [
            j["name"],
            text((j.get("command") or {}).get("name")),
            text(j.get("executor")),
            text(j.get("max_concurrent_runs")),
            text(j.get("max_retries")),
            text(j.get("timeout")),
            text(j.get("bookmark_option", "")).removeprefix("job-bookmark-"),
            local_time(j.get("last_modified_on")),
        ]
        for j in jobs
    ]
    return table(headers, rows) if rows else "no jobs"


@click.group("jobs", cls=StokerGroup)
def jobs_group() -> None:
    """Job definitions (Glue CreateJob, GetJob, UpdateJob, DeleteJob).

    \b
    Example:
      stoker jobs create --name daily-etl --script etl.py --arg day=2024-05-01
    """


@jobs_group.command("create")
@click.option("--name", help="Job name (letters, digits, '_', '.', '-').")
@definition_options
@output_option
@click.pass_context
def create(ctx: click.Context, /, name: str | None, file: str | None, output: str,
           **options: Any) -> None:  # fmt: skip
    """Create a job from flags or a definition file.

    \b
    Examples:
      stoker jobs create --name daily-etl --script etl.py --arg day=2024-05-01
      stoker jobs create -f jobs/daily-etl.yaml
    """
    body = body_for_create(file, _flags(options, name))
    emit(client_of(ctx).create_job(body), output, render_job)


@jobs_group.command("update")
@click.argument("name")
@definition_options
@output_option
@click.pass_context
def update(ctx: click.Context, /, name: str, file: str | None, output: str, **options: Any) -> None:
    """Change a job: read it, apply the file and flags, write the whole definition back.

    \b
    Examples:
      stoker jobs update daily-etl --max-retries 2 --arg day=2024-05-02
      stoker jobs update daily-etl -f jobs/daily-etl.yaml
    """
    client = client_of(ctx)
    body = body_for_update(client.get_job(name), file, _flags(options))
    emit(client.update_job(name, body), output, render_job)


@jobs_group.command("list")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True,
              help="At most this many jobs (pages are followed).")  # fmt: skip
@output_option
@click.pass_context
def list_jobs(ctx: click.Context, limit: int, output: str) -> None:
    """List jobs by name.

    \b
    Example:
      stoker jobs list -o json
    """
    jobs = collect(client_of(ctx).list_jobs_page, "jobs", limit)
    emit(jobs, output, render_jobs)


@jobs_group.command("get")
@click.argument("name")
@output_option
@click.pass_context
def get(ctx: click.Context, name: str, output: str) -> None:
    """Show one job (secret-looking argument values are masked).

    \b
    Example:
      stoker jobs get daily-etl -o json
    """
    emit(client_of(ctx).get_job(name), output, render_job)


@jobs_group.command("delete")
@click.argument("name")
@click.pass_context
def delete(ctx: click.Context, name: str) -> None:
    """Delete a job; its runs stay readable.

    \b
    Example:
      stoker jobs delete daily-etl
    """
    client_of(ctx).delete_job(name)
    click.echo(f"deleted job {name}")


@jobs_group.group("script", cls=StokerGroup)
def script_group() -> None:
    """A job's script as the daemon stores it.

    \b
    Example:
      stoker jobs script get daily-etl > etl.py
    """


@script_group.command("get")
@click.argument("name")
@output_option
@click.pass_context
def script_get(ctx: click.Context, name: str, output: str) -> None:
    """Print the job's script.

    \b
    Example:
      stoker jobs script get daily-etl > etl.py
    """
    emit(client_of(ctx).get_script(name), output, lambda s: str(s["script"]).rstrip("\n"))


@script_group.command("put")
@click.argument("name")
@click.argument("path", type=click.Path(dir_okay=False))
@output_option
@click.pass_context
def script_put(ctx: click.Context, name: str, path: str, output: str) -> None:
    """Upload a local file as the job's script.

    \b
    Example:
      stoker jobs script put daily-etl etl.py
    """
    job = client_of(ctx).put_script(name, read_text(path, "script"))
    emit(job, output, lambda j: f"updated script of job {j['name']}")


@jobs_group.command("triggers")
@click.argument("name")
@output_option
@click.pass_context
def job_triggers(ctx: click.Context, name: str, output: str) -> None:
    """The triggers that start the job and the triggers that watch its runs.

    \b
    Example:
      stoker jobs triggers daily-etl
    """

    def render(found: Json) -> str:
        return (f"Started by:\n{render_triggers(found['starts'])}\n\n"
                f"Watched by:\n{render_triggers(found['watches'])}")  # fmt: skip

    emit(client_of(ctx).job_triggers(name), output, render)
