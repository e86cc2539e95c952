"""Choice types: a column whose values disagree in type stays a choice until resolved.

A choice is held as a Spark struct column with one field per type, named by Glue's type
name (``int``, ``string``...), each row filling the field of its own value's type, and the
``glue.choice`` metadata flag on the column. ``printSchema`` shows it as Glue's ``choice``;
``toDF()`` hands it over as that struct, which is what Glue's ``make_struct`` gives.
"""
# ruff: noqa: N812 - pyspark's own F/T convention

from __future__ import annotations

from typing import Any

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from stoker.glue.dynamicframe import DynamicFrame
from stoker.glue.gluetypes import CHOICE_KEY
from stoker.glue.transforms.paths import quote

_INT = r"^\s*[+-]?\d+\s*$"
_DOUBLE = r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$"
_BOOLEAN = r"(?i)^\s*(true|false)\s*$"
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
#: Numbers widen rather than becoming a choice among themselves: int < long < double.
_NUMERIC = ("int", "long", "double")
_SPARK = {
    "boolean": T.BooleanType(),
    "int": T.IntegerType(),
    "long": T.LongType(),
    "double": T.DoubleType(),
    "string": T.StringType(),
}


def typed_frame(raw: DataFrame, glue_ctx: Any, name: str) -> DynamicFrame:
    """A DynamicFrame from text columns as read (CSV), each typed from its values.

    A column whose values are all one type gets that type; one whose values disagree is a
    choice of the types seen, as Glue's CSV reader gives. Empty values count as null.
    One aggregation pass over the data finds the kinds each column holds.
    """
    text = [f.name for f in raw.schema.fields if isinstance(f.dataType, T.StringType)]
    if not text:
        return DynamicFrame.fromDF(raw, glue_ctx, name)
    row = raw.select([F.collect_set(_kind(F.col(quote(c)))).alias(c) for c in text]).first()
    kinds = {c: set(row[c]) if row else set() for c in text}
    columns = [
        _typed(F.col(quote(f.name)), f.name, kinds[f.name])
        if f.name in kinds
        else F.col(quote(f.name))
        for f in raw.schema.fields
    ]
    return DynamicFrame.fromDF(raw.select(columns), glue_ctx, name)


def _kind(value: Column) -> Column:
    """The kind of one text value: boolean, int, long, double, string; null when empty."""
    as_long = F.trim(value).try_cast(T.LongType())
    return (
        F.when(value.isNull() | (F.trim(value) == ""), F.lit(None))
        .when(value.rlike(_INT) & as_long.between(_INT_MIN, _INT_MAX), F.lit("int"))
        .when(value.rlike(_INT) & as_long.isNotNull(), F.lit("long"))
        .when(value.rlike(_DOUBLE), F.lit("double"))
        .when(value.rlike(_BOOLEAN), F.lit("boolean"))
        .otherwise(F.lit("string"))
    )


def _typed(value: Column, name: str, kinds: set[str]) -> Column:
    numeric = [k for k in _NUMERIC if k in kinds]
    target = {k: (numeric[-1] if k in _NUMERIC else k) for k in kinds}
    types = sorted(set(target.values())) or ["string"]
    if len(types) == 1:
        return _convert(value, types[0]).alias(name)
    kind = _kind(value)
    fields = [
        F.when(
            kind.isin([k for k, t in target.items() if t == type_name]), _convert(value, type_name)
        ).alias(type_name)
        for type_name in types
    ]
    return F.struct(*fields).alias(name, metadata={CHOICE_KEY: True})


def _convert(value: Column, type_name: str) -> Column:
    if type_name == "string":
        return value
    if type_name == "boolean":
        return F.lower(F.trim(value)).try_cast(T.BooleanType())
    return F.trim(value).try_cast(_SPARK[type_name])
