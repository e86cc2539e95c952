"""`stoker bookmarks …`: a job's bookmark — show it, its history, reset, rewind, set --now."""

from __future__ import annotations

import json
from typing import Any

import click

from stoker.cli.client import collect
from stoker.cli.common import StokerGroup, client_of
from stoker.cli.output import emit, key_values, local_time, output_option, table, text

Json = dict[str, Any]


def glue_entry(bookmark: Json) -> Json:
    """Glue's GetJobBookmark answer for a version (JobBookmark is a JSON string there)."""
    return {
        "JobBookmarkEntry": {
            "JobName": bookmark["job_name"],
            "Version": bookmark["version"],
            "Run": bookmark["run"],
            "Attempt": bookmark["attempt"],
            "PreviousRunId": bookmark.get("previous_run_id"),
            "RunId": bookmark.get("run_id"),
            "JobBookmark": json.dumps(bookmark.get("elements") or {}, separators=(",", ":")),
        }
    }


def _source(name: str, element: Json) -> str:
    kind = element.get("type")
    if kind == "files":
        band = len(element.get("band") or {})
        return f"{name}: files {element.get('path', '')} (low {element.get('low')}, {band} in band)"
    if kind == "jdbc":
        last = [v.get("value") for v in element.get("last") or []]
        return f"{name}: jdbc {element.get('table', '')} keys {element.get('keys')} last {last}"
    return f"{name}: {kind}"


def render_bookmark(bookmark: Json) -> str:
    pairs = [
        ("Job", bookmark["job_name"]),
        ("Version", str(bookmark["version"])),
        (
            "Written by",
            f"{bookmark['action']}"
            + (f" ({bookmark['run_id']})" if bookmark.get("run_id") else ""),
        ),
        ("Runs committed", str(bookmark["run"])),
        (
            "Written on",
            local_time(bookmark.get("created_on")) if bookmark.get("created_on") else "-",
        ),
    ]
    elements = bookmark.get("elements") or {}
    lines = [_source(name, el) for name, el in sorted(elements.items())]
    return key_values(pairs) + "\nSources:\n" + ("\n".join(f"  {s}" for s in lines) or "  none")


def render_history(versions: list[Json]) -> str:
    headers = ["VERSION", "ACTION", "RUN ID", "RUNS", "WRITTEN", "SOURCES"]
    rows = [
        [str(v["version"]), v["action"], text(v.get("run_id")), str(v["run"]),
         local_time(v.get("created_on")), str(len(v.get("elements") or {}))]
        for v in versions
    ]  # fmt: skip
    return table(headers, rows) if rows else "no versions: nothing was ever committed"


@click.group("bookmarks", cls=StokerGroup)
def bookmarks_group() -> None:
    """Job bookmarks: what each job's sources have processed (Glue's job bookmarks).

    \b
    Example:
      stoker bookmarks show orders_etl
    """


@bookmarks_group.command("show")
@click.argument("job")
@click.option("--history", is_flag=True, help="Every version, newest first.")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True,
              help="With --history: at most this many versions.")  # fmt: skip
@output_option
@click.pass_context
def show(ctx: click.Context, job: str, history: bool, limit: int, output: str) -> None:
    """The job's current bookmark; -o json prints Glue's GetJobBookmark shape.

    \b
    Examples:
      stoker bookmarks show orders_etl
      stoker bookmarks show orders_etl --history
      stoker bookmarks show orders_etl -o json
    """
    client = client_of(ctx)
    if history:

        def fetch(size: int, token: str | None) -> Json:
            return client.bookmark_history_page(job, size, token)

        emit(collect(fetch, "versions", limit), output, render_history)
        return
    found = client.get_bookmark(job)
    emit(glue_entry(found) if output == "json" else found, output, render_bookmark)


@bookmarks_group.command("reset")
@click.argument("job")
@output_option
@click.pass_context
def reset(ctx: click.Context, job: str, output: str) -> None:
    """Back to nothing processed: the next run reads everything again.

    \b
    Example:
      stoker bookmarks reset orders_etl
    """
    emit(client_of(ctx).reset_bookmark(job), output, render_bookmark)


@bookmarks_group.command("rewind")
@click.argument("job")
@click.option("--to", "run_id", required=True, metavar="RUN_ID",
              help="The run whose committed state to go back to.")  # fmt: skip
@output_option
@click.pass_context
def rewind(ctx: click.Context, job: str, run_id: str, output: str) -> None:
    """Back to the state right after RUN_ID committed: later input is processed again.

    \b
    Example:
      stoker bookmarks rewind orders_etl --to jr_0123...
    """
    emit(client_of(ctx).reset_bookmark(job, run_id), output, render_bookmark)


@bookmarks_group.command("set")
@click.argument("job")
@click.option("--now", "now", is_flag=True, required=True,
              help="Mark everything present now as processed.")  # fmt: skip
@output_option
@click.pass_context
def set_bookmark(ctx: click.Context, job: str, now: bool, output: str) -> None:
    """Mark everything present now as processed, without running the job.

    \b
    Example:
      stoker bookmarks set orders_etl --now
    """
    emit(client_of(ctx).set_bookmark_now(job), output, render_bookmark)
