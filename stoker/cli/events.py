"""`stoker events …`: read the event outbox (what was, or will be, published)."""

from __future__ import annotations

from typing import Any

import click

from stoker.cli.client import collect
from stoker.cli.common import StokerGroup, client_of
from stoker.cli.output import emit, local_time, output_option, table, text

Json = dict[str, Any]


def render_events(events: list[Json]) -> str:
    headers = ["SEQ", "CREATED", "JOB", "RUN ID", "TYPE", "STATE", "SENT"]
    rows = [
        [
            str(e["seq"]),
            local_time(e.get("created_on")),
            e["job_name"],
            text(e.get("run_id")),
            e["detail_type"],
            text(((e.get("event") or {}).get("detail") or {}).get("state")),
            local_time(e.get("sent_on")) if e.get("sent_on") else "pending",
        ]
        for e in events
    ]
    return table(headers, rows) if rows else "no events"


@click.group("events", cls=StokerGroup)
def events_group() -> None:
    """Run events in the outbox (published to Kafka when it is configured).

    \b
    Example:
      stoker events list --pending
    """


@events_group.command("list")
@click.option("--pending", is_flag=True, help="Only events not yet published.")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True,
              help="At most this many events, oldest first (pages are followed).")  # fmt: skip
@output_option
@click.pass_context
def list_events(ctx: click.Context, pending: bool, limit: int, output: str) -> None:
    """List events, oldest first.

    \b
    Example:
      stoker events list --pending --limit 20 -o json
    """
    client = client_of(ctx)

    def fetch(size: int, token: str | None) -> Json:
        return client.list_events_page(size, token, pending=True if pending else None)

    emit(collect(fetch, "events", limit), output, render_events)
