"""`stoker catalog tables …`: a database's tables and their partitions."""

from __future__ import annotations

from typing import Any

import click

from stoker.cli.catalog import (
    catalog_group,
    column_list,
    pairs,
    render_table,
    render_tables,
    table_body,
    typed,
)
from stoker.cli.client import catalog_path, collect
from stoker.cli.common import StokerGroup, client_of
from stoker.cli.output import emit, output_option, table

Json = dict[str, Any]


@catalog_group.group("tables", cls=StokerGroup)
def tables() -> None:
    """Tables of a database (Glue CreateTable, GetTable, GetTables, DeleteTable).

    \b
    Example:
      stoker catalog tables create sales orders --location s3://raw/orders/ --format csv \\
          --column id:bigint --column item:string --partition-key day:string
    """


@tables.command("create")
@click.argument("database")
@click.argument("name")
@click.option("-f", "--file", "file", type=click.Path(dir_okay=False),
              help="Table definition (JSON, the API's fields); flags override it.")
@click.option("--location", help="Where the data is: a path or URI (s3://bucket/key).")
@click.option("--connection", help="Or: a named JDBC connection ...")
@click.option("--jdbc-table", help="... and the table it holds, e.g. public.orders.")
@click.option("--format", "fmt", help="csv, json, parquet, glueparquet, orc, avro or xml.")
@click.option("--format-option", "format_options", multiple=True, callback=pairs,
              metavar="KEY=VALUE", help="Glue format option, e.g. withHeader=true (repeatable).")
@click.option("--column", "columns", multiple=True, callback=column_list, metavar="NAME:TYPE",
              help="A column, e.g. id:bigint (repeatable, in order).")
@click.option("--partition-key", "partition_keys", multiple=True, callback=column_list,
              metavar="NAME:TYPE", help="A partition key (repeatable, in order).")
@click.option("--param", "parameters", multiple=True, callback=pairs, metavar="KEY=VALUE",
              help="A table parameter (repeatable).")
@click.option("--replace", is_flag=True, help="Replace the table if it exists.")
@output_option
@click.pass_context
def table_create(ctx: click.Context, /, database: str, name: str, file: str | None,
                 fmt: str | None, format_options: dict[str, str], replace: bool, output: str,
                 **flags: Any) -> None:  # fmt: skip
    """Create a table (or, with --replace, create or replace it).

    \b
    Examples:
      stoker catalog tables create sales orders --location /data/orders --format parquet
      stoker catalog tables create sales customers --connection pg --jdbc-table public.customers
    """
    body = table_body(file, {**flags, "format": fmt, "format_options": typed(format_options)})
    client = client_of(ctx)
    if replace:
        body.pop("name", None)
        path = catalog_path("databases", database, "tables", name)
        written = client.catalog_put(path, body)
    else:
        written = client.catalog_create(catalog_path("databases", database, "tables"),
                                        {**body, "name": name})  # fmt: skip
    emit(written, output, render_table)


@tables.command("get")
@click.argument("database")
@click.argument("name")
@click.option("--partitions", is_flag=True, help="Also list its partitions.")
@output_option
@click.pass_context
def table_get(ctx: click.Context, database: str, name: str, partitions: bool,
              output: str) -> None:  # fmt: skip
    """Show a table, its schema and (with --partitions) its partitions.

    \b
    Example:
      stoker catalog tables get sales orders --partitions
    """
    client = client_of(ctx)
    path = catalog_path("databases", database, "tables", name)
    found = client.catalog_get(path)
    if not partitions:
        emit(found, output, render_table)
        return
    found["partitions"] = collect(
        lambda n, t: client.catalog_page(f"{path}/partitions", n, t), "partitions", 100_000)

    def render(t: Json) -> str:
        rows = [["/".join(p["values"]), p.get("location") or "-"] for p in t["partitions"]]
        listed = table(["VALUES", "LOCATION"], rows) if rows else "no partitions"
        return f"{render_table(t)}\n\n{listed}"

    emit(found, output, render)


@tables.command("list")
@click.argument("database")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True)
@output_option
@click.pass_context
def table_list(ctx: click.Context, database: str, limit: int, output: str) -> None:
    """List a database's tables by name.

    \b
    Example:
      stoker catalog tables list sales
    """
    client = client_of(ctx)
    path = catalog_path("databases", database, "tables")
    emit(collect(lambda n, t: client.catalog_page(path, n, t), "tables", limit), output,
         render_tables)  # fmt: skip


@tables.command("delete")
@click.argument("database")
@click.argument("name")
@click.pass_context
def table_delete(ctx: click.Context, database: str, name: str) -> None:
    """Delete a table and its partitions (its data stays where it is).

    \b
    Example:
      stoker catalog tables delete sales orders
    """
    client_of(ctx).catalog_delete(catalog_path("databases", database, "tables", name))
    click.echo(f"deleted table {database.lower()}.{name.lower()}")
