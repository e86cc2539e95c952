"""`stoker catalog …`: the Data Catalog's databases, tables and connections, and `infer`."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import click

from stoker.cli.client import catalog_path, collect
from stoker.cli.common import StokerGroup, client_of, read_text
from stoker.cli.output import emit, key_values, local_time, mapping_lines, output_option, table
from stoker.cli.output import text as show

Json = dict[str, Any]


def pairs(ctx: click.Context | None, param: click.Parameter | None,
          values: Sequence[str]) -> dict[str, str]:  # fmt: skip
    """``KEY=VALUE`` options as a plain map (no ``--`` added, unlike job arguments)."""
    out: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{item!r} is not KEY=VALUE", ctx=ctx, param=param)
        out[key.strip()] = value
    return out


def typed(values: dict[str, str]) -> dict[str, Any]:
    """Format options as Glue writes them: true/false are booleans, whole numbers ints."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        low = value.lower()
        out[key] = low == "true" if low in ("true", "false") else (
            int(value) if value.isdigit() else value)  # fmt: skip
    return out


def column_list(ctx: click.Context | None, param: click.Parameter | None,
                values: Sequence[str]) -> list[Json]:  # fmt: skip
    """``name:type`` options (``type`` defaults to string) as catalog columns."""
    columns = []
    for item in values:
        name, _, kind = item.partition(":")
        if not name.strip():
            raise click.BadParameter(f"{item!r} is not name:type", ctx=ctx, param=param)
        columns.append({"name": name.strip(), "type": kind.strip() or "string"})
    return columns


def _columns(columns: list[Json]) -> str:
    return ", ".join(f"{c['name']} {c['type']}" for c in columns) or "-"


def render_database(d: Json) -> str:
    return key_values([
        ("Name", d["name"]), ("Description", show(d.get("description")) or "-"),
        ("Location", show(d.get("location"))), *mapping_lines("Parameters", d["parameters"]),
        ("Created", local_time(d.get("created_on"))),
    ])  # fmt: skip


def render_databases(items: list[Json]) -> str:
    rows = [[d["name"], show(d.get("location")), show(d.get("description"))] for d in items]
    return table(["NAME", "LOCATION", "DESCRIPTION"], rows) if rows else "no databases"


def _where(t: Json) -> str:
    if t.get("connection"):
        return f"connection {t['connection']} table {t['jdbc_table']}"
    return show(t.get("location"))


def render_table(t: Json) -> str:
    options = {k: str(v) for k, v in (t.get("format_options") or {}).items()}
    return key_values([
        ("Table", f"{t['database']}.{t['name']}"), ("Data", _where(t)),
        ("Format", show(t.get("format"))), *mapping_lines("Format options", options),
        ("Columns", _columns(t["columns"])), ("Partition keys", _columns(t["partition_keys"])),
        *mapping_lines("Parameters", t["parameters"]), ("Updated", local_time(t.get("updated_on"))),
    ])  # fmt: skip


def render_tables(items: list[Json]) -> str:
    rows = [[t["name"], show(t.get("format")), str(len(t["columns"])), _where(t)] for t in items]
    return table(["NAME", "FORMAT", "COLUMNS", "DATA"], rows) if rows else "no tables"


def render_connection(c: Json) -> str:
    return key_values([
        ("Name", c["name"]), ("Type", c["type"]), ("URL", c["url"]), ("User", show(c.get("user"))),
        ("Password", show(c.get("password"))), *mapping_lines("Properties", c["properties"]),
        ("Description", show(c.get("description")) or "-"),
        ("Created", local_time(c.get("created_on"))),
    ])  # fmt: skip


def render_connections(items: list[Json]) -> str:
    rows = [[c["name"], c["type"], c["url"], show(c.get("user"))] for c in items]
    return table(["NAME", "TYPE", "URL", "USER"], rows) if rows else "no connections"


@click.group("catalog", cls=StokerGroup)
def catalog_group() -> None:
    """The Data Catalog: databases, tables, named JDBC connections (Glue's Data Catalog).

    \b
    Examples:
      stoker catalog databases create sales
      stoker catalog infer s3://raw/orders/ --database sales --table orders
      stoker catalog tables get sales orders
    """


@catalog_group.group("databases", cls=StokerGroup)
def databases() -> None:
    """Databases (Glue CreateDatabase, GetDatabase, GetDatabases, DeleteDatabase).

    \b
    Example:
      stoker catalog databases create sales --description "sales data"
    """


@databases.command("create")
@click.argument("name")
@click.option("--description", default="", help="Free text.")
@click.option("--location", help="Default location of its tables (a path or URI).")
@click.option("--param", "parameters", multiple=True, callback=pairs, metavar="KEY=VALUE",
              help="A parameter (repeatable).")  # fmt: skip
@output_option
@click.pass_context
def database_create(ctx: click.Context, name: str, description: str, location: str | None,
                    parameters: dict[str, str], output: str) -> None:  # fmt: skip
    """Create a database (names are kept in lower case, as in Glue).

    \b
    Example:
      stoker catalog databases create sales
    """
    body = {"name": name, "description": description, "location": location,
            "parameters": parameters}  # fmt: skip
    emit(client_of(ctx).catalog_create("databases", body), output, render_database)


@databases.command("get")
@click.argument("name")
@output_option
@click.pass_context
def database_get(ctx: click.Context, name: str, output: str) -> None:
    """Show a database.

    \b
    Example:
      stoker catalog databases get sales -o json
    """
    emit(client_of(ctx).catalog_get(catalog_path("databases", name)), output, render_database)


@databases.command("list")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True)
@output_option
@click.pass_context
def database_list(ctx: click.Context, limit: int, output: str) -> None:
    """List databases by name.

    \b
    Example:
      stoker catalog databases list
    """
    client = client_of(ctx)
    found = collect(lambda n, t: client.catalog_page("databases", n, t), "databases", limit)
    emit(found, output, render_databases)


@databases.command("delete")
@click.argument("name")
@click.pass_context
def database_delete(ctx: click.Context, name: str) -> None:
    """Delete a database with its tables and their partitions.

    \b
    Example:
      stoker catalog databases delete sales
    """
    client_of(ctx).catalog_delete(catalog_path("databases", name))
    click.echo(f"deleted database {name.lower()}")


@catalog_group.command("infer")
@click.argument("path")
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "parquet", "orc"]),
              help="The data's format (guessed from the file names when omitted).")
@click.option("--format-option", "format_options", multiple=True, callback=pairs,
              metavar="KEY=VALUE", help="Glue format option, e.g. separator=';' (repeatable).")
@click.option("--database", help="With --table: write the schema to this table.")
@click.option("--table", help="The table to fill (created at PATH when missing).")
@output_option
@click.pass_context
def infer(ctx: click.Context, path: str, fmt: str | None, format_options: dict[str, str],
          database: str | None, table: str | None, output: str) -> None:  # fmt: skip
    """Infer the schema of a sample of the data at PATH (a file or a directory; key=value
    directories are partitions). The daemon reads the files: PATH is a path on its machine,
    or s3://bucket/key of a bucket in its [glue] s3_buckets.

    \b
    Examples:
      stoker catalog infer /data/orders --format csv
      stoker catalog infer s3://raw/orders/ --database sales --table orders
    """
    body = {"path": path, "format": fmt, "format_options": typed(format_options),
            "database": database, "table": table}  # fmt: skip

    def render(found: Json) -> str:
        lines = [f"{found['format']}, {found['files']} file(s) sampled",
                 f"columns: {_columns(found['columns'])}",
                 f"partition keys: {_columns(found['partition_keys'])}"]  # fmt: skip
        if found.get("table"):
            lines.append(f"wrote table {found['table']['database']}.{found['table']['name']}")
        return "\n".join(lines)

    emit(client_of(ctx).catalog_infer(body), output, render)


def _password(password: str | None, from_stdin: bool) -> str | None:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return password


@catalog_group.group("connections", cls=StokerGroup)
def connections() -> None:
    """Named JDBC connections; passwords are kept for runs and shown as '****'.

    \b
    Example:
      echo "$PW" | stoker catalog connections create pg --url jdbc:postgresql://db/sales \\
          --user etl --password-stdin
    """


@connections.command("create")
@click.argument("name")
@click.option("--url", required=True, help="JDBC URL, e.g. jdbc:postgresql://host:5432/db.")
@click.option("--user", help="User name.")
@click.option("--password", envvar="STOKER_CONNECTION_PASSWORD",
              help="Password (better: STOKER_CONNECTION_PASSWORD or --password-stdin).")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin.")
@click.option("--property", "properties", multiple=True, callback=pairs, metavar="KEY=VALUE",
              help="A JDBC property, e.g. ssl=true (repeatable).")
@click.option("--description", default="", help="Free text.")
@output_option
@click.pass_context
def connection_create(ctx: click.Context, name: str, url: str, user: str | None,
                      password: str | None, password_stdin: bool, properties: dict[str, str],
                      description: str, output: str) -> None:  # fmt: skip
    """Create a named JDBC connection.

    \b
    Example:
      STOKER_CONNECTION_PASSWORD=… stoker catalog connections create pg \\
          --url jdbc:postgresql://db:5432/sales --user etl
    """
    body = {"name": name, "url": url, "user": user, "properties": properties,
            "password": _password(password, password_stdin), "description": description}
    emit(client_of(ctx).catalog_create("connections", body), output, render_connection)


@connections.command("get")
@click.argument("name")
@output_option
@click.pass_context
def connection_get(ctx: click.Context, name: str, output: str) -> None:
    """Show a connection (password masked).

    \b
    Example:
      stoker catalog connections get pg
    """
    found = client_of(ctx).catalog_get(catalog_path("connections", name))
    emit(found, output, render_connection)


@connections.command("list")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True)
@output_option
@click.pass_context
def connection_list(ctx: click.Context, limit: int, output: str) -> None:
    """List connections by name.

    \b
    Example:
      stoker catalog connections list -o json
    """
    client = client_of(ctx)
    found = collect(lambda n, t: client.catalog_page("connections", n, t), "connections", limit)
    emit(found, output, render_connections)


@connections.command("delete")
@click.argument("name")
@click.pass_context
def connection_delete(ctx: click.Context, name: str) -> None:
    """Delete a connection (tables naming it stay, and fail to read until it exists again).

    \b
    Example:
      stoker catalog connections delete pg
    """
    client_of(ctx).catalog_delete(catalog_path("connections", name))
    click.echo(f"deleted connection {name}")


def table_body(file: str | None, flags: Json) -> Json:
    """A table definition from a JSON file, overlaid by the flags that were given."""
    import json

    body: Json = {}
    if file is not None:
        try:
            loaded = json.loads(read_text(file, "table file"))
        except ValueError as exc:
            raise click.BadParameter(f"{file}: not JSON: {exc}") from None
        if not isinstance(loaded, dict):
            raise click.BadParameter(f"{file}: a table definition is a JSON object")
        body.update(loaded)
    body.update({k: v for k, v in flags.items() if v not in (None, [], {})})
    return body
