"""`stoker sessions …`: interactive sessions — create, list, get, stop, delete, run code."""

from __future__ import annotations

import sys
import time
from typing import Any

import click

from stoker.cli.client import StokerClient, collect
from stoker.cli.common import StokerGroup, client_of, parse_pairs, read_text
from stoker.cli.output import emit, key_values, local_time, mapping_lines, output_option, table

Json = dict[str, Any]
#: Sessions that hold (or wait for) a driver.
_LIVE = ("PROVISIONING", "READY", "STOPPING")
#: How long `run` waits per request; it asks again until the statement has ended.
_WAIT_SECONDS = 60.0


def render_session(session: Json) -> str:
    pairs = [
        ("Session", session["id"]),
        ("State", session["state"]),
        ("Job", session.get("job_name") or "-"),
        ("Created", local_time(session["created_on"])),
        ("Ended", local_time(session.get("completed_on")) if session.get("completed_on")
         else "-"),
        ("Timeout", f"{session['timeout']} min (idle {session['idle_timeout']} min)"),
        *mapping_lines("Arguments", session.get("default_arguments") or {}),
    ]  # fmt: skip
    if session.get("error_message"):
        pairs.append(("Error", session["error_message"]))
    return key_values(pairs)


def render_sessions(sessions: list[Json]) -> str:
    rows = [[s["id"], s["state"], s.get("job_name") or "-", local_time(s["created_on"])]
            for s in sessions]  # fmt: skip
    return table(["ID", "STATE", "JOB", "CREATED"], rows) if rows else "no sessions"


@click.group("sessions", cls=StokerGroup)
def sessions_group() -> None:
    """Interactive sessions: a warm Spark driver reserved for you, Python run in it
    (Glue's interactive sessions; a job's development endpoint).

    \b
    Example:
      stoker sessions create dev --job orders_etl
      stoker sessions run dev -c 'spark.range(10).count()'
    """


@sessions_group.command("create")
@click.argument("session_id")
@click.option("--job", "job_name", help="Start with this job's arguments and Spark conf.")
@click.option("--arg", "arguments", multiple=True, callback=parse_pairs, metavar="KEY=VALUE",
              help="A default argument (--KEY VALUE), over the job's; repeatable.")
@click.option("--timeout", type=click.IntRange(1, 10080), help="Minutes (Glue: 2880).")
@click.option("--idle-timeout", type=click.IntRange(1, 10080),
              help="Minutes without a statement before it ends (Glue: the timeout).")
@click.option("--wait/--no-wait", default=True, show_default=True,
              help="Return once the session is READY (or has failed).")
@output_option
@click.pass_context
def create(ctx: click.Context, session_id: str, job_name: str | None,
           arguments: dict[str, str], timeout: int | None, idle_timeout: int | None,
           wait: bool, output: str) -> None:  # fmt: skip
    """Reserve a warm driver for a new session.

    \b
    Examples:
      stoker sessions create dev
      stoker sessions create dev-orders --job orders_etl --arg day=2024-05-01
    """
    client = client_of(ctx)
    body = {"id": session_id, "job_name": job_name, "default_arguments": arguments,
            "timeout": timeout, "idle_timeout": idle_timeout}  # fmt: skip
    session = client.session_request("POST", body=body)
    while wait and session["state"] == "PROVISIONING":
        time.sleep(0.5)
        session = client.session_request("GET", session_id)
    emit(session, output, render_session)
    if session["state"] not in _LIVE:
        ctx.exit(1)


@sessions_group.command("list")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True)
@output_option
@click.pass_context
def list_command(ctx: click.Context, limit: int, output: str) -> None:
    """Sessions by id, ended ones too.

    \b
    Example:
      stoker sessions list
    """
    client = client_of(ctx)

    def fetch(size: int, token: str | None) -> Json:
        page: Json = client.session_request("GET", params={"limit": size, "next_token": token})
        return page

    emit(collect(fetch, "sessions", limit), output, render_sessions)


@sessions_group.command("get")
@click.argument("session_id")
@output_option
@click.pass_context
def get(ctx: click.Context, session_id: str, output: str) -> None:
    """One session.

    \b
    Example:
      stoker sessions get dev
    """
    emit(client_of(ctx).session_request("GET", session_id), output, render_session)


@sessions_group.command("stop")
@click.argument("session_id")
@output_option
@click.pass_context
def stop(ctx: click.Context, session_id: str, output: str) -> None:
    """End the session; its driver goes back to the pool.

    \b
    Example:
      stoker sessions stop dev
    """
    emit(client_of(ctx).session_request("POST", session_id, "stop"), output, render_session)


@sessions_group.command("delete")
@click.argument("session_id")
@click.pass_context
def delete(ctx: click.Context, session_id: str) -> None:
    """Stop the session if it runs, and forget it and its statements.

    \b
    Example:
      stoker sessions delete dev
    """
    client_of(ctx).session_request("DELETE", session_id)
    click.echo(f"deleted session {session_id}")


def _finished(client: StokerClient, session_id: str, statement: Json) -> Json:
    while statement["state"] not in ("AVAILABLE", "CANCELLED", "ERROR"):
        statement = client.session_request("GET", session_id, "statements", statement["id"],
                                           params={"wait": _WAIT_SECONDS})  # fmt: skip
    return statement


@sessions_group.command("run")
@click.argument("session_id")
@click.option("-c", "--code", help="The Python to run.")
@click.option("-f", "--file", "path", type=click.Path(dir_okay=False),
              help="Run this file's Python instead.")
@output_option
@click.pass_context
def run(ctx: click.Context, session_id: str, code: str | None, path: str | None,
        output: str) -> None:  # fmt: skip
    """Run Python in the session (``spark``, ``sc``, ``glueContext`` and earlier
    statements' names are there) and print what it printed and its value; an error's
    traceback goes to stderr and the exit status is 1.

    \b
    Examples:
      stoker sessions run dev -c '1+1'
      stoker sessions run dev -c 'df = spark.range(100)' && stoker sessions run dev -c 'df.count()'
    """
    if (code is None) == (path is None):
        raise click.UsageError("give the Python with -c CODE or -f FILE")
    source = code if code is not None else read_text(str(path), "the statement file")
    client = client_of(ctx)
    statement = client.session_request("POST", session_id, "statements",
                                       body={"code": source, "wait": _WAIT_SECONDS})  # fmt: skip
    statement = _finished(client, session_id, statement)
    if output == "json":
        emit(statement, output, str)
    else:
        click.echo(statement.get("output") or "", nl=False)
        if statement.get("status") != "ok":
            trace = "".join(statement.get("traceback") or [])
            click.echo(trace or f"{statement.get('error_name')}: {statement.get('error_value')}",
                       err=True, nl=not trace.endswith("\n"))  # fmt: skip
    sys.stdout.flush()
    ctx.exit(0 if statement.get("status") == "ok" else 1)
