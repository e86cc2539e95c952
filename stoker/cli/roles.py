"""`stoker roles …`: the credentials a job's runs receive (shown by name, never by value).

Secret values never need to be on the command line (which every local user can read in
``ps``): ``--file`` reads a role definition (JSON, ``-`` for stdin), ``--env NAME`` and
``--hadoop KEY`` without ``=VALUE`` take the value from the CLI's own environment variable
of that name, and ``--jdbc-password NAME=VAR`` reads the password from variable VAR.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from typing import Any

import click

from stoker.cli.client import collect
from stoker.cli.common import StokerGroup, client_of, read_text
from stoker.cli.output import emit, key_values, local_time, mapping_lines, output_option, table
from stoker.cli.output import text as show

Json = dict[str, Any]


def _from_env(ctx: click.Context | None, param: click.Parameter | None,
              values: Sequence[str]) -> dict[str, str]:  # fmt: skip
    """``KEY=VALUE``, or ``KEY`` alone: the value of the environment variable KEY."""
    out: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not key.strip():
            raise click.BadParameter(f"{item!r} is not KEY=VALUE or KEY", ctx=ctx, param=param)
        if not sep:
            if key not in os.environ:
                raise click.BadParameter(
                    f"{key} is not set in this environment (KEY alone takes its value from "
                    "there)", ctx=ctx, param=param,
                )  # fmt: skip
            value = os.environ[key]
        out[key.strip()] = value
    return out


def _pairs(ctx: click.Context | None, param: click.Parameter | None,
           values: Sequence[str]) -> dict[str, str]:  # fmt: skip
    out: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{item!r} is not NAME=VALUE", ctx=ctx, param=param)
        out[key.strip()] = value
    return out


_OPTIONS = [
    click.option("--file", "file", help="A role definition as JSON ('-': stdin)."),
    click.option("--description", help="Free text."),
    click.option("--jdbc", multiple=True, callback=_pairs, metavar="NAME=URL",
                 help="Named JDBC credentials' URL, e.g. pg=jdbc:postgresql://db/sales."),
    click.option("--jdbc-user", multiple=True, callback=_pairs, metavar="NAME=USER",
                 help="The user of JDBC credentials NAME."),
    click.option("--jdbc-password", multiple=True, callback=_pairs, metavar="NAME=VAR",
                 help="The password of JDBC credentials NAME, read from environment variable "
                      "VAR (never typed on the command line)."),
    click.option("--env", multiple=True, callback=_from_env, metavar="NAME[=VALUE]",
                 help="An environment variable of the runs (NAME alone: this shell's value)."),
    click.option("--hadoop", multiple=True, callback=_from_env, metavar="KEY[=VALUE]",
                 help="A Hadoop setting set on the runs' session, e.g. fs.s3a.access.key "
                      "(KEY alone: the value of environment variable KEY)."),
]  # fmt: skip


def role_options(command: Any) -> Any:
    for option in reversed(_OPTIONS):
        command = option(command)
    return command


def _file_body(path: str | None) -> Json:
    if path is None:
        return {}
    raw = sys.stdin.read() if path == "-" else read_text(path, "role file")
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise click.BadParameter(f"{path}: not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise click.BadParameter(f"{path}: a role definition is a JSON object")
    return body


def overlay(body: Json, options: Json) -> Json:
    """The flags given over ``body`` (a file's role, or the stored one when updating)."""
    body = {**body, **_file_body(options["file"])}
    if options["description"] is not None:
        body["description"] = options["description"]
    jdbc: Json = {n: dict(c) for n, c in (body.get("jdbc") or {}).items()}
    for name, url in options["jdbc"].items():
        jdbc.setdefault(name, {})["url"] = url
    for name, user in options["jdbc_user"].items():
        jdbc.setdefault(name, {})["user"] = user
    for name, var in options["jdbc_password"].items():
        if var not in os.environ:
            raise click.BadParameter(f"--jdbc-password {name}={var}: {var} is not set")
        jdbc.setdefault(name, {})["password"] = os.environ[var]
    for name, cred in jdbc.items():
        if "url" not in cred:
            raise click.BadParameter(f"JDBC credentials {name} need a URL (--jdbc {name}=URL)")
    body["jdbc"] = jdbc
    body["env"] = {**(body.get("env") or {}), **options["env"]}
    body["hadoop_conf"] = {**(body.get("hadoop_conf") or {}), **options["hadoop"]}
    return body


def render_role(role: Json) -> str:
    jdbc = {n: f"{c['url']} user {show(c.get('user'))} password {show(c.get('password'))}"
            for n, c in role["jdbc"].items()}  # fmt: skip
    return key_values([
        ("Name", role["name"]), ("Description", show(role.get("description"))),
        *mapping_lines("JDBC", jdbc), *mapping_lines("Hadoop conf", role["hadoop_conf"]),
        *mapping_lines("Environment", role["env"]),
        ("Modified", local_time(role.get("last_modified_on"))),
    ])  # fmt: skip


def render_roles(items: list[Json]) -> str:
    rows = [[r["name"], ",".join(r["jdbc"]) or "-", str(len(r["hadoop_conf"])),
             str(len(r["env"])), show(r.get("description"))] for r in items]  # fmt: skip
    return table(["NAME", "JDBC", "HADOOP", "ENV", "DESCRIPTION"], rows) if rows else "no roles"


@click.group("roles", cls=StokerGroup)
def roles_group() -> None:
    """Roles: credentials a job's runs receive (JDBC, Hadoop filesystem keys, environment).

    Values are kept encrypted and shown as '****'; a job names its role (jobs --role).

    \b
    Examples:
      PGPW=… stoker roles create etl --jdbc pg=jdbc:postgresql://db/sales \\
          --jdbc-user pg=etl --jdbc-password pg=PGPW
      stoker jobs update nightly --role etl
    """


@roles_group.command("create")
@click.argument("name")
@role_options
@output_option
@click.pass_context
def role_create(ctx: click.Context, /, name: str, output: str, **options: Any) -> None:
    """Create a role.

    \b
    Example:
      AWS_SECRET=… stoker roles create lake --hadoop fs.s3a.access.key=AKIA… \\
          --hadoop fs.s3a.secret.key=$AWS_SECRET   # better: --file role.json
    """
    body = overlay({"name": name, "description": ""}, options)
    emit(client_of(ctx).call("POST", "roles", body=body), output, render_role)


@roles_group.command("update")
@click.argument("name")
@role_options
@click.option("--unset-jdbc", multiple=True, metavar="NAME", help="Drop JDBC credentials.")
@click.option("--unset-env", multiple=True, metavar="NAME", help="Drop an environment variable.")
@click.option("--unset-hadoop", multiple=True, metavar="KEY", help="Drop a Hadoop setting.")
@output_option
@click.pass_context
def role_update(ctx: click.Context, /, name: str, output: str, unset_jdbc: tuple[str, ...],
                unset_env: tuple[str, ...], unset_hadoop: tuple[str, ...],
                **options: Any) -> None:  # fmt: skip
    """Change a role: what is not given stays (runs started afterwards receive it).

    \b
    Example:
      NEWPW=… stoker roles update etl --jdbc-password pg=NEWPW --unset-env DEBUG
    """
    client = client_of(ctx)
    current: Json = client.call("GET", "roles", name)
    body = overlay({k: current[k] for k in ("description", "jdbc", "env", "hadoop_conf")},
                   options)  # fmt: skip
    for key, names in (("jdbc", unset_jdbc), ("env", unset_env), ("hadoop_conf", unset_hadoop)):
        for item in names:
            body[key].pop(item, None)
    emit(client.call("PUT", "roles", name, body=body), output, render_role)


@roles_group.command("get")
@click.argument("name")
@output_option
@click.pass_context
def role_get(ctx: click.Context, name: str, output: str) -> None:
    """Show a role (names only: every secret value is '****').

    \b
    Example:
      stoker roles get etl
    """
    emit(client_of(ctx).call("GET", "roles", name), output, render_role)


@roles_group.command("list")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True)
@output_option
@click.pass_context
def role_list(ctx: click.Context, limit: int, output: str) -> None:
    """List roles by name.

    \b
    Example:
      stoker roles list -o json
    """
    client = client_of(ctx)

    def page(n: int, token: str | None) -> Json:
        found: Json = client.call("GET", "roles", params={"limit": n, "next_token": token})
        return found

    emit(collect(page, "roles", limit), output, render_roles)


@roles_group.command("delete")
@click.argument("name")
@click.pass_context
def role_delete(ctx: click.Context, name: str) -> None:
    """Delete a role (jobs naming it fail to launch until it exists again).

    \b
    Example:
      stoker roles delete etl
    """
    client_of(ctx).call("DELETE", "roles", name)
    click.echo(f"deleted role {name}")
