"""The schema of records a Python function returned: their shapes, merged, then Spark types.

A shape is a small picklable tree (``"int"``, ``("struct", ((name, shape), ...))``,
``("array", shape)``, ``("choice", names)``) so executors compute and merge them. Fields keep
the input's type where the values still fit it; scalars that disagree become a Glue choice.
"""
# ruff: noqa: N812 - pyspark's own F/T convention

from __future__ import annotations

import datetime
import decimal
from typing import Any

from pyspark.sql import types as T

from stoker.glue.gluetypes import CHOICE_KEY, from_spark, is_choice

Shape = Any

_SCALARS: tuple[tuple[type, str], ...] = (
    (bool, "bool"),
    (int, "int"),
    (float, "float"),
    (str, "str"),
    (decimal.Decimal, "decimal"),
    (datetime.datetime, "timestamp"),
    (datetime.date, "date"),
    (bytes, "bytes"),
    (bytearray, "bytes"),
)
_DEFAULT: dict[str, T.DataType] = {
    "bool": T.BooleanType(),
    "int": T.LongType(),
    "float": T.DoubleType(),
    "str": T.StringType(),
    "decimal": T.DecimalType(38, 18),
    "timestamp": T.TimestampType(),
    "date": T.DateType(),
    "bytes": T.BinaryType(),
    "null": T.NullType(),
}
_FITS: dict[str, tuple[type[T.DataType], ...]] = {
    "bool": (T.BooleanType,),
    "int": (T.IntegerType, T.LongType, T.ShortType, T.ByteType),
    "float": (T.DoubleType, T.FloatType),
    "str": (T.StringType,),
    "decimal": (T.DecimalType,),
    "timestamp": (T.TimestampType, T.TimestampNTZType),
    "date": (T.DateType,),
    "bytes": (T.BinaryType,),
}
_INT_RANGE = {T.IntegerType: 2**31, T.ShortType: 2**15, T.ByteType: 2**7}


def signature(value: Any) -> Shape:
    """The shape of one value."""
    if value is None:
        return "null"
    if isinstance(value, dict):
        return ("struct", tuple((str(k), signature(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        element: Shape = "null"
        for item in value:
            element = merge(element, signature(item))
        return ("array", element)
    return next((name for kind, name in _SCALARS if isinstance(value, kind)), "str")


def merge(a: Shape, b: Shape) -> Shape:
    """The shape both values fit."""
    if a is None or a == "null":
        return b
    if b is None or b in ("null", a):
        return a
    if isinstance(a, tuple) and isinstance(b, tuple) and a[0] == b[0] == "struct":
        fields = dict(a[1])
        for name, shape in b[1]:
            fields[name] = merge(fields.get(name, "null"), shape)
        return ("struct", tuple(fields.items()))
    if isinstance(a, tuple) and isinstance(b, tuple) and a[0] == b[0] == "array":
        return ("array", merge(a[1], b[1]))
    if {a, b} == {"int", "float"}:
        return "float"
    return ("choice", tuple(sorted(_scalars(a) | _scalars(b))))


def _scalars(shape: Shape) -> set[str]:
    if isinstance(shape, tuple):
        return set(shape[1]) if shape[0] == "choice" else {"str"}
    return {shape}


def infer_schema(shape: Shape, hint: T.StructType) -> T.StructType:
    """The Spark schema of records of ``shape``; ``hint`` is the input frame's schema."""
    if shape is None:
        return hint
    if not (isinstance(shape, tuple) and shape[0] == "struct"):
        return T.StructType([])
    return _struct(shape, hint)


def _struct(shape: Shape, hint: T.DataType | None) -> T.StructType:
    hints = {f.name: f for f in hint.fields} if isinstance(hint, T.StructType) else {}
    fields = []
    for name, field_shape in shape[1]:
        known = hints.get(name)
        if isinstance(field_shape, tuple) and field_shape[0] == "choice":
            fields.append(T.StructField(name, _choice(field_shape), metadata={CHOICE_KEY: True}))
        else:
            data_type = _spark(
                field_shape, known.dataType if known and not is_choice(known) else None
            )
            fields.append(T.StructField(name, data_type))
    return T.StructType(fields)


def _choice(shape: Shape) -> T.StructType:
    parts = {from_spark(_DEFAULT[s]).typeName(): _DEFAULT[s] for s in shape[1]}
    return T.StructType([T.StructField(n, parts[n]) for n in sorted(parts)])


def _spark(shape: Shape, hint: T.DataType | None) -> T.DataType:
    if isinstance(shape, tuple) and shape[0] == "struct":
        return _struct(shape, hint)
    if isinstance(shape, tuple) and shape[0] == "array":
        element = hint.elementType if isinstance(hint, T.ArrayType) else None
        return T.ArrayType(_spark(shape[1], element))
    if shape == "null":
        return hint or T.NullType()
    if hint is not None and isinstance(hint, _FITS.get(shape, ())):
        return hint
    return _DEFAULT.get(shape, T.StringType())


def coerce(record: dict[str, Any], schema: T.StructType) -> tuple[Any, ...]:
    """A record's values in the order and types of ``schema``; raises when one does not fit."""
    return tuple(_field(record.get(f.name), f) for f in schema.fields)


def _field(value: Any, field: T.StructField) -> Any:
    if value is None:
        return None
    if is_choice(field):
        assert isinstance(field.dataType, T.StructType)
        kind = from_spark(_DEFAULT.get(signature(value), T.StringType())).typeName()
        return tuple(
            _value(value, p.dataType) if p.name == kind else None for p in field.dataType.fields
        )
    return _value(value, field.dataType)


def _value(value: Any, data_type: T.DataType) -> Any:
    if value is None:
        return None
    if isinstance(data_type, T.StructType):
        if not isinstance(value, dict):
            raise TypeError(f"expected a record, got {type(value).__name__}")
        return coerce(value, data_type)
    if isinstance(data_type, T.ArrayType):
        return [_value(v, data_type.elementType) for v in value]
    if isinstance(data_type, T.StringType):
        return value if isinstance(value, str) else str(value)
    if isinstance(data_type, T.IntegralType):
        bound = _INT_RANGE.get(type(data_type), 2**63)
        if not -bound <= int(value) < bound:
            raise ValueError(f"{value} does not fit {data_type.simpleString()}")
        return int(value)
    return (
        float(value)
        if isinstance(data_type, T.FractionalType) and not isinstance(data_type, T.DecimalType)
        else value
    )
