"""Glue's writers: ``write_dynamic_frame`` (from_options, from_catalog, from_jdbc_conf) and
``getSink``, with Glue's append semantics and catalog updates.

Glue's sinks append (a run never replaces earlier output). A write with
``enableUpdateCatalog`` records the table (``upsert_table``) and the partitions it wrote
(``add_partitions``) in the run's catalog updates file, which the daemon applies.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from stoker.glue import connections as conn
from stoker.glue.errors import InvalidInputException, NotSupported
from stoker.glue.formats import require_source, write_format

UPDATE_BEHAVIORS = ("UPDATE_IN_DATABASE", "LOG")
_CATALOG_OPTIONS = frozenset({"partitionKeys", "enableUpdateCatalog", "updateBehavior"})


def to_df(call: str, frame: Any) -> Any:
    """The DataFrame of a DynamicFrame (or of a DataFrame, which write_data_frame takes)."""
    if hasattr(frame, "toDF"):
        return frame.toDF()
    if hasattr(frame, "write"):
        return frame
    raise InvalidInputException(f"{call}: frame must be a DynamicFrame, not {type(frame).__name__}")


def write(
    glue: Any, call: str, df: Any, ctype: str, options: Mapping[str, Any], fmt: str | None,
    format_options: Mapping[str, Any],
) -> conn.Connection:  # fmt: skip
    """Append ``df`` where ``connection_type``/``connection_options`` say; what it wrote to."""
    target = conn.resolve(call, ctype, options, glue.run_context)
    if isinstance(target, conn.Jdbc):
        writer = df.write.format("jdbc").mode("append").options(**target.properties)
        writer.option("url", target.url).option("dbtable", target.table).save()
        return target
    if isinstance(target, conn.Custom):
        df.write.format(target.class_name).mode("append").options(**target.options).save()
        return target
    if len(target.paths) != 1:
        raise InvalidInputException(f"{call}: an s3 sink takes one 'path'")
    spec = write_format(call, fmt, format_options)
    require_source(call, glue.spark_session, spec.spark)
    writer = df.write.format(spec.spark).mode("append").options(**spec.options)
    if target.compression:
        writer = writer.option("compression", target.compression)
    if target.partition_keys:
        writer = writer.partitionBy(*target.partition_keys)
    writer.save(target.paths[0])
    return target


def write_catalog(
    glue: Any, call: str, df: Any, database: str, table_name: str,
    additional_options: Mapping[str, Any],
) -> None:  # fmt: skip
    """Append to a catalog table's location in its format (or its JDBC table)."""
    table = glue.run_context.table(database, table_name)
    extra = dict(additional_options)
    if table.get("connection"):
        _only(call, extra, _CATALOG_OPTIONS)
        options = {"connectionName": table["connection"],
                   "dbtable": table.get("jdbc_table") or table_name}  # fmt: skip
        write(glue, call, df, "jdbc", options, None, {})
        return
    _only(call, extra, _CATALOG_OPTIONS)
    declared = [p["name"] for p in table.get("partition_keys") or []]
    keys = list(extra.get("partitionKeys") or declared)
    location = table.get("location")
    if not location:
        raise InvalidInputException(f"{call}: table {database}.{table_name} has no location")
    options = {"path": location, "partitionKeys": keys}
    write(glue, call, df, "s3", options, table.get("format"), table.get("format_options") or {})
    if _flag(extra.get("enableUpdateCatalog")):
        record_update(
            glue, df, database, table_name, location=location, fmt=table.get("format"),
            keys=keys, behavior=extra.get("updateBehavior"),
        )  # fmt: skip


def record_update(
    glue: Any, df: Any, database: str, table: str, *, location: str, fmt: str | None,
    keys: Sequence[str], behavior: Any,
) -> None:  # fmt: skip
    """The catalog lines for a write: the table (unless LOG) and the partitions written."""
    mode = str(behavior or "UPDATE_IN_DATABASE")
    if mode not in UPDATE_BEHAVIORS:
        raise InvalidInputException(f"updateBehavior {mode!r} is not one of {UPDATE_BEHAVIORS}")
    schema = {f.name: f.dataType.simpleString() for f in df.schema.fields}
    columns = [{"name": n, "type": t} for n, t in schema.items() if n not in keys]
    partition_keys = [{"name": k, "type": schema.get(k, "string")} for k in keys]
    if mode == "UPDATE_IN_DATABASE":
        glue.run_context.record({
            "op": "upsert_table", "database": database, "table": table, "location": location,
            "format": fmt or "parquet", "columns": columns, "partition_keys": partition_keys,
        })  # fmt: skip
    if keys:
        values = [[str(row[k]) for k in keys] for row in df.select(*keys).distinct().collect()]
        root = location.rstrip("/")
        glue.run_context.record({
            "op": "add_partitions", "database": database, "table": table,
            "partitions": [{"values": v, "location": root + "/" + "/".join(
                f"{k}={x}" for k, x in zip(keys, v, strict=True))} for v in sorted(values)],
        })  # fmt: skip


def _only(call: str, options: Mapping[str, Any], allowed: set[str] | frozenset[str]) -> None:
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise NotSupported(call, "additional_options " + ", ".join(map(repr, unknown)))


def _flag(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value).lower() == "true"


class DataSink:
    """``glueContext.getSink(...)``: a sink set up by setFormat/setCatalogInfo, then
    ``writeFrame``."""

    def __init__(self, glue: Any, connection_type: str, options: Mapping[str, Any]) -> None:
        self._glue = glue
        self._type = connection_type
        opts = dict(options)
        self._update = _flag(opts.pop("enableUpdateCatalog", False))
        self._behavior = opts.pop("updateBehavior", None)
        opts.pop("transformation_ctx", None)
        self._options = opts
        self._format: str | None = None
        self._format_options: dict[str, Any] = {}
        self._catalog: tuple[str, str] | None = None

    def setFormat(self, format: str, **options: Any) -> None:  # noqa: N802 - Glue's names
        self._format = format
        self._format_options = options

    def setCatalogInfo(  # noqa: N802 - Glue's name
        self, catalogDatabase: str, catalogTableName: str, catalogId: str | None = None  # noqa: N803
    ) -> None:
        self._catalog = (catalogDatabase, catalogTableName)

    def writeFrame(self, dynamic_frame: Any, info: str = "") -> Any:  # noqa: N802 - Glue's name
        call = "DataSink.writeFrame"
        df = to_df(call, dynamic_frame)
        target = write(self._glue, call, df, self._type, self._options, self._format,
                       self._format_options)  # fmt: skip
        if self._update:
            if self._catalog is None or not isinstance(target, conn.Files):
                raise InvalidInputException(
                    f"{call}: enableUpdateCatalog needs setCatalogInfo and an s3 path"
                )
            location = self._options.get("path") or target.paths[0]
            record_update(
                self._glue, df, *self._catalog, location=str(location), fmt=self._format,
                keys=target.partition_keys, behavior=self._behavior,
            )  # fmt: skip
        return dynamic_frame

    def write(self, dynamic_frame: Any) -> Any:
        return self.writeFrame(dynamic_frame)
