"""Glue's field and row operations: drop, rename, unnest, split rows, null fields, join."""
# ruff: noqa: N812 - pyspark's own F/T convention

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from stoker.errors import InvalidInput
from stoker.glue.gluetypes import is_choice
from stoker.glue.transforms.errors import GlueNotSupported
from stoker.glue.transforms.paths import (
    canonical,
    column_of,
    drop_nested,
    quote,
    replace_nested,
    require,
    split_path,
)

_COMPARATORS: dict[str, Callable[[Column, Any], Column]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "=": operator.eq,
    "==": operator.eq,
    "!=": operator.ne,
}


def drop_fields(df: DataFrame, paths: Sequence[str]) -> DataFrame:
    """``df`` without the fields at ``paths``; paths that do not exist are ignored."""
    for path in paths:
        segments = canonical(df.schema, split_path(path))
        if segments is not None:
            df = drop_nested(df, segments)
    return df


def rename_field(df: DataFrame, old: str, new: str) -> DataFrame:
    """``df`` with the field at path ``old`` moved to path ``new``."""
    source = require(df, old)
    target = split_path(new)
    if len(source) == len(target) == 1:
        return df.withColumnRenamed(source[0], target[0])
    if source[:-1] == target[:-1]:
        moved = replace_nested(df, target, column_of(source))
        return drop_nested(moved, source)
    value = column_of(source)
    return replace_nested(
        drop_nested(df.withColumn("__stoker_moved", value), source), target, F.col("__stoker_moved")
    ).drop("__stoker_moved")


def unnest(df: DataFrame) -> DataFrame:
    """Nested struct fields as top-level fields named by their dotted path (``a.b.c``)."""
    return df.select(*_flat(df.schema, []))


def _flat(schema: T.StructType, prefix: list[str]) -> list[Column]:
    columns = []
    for field in schema.fields:
        path = [*prefix, field.name]
        if isinstance(field.dataType, T.StructType) and not is_choice(field):
            columns.extend(_flat(field.dataType, path))
        else:
            columns.append(column_of(path).alias(".".join(path)))
    return columns


def split_condition(df: DataFrame, comparisons: Mapping[str, Mapping[str, Any]]) -> Column:
    """The rows Glue's split_rows splits off: every comparison holds (null never does)."""
    condition = F.lit(True)
    for path, tests in comparisons.items():
        value = column_of(require(df, path))
        for symbol, operand in tests.items():
            compare = _COMPARATORS.get(symbol)
            if compare is None:
                raise InvalidInput(
                    f"split_rows: unknown comparator {symbol!r} (use {', '.join(_COMPARATORS)})",
                    field="comparison_dict",
                )
            condition = condition & compare(value, F.lit(operand))
    return F.coalesce(condition, F.lit(False))


def null_fields(df: DataFrame) -> list[str]:
    """The top-level fields that are null in every record (or typed null)."""
    candidates = [f.name for f in df.schema.fields if not isinstance(f.dataType, T.NullType)]
    typed_null = [f.name for f in df.schema.fields if isinstance(f.dataType, T.NullType)]
    if not candidates:
        return typed_null
    row = df.select([F.count(F.col(quote(n))).alias(n) for n in candidates]).first()
    empty = {n for n in candidates if row is None or row[n] == 0}
    return [f.name for f in df.schema.fields if f.name in empty or f.name in typed_null]


def join(
    left: DataFrame, keys1: Sequence[str], right: DataFrame, keys2: Sequence[str]
) -> DataFrame:
    """Glue's equality join: every field of both frames, equal-named keys once."""
    if len(keys1) != len(keys2) or not keys1:
        raise InvalidInput("join needs as many keys in paths1 as in paths2", field="paths2")
    if list(keys1) == list(keys2) and all("." not in k for k in keys1):
        shared = (set(left.columns) & set(right.columns)) - set(keys1)
        _no_clash(shared)
        return left.join(right, on=list(keys1), how="inner")
    _no_clash(set(left.columns) & set(right.columns))
    condition = F.lit(True)
    for k1, k2 in zip(keys1, keys2, strict=True):
        condition = condition & (_side(left, k1) == _side(right, k2))
    return left.join(right, on=condition, how="inner")


def _side(df: DataFrame, path: str) -> Column:
    """A key of one side of a join, bound to that side (nested paths too)."""
    segments = require(df, path)
    column = df[quote(segments[0])]
    for segment in segments[1:]:
        column = column.getField(segment)
    return column


def _no_clash(shared: set[str]) -> None:
    if shared:
        raise InvalidInput(
            f"join: both frames have the fields {sorted(shared)}; rename or drop them first",
            field="frame2",
        )


def unbox_json(df: DataFrame, path: str, fmt: str) -> DataFrame:
    """``df`` with the JSON text at ``path`` parsed, its schema read from every value."""
    if fmt.lower() != "json":
        raise GlueNotSupported(f"unbox format {fmt!r} is not supported (only json)")
    segments = require(df, path)
    texts = df.select(column_of(segments).alias("v")).where(F.col("v").isNotNull())
    schema = df.sparkSession.read.json(texts.rdd.map(lambda r: r[0])).schema
    return replace_nested(df, segments, F.from_json(column_of(segments), schema))


def json_lines(df: DataFrame, limit: int) -> list[str]:
    """The first records as JSON lines, a choice showing its one value (Glue's ``show``)."""
    plain = [
        F.coalesce(
            *[F.col(quote(f.name)).getField(p).cast("string") for p in f.dataType.names]
        ).alias(f.name)
        if is_choice(f) and isinstance(f.dataType, T.StructType)
        else F.col(quote(f.name))
        for f in df.schema.fields
    ]
    return [row[0] for row in df.select(F.to_json(F.struct(*plain))).take(limit)]
