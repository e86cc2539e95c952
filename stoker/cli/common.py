"""What every command shares: the context with its API client, error exits, KEY=VALUE."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import httpx

from stoker.cli.client import DEFAULT_API_URL, StokerClient
from stoker.config.settings import load_settings
from stoker.errors import StokerError

TOKEN_VARIABLE = "STOKER_API_TOKEN"  # noqa: S105 - the variable's name, not a secret


@dataclass
class CliContext:
    """Global options, and the client built from them on first use."""

    api_url: str | None = None
    config: str | None = None
    #: Tests inject an in-process transport here; None means real HTTP.
    transport: httpx.BaseTransport | None = None
    _client: StokerClient | None = field(default=None, repr=False)

    def resolved_url(self) -> str:
        """--api-url / STOKER_API_URL, else the configured API address, else the default."""
        if self.api_url:
            return self.api_url
        path = self.config or os.environ.get("STOKER_CONFIG")
        if path and not Path(path).expanduser().exists():
            # A CLI on a machine without the daemon's config still works with the default;
            # a config that is there but invalid is an error (exit 2), as for the daemon.
            return DEFAULT_API_URL
        return load_settings(path).api_url

    def client(self) -> StokerClient:
        if self._client is None:
            token = os.environ.get(TOKEN_VARIABLE) or None
            self._client = StokerClient(self.resolved_url(), token, transport=self.transport)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


def client_of(ctx: click.Context) -> StokerClient:
    obj = ctx.find_object(CliContext)
    if obj is None:
        raise click.UsageError("no CLI context; run commands through 'stoker'")
    return obj.client()


def format_error(error: StokerError) -> str:
    if getattr(error, "plain", False):
        # Already says where (e.g. "<file>: trigger 'nightly': schedule: …").
        return f"error: {error.message}"
    line = f"error: {error.code}: {error.message}"
    if error.field:
        line += f" (field: {error.field})"
    return line


class StokerGroup(click.Group):
    """A group whose commands turn a StokerError into a message and its exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except StokerError as error:
            click.echo(format_error(error), err=True)
            ctx.exit(error.exit_code)


def parse_pairs(
    ctx: click.Context | None, param: click.Parameter | None, values: Sequence[str]
) -> dict[str, str]:
    """``KEY=VALUE`` options as Glue arguments: ``--KEY`` → VALUE (a leading ``--`` is kept)."""
    name = param.opts[0] if param is not None and param.opts else "--arg"
    pairs: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key.lstrip("-"):
            raise click.BadParameter(
                f"{item!r} is not KEY=VALUE; write e.g. {name} day=2024-05-01 "
                "(sets the job argument --day)",
                ctx=ctx,
                param=param,
            )
        pairs[key if key.startswith("--") else f"--{key}"] = value
    return pairs


def parse_retention(
    ctx: click.Context | None, param: click.Parameter | None, value: str | None
) -> int | str | None:
    """``--log-retention-days``: a number of days, ``never``, or ``default`` (kept as the
    word: the job's value is then cleared); the daemon checks the range."""
    if value is None or value in ("never", "default"):
        return value
    if value.strip().isdigit():
        return int(value)
    raise click.BadParameter(
        f"{value!r} is not a number of days, 'never' or 'default' (the daemon's "
        "logs.retention_days)",
        ctx=ctx,
        param=param,
    )


def read_text(path: str, what: str) -> str:
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except OSError as exc:
        raise click.BadParameter(f"cannot read {what} {path!r}: {exc.strerror}") from exc
