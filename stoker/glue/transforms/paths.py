"""Glue's field paths: ``a.b.c``, back-ticked names with dots (```a.b`.c``), ``list[].x``."""
# ruff: noqa: N812 - pyspark's own F/T convention

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from stoker.errors import InvalidInput
from stoker.glue.transforms.errors import GlueNotSupported


def split_path(path: str) -> list[str]:
    """The segments of a Glue path; dots inside back-ticks belong to the name."""
    segments: list[str] = []
    current: list[str] = []
    quoted = False
    for char in path:
        if char == "`":
            quoted = not quoted
        elif char == "." and not quoted:
            segments.append("".join(current))
            current = []
        else:
            current.append(char)
    if quoted:
        raise InvalidInput(f"unbalanced back-tick in field path {path!r}", field="path", value=path)
    segments.append("".join(current))
    if any(not s for s in segments):
        raise InvalidInput(f"empty name in field path {path!r}", field="path", value=path)
    if any(s.endswith("[]") for s in segments):
        raise GlueNotSupported(f"array paths ({path!r}) are not supported by stoker's DynamicFrame")
    return segments


def quote(name: str) -> str:
    """A name Spark reads literally, whatever its characters."""
    return "`" + name.replace("`", "``") + "`"


def column_of(segments: list[str]) -> Column:
    """The column a path names."""
    column = F.col(quote(segments[0]))
    for segment in segments[1:]:
        column = column.getField(segment)
    return column


def canonical(schema: T.StructType, segments: list[str]) -> list[str] | None:
    """The path as the schema spells it (names match case-insensitively, as Spark's and
    Glue's do), or None when there is no such field."""
    current: T.DataType = schema
    names = []
    for segment in segments:
        if not isinstance(current, T.StructType):
            return None
        exact = {f.name: f for f in current.fields}
        loose = {f.name.lower(): f for f in current.fields}
        found = exact.get(segment) or loose.get(segment.lower())
        if found is None:
            return None
        names.append(found.name)
        current = found.dataType
    return names


def field_type(schema: T.StructType, segments: list[str]) -> T.StructField | None:
    """The field a path names in a schema, or None when there is none."""
    names = canonical(schema, segments)
    if names is None:
        return None
    current: T.DataType = schema
    found: T.StructField | None = None
    for name in names:
        assert isinstance(current, T.StructType)
        found = current[name]
        current = found.dataType
    return found


def require(df: DataFrame, path: str) -> list[str]:
    """The segments of ``path`` as ``df`` spells them; the field must exist."""
    names = canonical(df.schema, split_path(path))
    if names is None:
        raise InvalidInput(f"field {path!r} does not exist in the frame", field="path", value=path)
    return names


def replace_nested(df: DataFrame, segments: list[str], value: Column) -> DataFrame:
    """``df`` with the (possibly nested) field at ``segments`` replaced by ``value``."""
    if len(segments) == 1:
        return df.withColumn(segments[0], value)
    return df.withColumn(
        segments[0], F.col(quote(segments[0])).withField(".".join(map(quote, segments[1:])), value)
    )


def drop_nested(df: DataFrame, segments: list[str]) -> DataFrame:
    """``df`` without the (possibly nested) field at ``segments``."""
    if len(segments) == 1:
        return df.drop(segments[0])
    return df.withColumn(
        segments[0], F.col(quote(segments[0])).dropFields(".".join(map(quote, segments[1:])))
    )
