"""`stoker cluster status`: the daemons sharing the database and who holds which lease."""

from __future__ import annotations

from typing import Any

import click

from stoker.cli.common import StokerGroup, client_of
from stoker.cli.output import emit, local_time, output_option, table

Json = dict[str, Any]


def render_status(status: Json) -> str:
    members = [
        [
            m["member_id"] + (" *" if m["member_id"] == status["member_id"] else ""),
            m["host"], str(m["pid"]), m["api_url"], f"{m['heartbeat_age_seconds']:.1f}s",
            "alive" if m["alive"] else "DEAD", f"{m['pool_busy']}/{m['pool_capacity']}",
            str(m["live_runs"]),
        ]
        for m in status["members"]
    ]  # fmt: skip
    leases = [
        [lease["name"], lease["holder"], str(lease["token"]), local_time(lease["expires_on"]),
         f"{lease['expires_in_seconds']:.1f}s" if lease["expires_in_seconds"] > 0 else "expired"]
        for lease in status["leases"]
    ]  # fmt: skip
    head = f"mode: {status['mode']}   lease: {status['lease_seconds']:g}s   (* answered)"
    member_table = table(
        ["MEMBER", "HOST", "PID", "API", "HEARTBEAT", "STATE", "POOL", "LIVE RUNS"], members
    )
    lease_table = table(["LEASE", "HOLDER", "TOKEN", "EXPIRES", "IN"], leases) if leases else (
        "no lease held"
    )  # fmt: skip
    return f"{head}\n\n{member_table}\n\n{lease_table}"


@click.group("cluster", cls=StokerGroup)
def cluster_group() -> None:
    """The daemons of the installation (several on one PostgreSQL) and their leases.

    \b
    Example:
      stoker cluster status
    """


@cluster_group.command("status")
@output_option
@click.pass_context
def cluster_status(ctx: click.Context, output: str) -> None:
    """Members (heartbeat age, alive or dead, pool busy/capacity, live runs) and who holds
    which lease, as the daemon the CLI talks to sees them.

    \b
    Example:
      stoker cluster status -o json
    """
    emit(client_of(ctx).cluster(), output, render_status)
