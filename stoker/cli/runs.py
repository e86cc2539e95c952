"""`stoker runs …`: start, watch, list, stop job runs, read their logs and their metrics."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click

from stoker.cli.client import StokerClient, collect
from stoker.cli.common import StokerGroup, client_of, parse_pairs
from stoker.cli.metrics_chart import check_chart_path, render_chart
from stoker.cli.metrics_view import no_samples, render_metrics
from stoker.cli.output import (
    duration,
    emit,
    emit_json,
    key_values,
    local_time,
    mapping_lines,
    output_option,
    table,
    text,
)
from stoker.domain.states import RETRYABLE_STATES, TERMINAL_STATES, RunState
from stoker.errors import NotFound

Json = dict[str, Any]

#: Pages of 100 of a job's newest runs searched for an attempt's retry.
_RETRY_SEARCH_PAGES = 5
STATES = [*(s.value for s in RunState if s.live), *sorted(s.value for s in TERMINAL_STATES)]


def render_run(run: Json) -> str:
    predecessors = ", ".join(f"{p['job_name']}/{p['run_id']}" for p in run["predecessor_runs"])
    pairs = [
        ("Run", run["id"]),
        ("Job", run["job_name"]),
        ("State", run["state"]),
        ("Error", text(run.get("error_message"))),
        ("Detail", text(run.get("state_detail"))),
        ("Attempt", text(run.get("attempt"))),
        ("Previous run", text(run.get("previous_run_id"))),
        ("Triggered by", text(run.get("triggered_by"))),
        ("Executor", text(run.get("executor"))),
        *mapping_lines("Arguments", run.get("arguments") or {}),
        ("Started", local_time(run.get("started_on"))),
        ("Completed", local_time(run.get("completed_on"))),
        ("Modified", local_time(run.get("last_modified_on"))),
        ("Execution time", duration(run.get("execution_time"))),
        ("Timeout (min)", text(run.get("timeout"))),
        ("Notify delay after", text(run.get("notify_delay_after"))),
        ("Queuing", text(run.get("job_run_queuing_enabled"))),
        ("Predecessors", predecessors or "-"),
    ]
    return key_values(pairs)


def render_runs(runs: list[Json]) -> str:
    headers = ["RUN ID", "JOB", "STATE", "ATTEMPT", "STARTED", "DURATION", "TRIGGERED BY"]
    rows = [
        [
            r["id"],
            r["job_name"],
            r["state"],
            text(r.get("attempt")),
            local_time(r.get("started_on")),
            duration(r.get("execution_time")),
            text(r.get("triggered_by")),
        ]
        for r in runs
    ]
    return table(headers, rows) if rows else "no runs"


def final_line(run: Json) -> str:
    line = f"{run['id']} {run['state']}"
    return f"{line}: {run['error_message']}" if run.get("error_message") else line


@click.group("runs", cls=StokerGroup)
def runs_group() -> None:
    """Job runs (Glue StartJobRun, GetJobRun, GetJobRuns, BatchStopJobRun).

    \b
    Example:
      stoker runs start daily-etl --arg day=2024-05-01 --wait
    """


def wait_for(client: StokerClient, run_id: str, interval: float) -> Json:
    run = client.get_run(run_id)
    while run["state"] not in TERMINAL_STATES:
        time.sleep(interval)
        run = client.get_run(run_id)
    return run


def find_retry(client: StokerClient, run: Json) -> Json | None:
    """The automatic retry of an ended attempt, if it has one. The retry is created in the
    transaction that ends the attempt, so it is listed as soon as the attempt has ended;
    the job's newest runs are searched (a few pages: the retry is among the newest)."""
    token: str | None = None
    for _ in range(_RETRY_SEARCH_PAGES):
        page = client.list_runs_page(100, token, job_name=run["job_name"])
        found = next((r for r in page["runs"] if r["previous_run_id"] == run["id"]), None)
        if found is not None or not page.get("next_token"):
            return found
        token = page["next_token"]
    return None


def wait_through_retries(client: StokerClient, run_id: str, interval: float, *,
                         report: bool) -> Json:  # fmt: skip
    """Wait for the run and, if it FAILED or ended in ERROR with retries left, for its
    retries: the last attempt is how the run ended. ``report`` prints each retried one."""
    run = wait_for(client, run_id, interval)
    while RunState(run["state"]) in RETRYABLE_STATES:
        retry = find_retry(client, run)
        if retry is None:
            break
        if report:
            click.echo(f"{final_line(run)}; retried as {retry['id']} (attempt {retry['attempt']})")
        run = wait_for(client, retry["id"], interval)
    return run


@runs_group.command("start")
@click.argument("job")
@click.option(
    "--arg",
    "arguments",
    multiple=True,
    callback=parse_pairs,
    metavar="KEY=VALUE",
    help="Run argument --KEY, over the job's defaults (repeatable).",
)
@click.option("--timeout", type=int, help="Minutes; defaults to the job's timeout.")
@click.option("--notify-delay-after", type=int, help="Minutes; defaults to the job's.")
@click.option(
    "--no-queuing",
    "no_queuing",
    is_flag=True,
    help="Fail with ConcurrentRunsExceeded instead of waiting for a slot.",
)
@click.option(
    "--wait",
    is_flag=True,
    help="Wait until the run ends, following its automatic retries; exit 0 only if the last "
    "attempt SUCCEEDED, else 1.",
)
@click.option("--poll-interval", type=float, default=1.0, hidden=True)
@output_option
@click.pass_context
def start(ctx: click.Context, /, *, job: str, arguments: dict[str, str], timeout: int | None,
          notify_delay_after: int | None, no_queuing: bool, wait: bool, poll_interval: float,
          output: str) -> None:  # fmt: skip
    """Start a run of JOB and print its id.

    \b
    Examples:
      stoker runs start daily-etl --arg day=2024-05-01
      stoker runs start daily-etl --wait && echo done
    """
    client = client_of(ctx)
    run = client.start_run(
        job,
        arguments,
        timeout=timeout,
        notify_delay_after=notify_delay_after,
        queuing=False if no_queuing else None,
    )
    if not wait:
        emit(run, output, lambda r: str(r["id"]))
        return
    if output != "json":
        click.echo(run["id"])
    run = wait_through_retries(client, run["id"], poll_interval, report=output != "json")
    emit(run, output, final_line)
    ctx.exit(0 if run["state"] == "SUCCEEDED" else 1)


@runs_group.command("get")
@click.argument("run_id")
@output_option
@click.pass_context
def get(ctx: click.Context, run_id: str, output: str) -> None:
    """Show one run.

    \b
    Example:
      stoker runs get jr_0123… -o json
    """
    emit(client_of(ctx).get_run(run_id), output, render_run)


@runs_group.command("list")
@click.option("--job", "job_name", help="Only runs of this job.")
@click.option(
    "--state", type=click.Choice(STATES, case_sensitive=False), help="Only runs in this state."
)
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="At most this many runs, newest first (pages are followed).",
)
@output_option
@click.pass_context
def list_runs(ctx: click.Context, job_name: str | None, state: str | None, limit: int,
              output: str) -> None:  # fmt: skip
    """List runs, newest first.

    \b
    Example:
      stoker runs list --job daily-etl --state FAILED --limit 20
    """
    client = client_of(ctx)

    def fetch(size: int, token: str | None) -> Json:
        upper = state.upper() if state else None
        return client.list_runs_page(size, token, job_name=job_name, state=upper)

    emit(collect(fetch, "runs", limit), output, render_runs)


@runs_group.command("stop")
@click.argument("run_id")
@output_option
@click.pass_context
def stop(ctx: click.Context, run_id: str, output: str) -> None:
    """Ask a run to stop.

    \b
    Example:
      stoker runs stop jr_0123…
    """
    emit(client_of(ctx).stop_run(run_id), output, lambda r: f"{r['id']} {r['state']}")


@runs_group.command("logs")
@click.argument("run_id")
@click.option("--stderr", "use_stderr", is_flag=True, help="The stderr stream (default stdout).")
@click.option("--follow", is_flag=True, help="Keep printing until the run has ended.")
@click.option("--poll-interval", type=float, default=0.3, hidden=True)
@click.pass_context
def logs(ctx: click.Context, run_id: str, use_stderr: bool, follow: bool,
         poll_interval: float) -> None:  # fmt: skip
    """Print a run's log.

    \b
    Examples:
      stoker runs logs jr_0123… --follow
      stoker runs logs jr_0123… --stderr
    """
    client = client_of(ctx)
    stream = "stderr" if use_stderr else "stdout"
    offset = 0
    while True:
        chunk = client.get_logs(run_id, stream=stream, offset=offset)
        if chunk["data"]:
            click.echo(chunk["data"], nl=False)
        offset = chunk["next_offset"]
        if chunk["complete"]:
            return
        if not chunk["data"]:
            if not follow:
                return
            time.sleep(poll_interval)


def _chart_path(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    problem = None if value is None else check_chart_path(value)
    if problem:
        raise click.BadParameter(problem, ctx=ctx, param=param)
    return value


@runs_group.command("metrics")
@click.argument("run_id")
@click.option(
    "--chart",
    type=click.Path(dir_okay=False, path_type=Path),
    callback=_chart_path,
    metavar="FILE.png",
    help="Also draw Glue's Metrics tab (data movement, memory, shuffle, CPU, job "
    "execution) into this PNG.",
)
@output_option
@click.pass_context
def metrics(ctx: click.Context, run_id: str, chart: Path | None, output: str) -> None:
    """Show a run's stored Spark metrics, one row per sample (Glue's "View run metrics").

    \b
    Examples:
      stoker runs metrics jr_0123…
      stoker runs metrics jr_0123… --chart run.png
    """
    history = client_of(ctx).get_run_metrics(run_id)
    if chart is not None:
        if not history["samples"]:
            raise NotFound(no_samples(run_id), field="run_id")
        try:
            render_chart(history, chart)
        except OSError as exc:
            raise click.ClickException(f"cannot write chart {chart}: {exc.strerror}") from exc
    if output == "json":
        emit_json(history)
    elif chart is None:
        click.echo(render_metrics(history))
    else:
        click.echo(f"{render_metrics(history)}\nchart written to {chart}")
