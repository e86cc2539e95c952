"""`stoker audit list`: the changes made through the API and the Glue endpoint."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import click

from stoker.cli.client import collect
from stoker.cli.common import StokerGroup, client_of
from stoker.cli.output import emit, local_time, output_option, table

Json = dict[str, Any]
_AGO = re.compile(r"(\d{1,6})([mhd])")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


def render_entries(items: list[Json]) -> str:
    rows = [[local_time(e["at"]), e["principal"], e["role"], e["address"] or "-", e["action"],
             f"{e['target_kind']} {e['target'] or '-'}", e["outcome"]] for e in items]  # fmt: skip
    header = ["AT", "PRINCIPAL", "ROLE", "ADDRESS", "ACTION", "TARGET", "OUTCOME"]
    return table(header, rows) if rows else "no audit entries"


def since_param(value: str | None) -> str | None:
    """``30m``, ``24h``, ``7d`` (that long ago) or an ISO 8601 time, sent as ISO 8601."""
    if value is None:
        return None
    ago = _AGO.fullmatch(value.strip())
    if ago is None:
        return value
    delta = timedelta(**{_UNITS[ago.group(2)]: int(ago.group(1))})
    return (datetime.now(UTC) - delta).isoformat()


@click.group("audit", cls=StokerGroup)
def audit_group() -> None:
    """The audit log: who changed what, when, from where (admin tokens only).

    \b
    Examples:
      stoker audit list --since 24h
      stoker audit list --action run --target nightly -o json
    """


@audit_group.command("list")
@click.option("--since", help="Entries from then on: 30m, 24h, 7d, or an ISO 8601 time "
              "with an offset.")  # fmt: skip
@click.option("--principal", help="Only this token's name or access key id.")
@click.option("--action", help="An action (job.create), or a kind (job) for all of its.")
@click.option("--target", help="A job's, trigger's, ... name or a run's id, exactly.")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True)
@output_option
@click.pass_context
def audit_list(ctx: click.Context, since: str | None, principal: str | None,
               action: str | None, target: str | None, limit: int,
               output: str) -> None:  # fmt: skip
    """List audit entries, newest first (refused attempts included).

    \b
    Example:
      stoker audit list --since 7d --principal ci
    """
    client = client_of(ctx)
    params = {"since": since_param(since), "principal": principal, "action": action,
              "target": target}  # fmt: skip

    def page(n: int, token: str | None) -> Json:
        found: Json = client.call("GET", "audit",
                                  params={**params, "limit": n, "next_token": token})  # fmt: skip
        return found

    emit(collect(page, "entries", limit), output, render_entries)
