"""Glue's readers: ``create_dynamic_frame`` and ``create_data_frame`` (from_options,
from_catalog), over the bookmark-aware sources of :mod:`stoker.job`.

A source given a ``transformation_ctx`` reads, with ``job-bookmark-enable`` after
``Job.init``, only what the job's committed runs have not processed: files by
modification time, JDBC rows past ``jobBookmarkKeys``. CSV is read as text and typed by
:func:`stoker.glue.choice.typed_frame` (choice types), as Glue's CSV reader does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import reduce
from typing import Any

from stoker.glue import connections as conn
from stoker.glue.choice import typed_frame
from stoker.glue.dynamicframe import DynamicFrame
from stoker.glue.errors import InvalidInputException, NotSupported
from stoker.glue.formats import read_format, require_source


def read(
    glue: Any, call: str, ctype: str, options: Mapping[str, Any], fmt: str | None,
    format_options: Mapping[str, Any], ctx: str | None, *, recurse: bool = False,
) -> tuple[Any, bool]:  # fmt: skip
    """(a DataFrame, whether it is CSV text still to be typed)."""
    target = conn.resolve(call, ctype, options, glue.run_context, recurse=recurse)
    job = glue.job_context()
    name = ctx or None
    if isinstance(target, conn.Jdbc):
        frame = job.jdbc(target.url, target.table, keys=target.keys, sort_order=target.order,
                         transformation_ctx=name, properties=target.properties)  # fmt: skip
        return frame, False
    if isinstance(target, conn.Custom):
        reader = glue.spark_session.read.format(target.class_name)
        return reader.options(**target.options).load(), False
    attach, json_path = format_options.get("attachFilename"), format_options.get("jsonPath")
    spec = read_format(call, fmt, {k: v for k, v in format_options.items()
                                   if k not in ("attachFilename", "jsonPath")})  # fmt: skip
    if json_path is not None and spec.spark != "json":
        raise NotSupported(call, f"format option 'jsonPath' for {spec.spark}")
    require_source(call, glue.spark_session, spec.spark)
    frames = []
    for i, path in enumerate(target.paths):
        source_ctx = name if name is None or i == 0 else f"{name}.{i}"
        frames.append(job.files(
            path, spec.spark, transformation_ctx=source_ctx, options=spec.options,
            recurse=target.recurse, exclude=target.exclusions, **_limits(target.limits),
        ))  # fmt: skip
    frame = reduce(lambda a, b: a.unionByName(b, allowMissingColumns=True), frames)
    if spec.spark == "csv" and spec.options.get("header") != "true":
        # Glue names header-less CSV columns col0, col1, …; Spark says _c0, _c1, …
        frame = frame.toDF(*(f"col{i}" for i in range(len(frame.columns))))
    if json_path is not None:
        frame = _json_path(call, frame, str(json_path))
    if attach:
        frame = frame.withColumn(str(attach), _source_file(glue.run_context.s3))
    return frame, spec.spark == "csv"


_JSON_PATH = re.compile(r"\$((?:\.[A-Za-z_]\w*)*)(\[\*\])?")


def _json_path(call: str, frame: Any, json_path: str) -> Any:
    """The records Glue's ``jsonPath`` picks: ``$`` or ``$[*]`` the documents themselves
    (Spark already reads a top-level array as one record an element), ``$.a.b`` the
    fields of that object, ``$.a.b[*]`` the elements of that array."""
    from pyspark.sql import functions as F  # noqa: N812 - pyspark's own convention

    match = _JSON_PATH.fullmatch(json_path.strip())
    if match is None:
        raise NotSupported(call, f"jsonPath {json_path!r}",
                           "supported: $, $[*], $.a.b and $.a.b[*]")  # fmt: skip
    path = match.group(1).lstrip(".")
    if not path:
        return frame
    column = F.col(".".join(f"`{p}`" for p in path.split(".")))
    if match.group(2):
        return frame.select(F.explode(column).alias("record")).select("record.*")
    return frame.select(column.alias("record")).select("record.*")


def _source_file(buckets: Mapping[str, str]) -> Any:
    """Each record's file (Glue's ``attachFilename``), as ``s3://bucket/key`` when it is
    under a mapped bucket, so the column reads as it does in Glue."""
    from pyspark.sql import functions as F  # noqa: N812 - pyspark's own convention

    column = F.input_file_name()
    for bucket, root in buckets.items():
        local = root.startswith("/")
        prefix = "^(file:(//)?)?" if local else "^"
        column = F.regexp_replace(column, prefix + r"\Q" + root.rstrip("/") + r"\E",
                                  f"s3://{bucket}")  # fmt: skip
    return column


def _limits(limits: Mapping[str, int]) -> dict[str, int]:
    names = {"band_ms": "max_band_ms", "max_files_in_band": "max_files_in_band",
             "bounded_files": "bounded_files"}  # fmt: skip
    return {names[k]: v for k, v in limits.items()}


def dynamic(glue: Any, frame: Any, csv_text: bool, name: str) -> DynamicFrame:
    if csv_text:
        return typed_frame(frame, glue, name)
    return DynamicFrame.fromDF(frame, glue, name)


def catalog_read(
    glue: Any, call: str, database: str | None, table_name: str | None, *,
    ctx: str | None, push_down_predicate: str, additional_options: Mapping[str, Any],
) -> tuple[Any, bool]:  # fmt: skip
    """A catalog table's frame: its location and format, or its JDBC connection and table."""
    db, name = check_names(call, database, table_name)
    table = glue.run_context.table(db, name)
    if table.get("connection"):
        options = {"connectionName": table["connection"],
                   "dbtable": table.get("jdbc_table") or name, **additional_options}  # fmt: skip
        return read(glue, call, "jdbc", options, None, {}, ctx)
    location = table.get("location")
    if not location:
        raise InvalidInputException(f"{call}: table {db}.{name} has no location or connection")
    extra = dict(additional_options)
    # Glue evaluates catalogPartitionPredicate in the catalog's partition index; over
    # key=value directories it prunes the same partitions as push_down_predicate.
    predicates = [p for p in (push_down_predicate, extra.pop("catalogPartitionPredicate", ""))
                  if p]  # fmt: skip
    options = {"paths": [location], **_file_options(call, extra)}
    frame, csv_text = _table_files(glue, call, table, options, ctx)
    for predicate in predicates:
        frame = frame.where(predicate)  # Spark prunes partitions by it
    return frame, csv_text


def _table_files(
    glue: Any, call: str, table: Mapping[str, Any], options: dict[str, Any], ctx: str | None
) -> tuple[Any, bool]:
    """A file table's frame: partition columns from its key=value directories, CSV columns
    named and typed by the catalog's schema when it has one."""
    spec = read_format(call, table.get("format"), table.get("format_options") or {})
    require_source(call, glue.spark_session, spec.spark)
    target = conn.resolve(call, "s3", options, glue.run_context, recurse=True)
    assert isinstance(target, conn.Files)
    partitions = list(table.get("partition_keys") or [])
    reader_options = dict(spec.options)
    if partitions:
        reader_options["basePath"] = target.paths[0]
    frame = glue.job_context().files(
        target.paths[0], spec.spark, transformation_ctx=ctx or None, options=reader_options,
        recurse=True, exclude=target.exclusions, **_limits(target.limits),
    )  # fmt: skip
    columns = list(table.get("columns") or [])
    if spec.spark != "csv" or not columns:
        return frame, spec.spark == "csv"
    if spec.options.get("header") != "true":
        data = [c for c in frame.columns if c not in {p["name"] for p in partitions}]
        frame = frame.toDF(*[columns[i]["name"] if i < len(columns) else c
                             for i, c in enumerate(data)], *frame.columns[len(data):])  # fmt: skip
    return _cast(frame, [*columns, *partitions]), False


def _cast(frame: Any, columns: list[Mapping[str, str]]) -> Any:
    """Text columns as the catalog's types (a value that does not convert becomes null)."""
    from pyspark.sql import functions as F  # noqa: N812 - pyspark's own convention

    present = set(frame.columns)
    return frame.select(*(
        F.expr(f"try_cast(`{c['name']}` AS {c.get('type') or 'string'})").alias(c["name"])
        for c in columns if c["name"] in present
    ))  # fmt: skip


def _file_options(call: str, options: Mapping[str, Any]) -> dict[str, Any]:
    allowed = {"maxBand", "maxFilesInBand", "boundedFiles", "boundedSize", "groupFiles",
               "groupSize", "recurse", "useS3ListImplementation", "isFailFast",
               "excludeStorageClasses", "exclusions"}  # fmt: skip
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise NotSupported(call, "additional_options " + ", ".join(map(repr, unknown)))
    return dict(options)


def check_names(call: str, database: str | None, table_name: str | None) -> tuple[str, str]:
    """Glue's argument errors for catalog calls."""
    if not database:
        raise InvalidInputException("Parameter database is missing.")
    if not table_name:
        raise InvalidInputException("Parameter table_name is missing.")
    return database, table_name
