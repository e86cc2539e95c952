"""Parquet and ORC schemas read from the files' footers, typed as Spark names them.

Both formats carry their schema, so nothing is sampled: pyarrow reads each sampled file's
footer in the daemon's process (milliseconds, no JVM) and the schemas are unified, as a
crawler merges the files of one table. Types are rendered in Spark's ``simpleString``
spelling, the catalog's (``bigint``, ``array<int>``, ``struct<a:string>``).
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pyarrow.types as t
from pyarrow import orc

from stoker.domain.datacatalog import Column
from stoker.errors import InvalidInput

_SIMPLE = (
    (t.is_boolean, "boolean"), (t.is_int8, "tinyint"), (t.is_int16, "smallint"),
    (t.is_int32, "int"), (t.is_int64, "bigint"), (t.is_uint8, "smallint"),
    (t.is_uint16, "int"), (t.is_uint32, "bigint"), (t.is_uint64, "decimal(20,0)"),
    (t.is_float16, "float"), (t.is_float32, "float"), (t.is_float64, "double"),
    (t.is_string, "string"), (t.is_large_string, "string"), (t.is_binary, "binary"),
    (t.is_large_binary, "binary"), (t.is_fixed_size_binary, "binary"), (t.is_date, "date"),
    # With or without a zone: Hive's and Glue's catalogs have one timestamp type, and Spark's
    # default INT96 and ORC timestamps carry no zone in the footer.
    (t.is_timestamp, "timestamp"), (t.is_null, "void"),
)  # fmt: skip


def columnar_columns(files: list[Path], fmt: str) -> list[Column]:
    """The unified schema of ``files`` (``parquet`` or ``orc``) as catalog columns."""
    schemas = [_schema(path, fmt) for path in files]
    try:
        schema = pa.unify_schemas(schemas)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise InvalidInput(f"the {fmt} files under {files[0].parent} disagree on their "
                           f"schema: {exc}", field="path") from None  # fmt: skip
    return [Column(field.name, spark_type(field.type, field.name)) for field in schema]


def _schema(path: Path, fmt: str) -> pa.Schema:
    try:
        if fmt == "orc":
            return orc.ORCFile(str(path)).schema
        return pq.read_schema(str(path))
    except (OSError, pa.ArrowException) as exc:
        raise InvalidInput(f"{path} is not a readable {fmt} file: {exc}", field="path") from None


def spark_type(kind: pa.DataType, column: str) -> str:
    """``kind`` in Spark's spelling; a type Spark cannot read is refused, naming ``column``."""
    for test, name in _SIMPLE:
        if test(kind):
            return name
    if t.is_dictionary(kind):
        return spark_type(kind.value_type, column)
    if t.is_decimal(kind):
        return f"decimal({kind.precision},{kind.scale})"
    nested = _nested(kind, column)
    if nested is None:
        raise InvalidInput(f"column {column!r} has type {kind}, which Spark cannot read",
                           field="path")  # fmt: skip
    return nested


def _nested(kind: pa.DataType, column: str) -> str | None:
    if t.is_list(kind) or t.is_large_list(kind) or t.is_fixed_size_list(kind):
        return f"array<{spark_type(kind.value_type, column)}>"
    if t.is_map(kind):
        key, value = spark_type(kind.key_type, column), spark_type(kind.item_type, column)
        return f"map<{key},{value}>"
    if t.is_struct(kind):
        fields = ",".join(f"{f.name}:{spark_type(f.type, column)}" for f in kind)
        return f"struct<{fields}>"
    return None
