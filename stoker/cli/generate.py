"""`stoker jobs generate`: Glue's "Add job" with a generated script, through the daemon."""

from __future__ import annotations

from typing import Any

import click

from stoker.cli.catalog import pairs, typed
from stoker.cli.common import client_of
from stoker.cli.jobs import jobs_group
from stoker.cli.output import emit, output_option, table

Json = dict[str, Any]
_FORMATS = click.Choice(["csv", "json", "parquet", "glueparquet", "orc"])


def render_generated(found: Json) -> str:
    rows = [[m["source"], m["source_type"], m["target"], m["target_type"]]
            for m in found["mappings"]]  # fmt: skip
    mapping = table(["SOURCE", "TYPE", "TARGET", "TYPE"], rows)
    job = found.get("job")
    head = (f"created job {job['name']} (script {job['command']['script_location']})"
            if job else "dry run: no job created")  # fmt: skip
    return f"{head}\n\n{mapping}"


@jobs_group.command("generate")
@click.option("--name", required=True, help="The new job's name.")
@click.option("--source", required=True, metavar="SOURCE",
              help="catalog:DB.TABLE, connection:NAME/SCHEMA.TABLE or a path (s3://…, /dir).")
@click.option("--source-format", type=_FORMATS, help="A path source's format (else guessed).")
@click.option("--source-format-option", "source_options", multiple=True, callback=pairs,
              metavar="KEY=VALUE", help="Glue format option of a path source (repeatable).")
@click.option("--target", required=True, metavar="TARGET",
              help="catalog:DB.TABLE, connection:NAME/SCHEMA.TABLE or a path.")
@click.option("--target-format", type=_FORMATS, default="parquet", show_default=True,
              help="A path target's format.")
@click.option("--partition-key", "partition_keys", multiple=True,
              help="Partition a path target by this column (repeatable).")
@click.option("--mapping", "mappings", multiple=True, metavar="SRC:TYPE=DST:TYPE",
              help="Rename and/or retype (src:type=dst:type, src=dst), retype (src:type) or "
              "drop (src=) a column; others are kept (repeatable).")
@click.option("--executor", type=click.Choice(["pool", "isolated"]), default="pool",
              show_default=True, help="Where its runs execute.")
@click.option("--description", default="", help="Free text (default: source -> target).")
@click.option("--dry-run", is_flag=True, help="Show the mapping and script; create nothing.")
@click.option("--show-script", is_flag=True, help="Print the generated script too.")
@output_option
@click.pass_context
def generate(ctx: click.Context, /, source_options: dict[str, str], show_script: bool,
             output: str, **options: Any) -> None:  # fmt: skip
    """Create a job whose Glue-style script reads SOURCE, applies the column mapping and
    writes TARGET. The source's columns are inferred from a sample (or read from the
    catalog); each is kept unless a --mapping renames, retypes or drops it.

    \b
    Examples:
      stoker jobs generate --name orders-to-parquet --source s3://raw/orders/ \\
          --source-format csv --target s3://lake/orders/ --mapping id:bigint=order_id:long
      stoker jobs generate --name copy --source catalog:sales.orders \\
          --target connection:pg/public.orders --mapping note= --dry-run --show-script
    """
    body = {**options, "mappings": list(options["mappings"]),
            "partition_keys": list(options["partition_keys"]),
            "source_format_options": typed(source_options)}  # fmt: skip
    found = client_of(ctx).generate_job(body)

    def render(result: Json) -> str:
        shown = render_generated(result)
        return f"{shown}\n\n{result['script'].rstrip()}" if show_script else shown

    emit(found, output, render)
