"""Union of two frames, fields matched by name; a field whose types differ becomes a choice.

Glue's union does not cast one side to the other's type: a same-named field that is an
``int`` in one frame and a ``string`` in the other is a choice of both until
``resolveChoice``, each record filling the field of its own type. A side that already holds
a choice brings its types along. Types Glue names alike (two decimals, two structs) are left
to Spark's union by name, which merges them as one type.
"""
# ruff: noqa: N812 - pyspark's own F/T convention

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from stoker.glue.gluetypes import CHOICE_KEY, from_spark, is_choice
from stoker.glue.transforms.paths import quote


def union(first: DataFrame, second: DataFrame) -> DataFrame:
    """The records of both frames, fields matched by name (missing ones null)."""
    ours = {f.name: f for f in first.schema.fields}
    theirs = {f.name: f for f in second.schema.fields}
    choices: dict[str, dict[str, T.DataType]] = {}
    for name, field in ours.items():
        other = theirs.get(name)
        if other is None:
            continue
        mine, its = _variants(field), _variants(other)
        if mine and its and mine.keys() != its.keys():
            choices[name] = {k: (mine.get(k) or its[k]) for k in sorted({*mine, *its})}
    if not choices:
        return first.unionByName(second, allowMissingColumns=True)
    return _as_choices(first, choices).unionByName(
        _as_choices(second, choices), allowMissingColumns=True
    )


def _variants(field: T.StructField) -> dict[str, T.DataType]:
    """The field's types by Glue name: a choice's own, else its one type (none when null)."""
    if is_choice(field) and isinstance(field.dataType, T.StructType):
        return {f.name: f.dataType for f in field.dataType.fields}
    if isinstance(field.dataType, T.NullType):
        return {}  # an all-null field takes the other side's type, as in Glue
    return {from_spark(field.dataType).typeName(): field.dataType}


def _as_choices(df: DataFrame, choices: dict[str, dict[str, T.DataType]]) -> DataFrame:
    fields = {f.name: f for f in df.schema.fields}
    return df.select(*(
        _choice(fields[name], choices[name]) if name in choices else F.col(quote(name))
        for name in df.columns
    ))  # fmt: skip


def _choice(field: T.StructField, types: dict[str, T.DataType]) -> Column:
    """``field`` as the choice of ``types``: its value in the field of its own type."""
    value = F.col(quote(field.name))
    have = _variants(field)
    own = is_choice(field)
    parts = [
        (value.getField(name) if own else value).alias(name)
        if name in have
        else F.lit(None).cast(data_type).alias(name)
        for name, data_type in types.items()
    ]
    return F.struct(*parts).alias(field.name, metadata={CHOICE_KEY: True})
