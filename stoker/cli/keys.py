"""`stoker keys …`: the key ring that encrypts what stoker keeps (ids only, never keys)."""

from __future__ import annotations

from typing import Any

import click

from stoker.cli.common import StokerGroup, client_of
from stoker.cli.output import emit, output_option, table

Json = dict[str, Any]


def render_keys(found: Json) -> str:
    rows = [[k["id"], "yes" if k["primary"] else "", ", ".join(k["used_by"]) or "-"]
            for k in found["keys"]]  # fmt: skip
    return table(["KEY", "PRIMARY", "SEALS"], rows)


@click.group("keys", cls=StokerGroup)
def keys_group() -> None:
    """The key ring: AES-256-GCM keys that encrypt role secrets, logs and bookmarks.

    \b
    Examples:
      stoker keys rotate       # a new primary key; old data stays readable
      stoker keys reencrypt    # everything under the primary key, old keys retired
    """


@keys_group.command("list")
@output_option
@click.pass_context
def keys_list(ctx: click.Context, output: str) -> None:
    """The keys by id, which is primary, and what each still encrypts.

    \b
    Example:
      stoker keys list
    """
    emit(client_of(ctx).call("GET", "keys"), output, render_keys)


@keys_group.command("rotate")
@output_option
@click.pass_context
def keys_rotate(ctx: click.Context, output: str) -> None:
    """Add a new primary key to the key file: new data uses it, old data stays readable.

    \b
    Example:
      stoker keys rotate
    """
    emit(client_of(ctx).call("POST", "keys", "rotate"), output,
         lambda r: f"new primary key {r['key_id']}")  # fmt: skip


@keys_group.command("reencrypt")
@output_option
@click.pass_context
def keys_reencrypt(ctx: click.Context, output: str) -> None:
    """Rewrite everything under the primary key, then retire the older keys.

    \b
    Example:
      stoker keys rotate && stoker keys reencrypt
    """

    def render(r: Json) -> str:
        counts = ", ".join(f"{n} {kind}" for kind, n in r["rewritten"].items())
        retired = ", ".join(r["retired"]) or "none"
        return f"re-encrypted: {counts}; retired keys: {retired}"

    emit(client_of(ctx).call("POST", "keys", "reencrypt"), output, render)
