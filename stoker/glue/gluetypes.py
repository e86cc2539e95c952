"""Glue's type classes (``awsglue.gluetypes``), their names, and their mapping from Spark's.

Glue prints and names types its own way (``int``, ``long``, ``choice``...); scripts compare
``field.dataType.typeName()`` against those names, so ``typeName`` returns them.
"""
# ruff: noqa: N802, N803, N812 - Glue's API names are camelCase; pyspark's T convention

from __future__ import annotations

import re
from typing import Any

from pyspark.sql import types as T

from stoker.errors import InvalidInput

#: StructField metadata key marking a struct column as a Glue choice (one field per type).
CHOICE_KEY = "glue.choice"


class DataType:
    """The base of Glue's types."""

    name = "unknown"

    def __init__(self, properties: dict[str, Any] | None = None) -> None:
        self.properties = dict(properties or {})

    @classmethod
    def typeName(cls) -> str:
        """The type's name as Glue prints it (``int``, ``choice``, ``struct``...)."""
        return cls.name

    def jsonValue(self) -> dict[str, Any]:
        """The type as Glue's JSON shape."""
        return {"dataType": self.typeName(), "properties": self.properties}

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, DataType)
            and type(self) is type(other)
            and self.jsonValue() == other.jsonValue()
        )

    def __hash__(self) -> int:
        return hash(self.typeName())

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.properties or ''})"


class AtomicType(DataType):
    """The base of Glue's atomic types."""

    @classmethod
    def fromJsonValue(cls, json_value: dict[str, Any]) -> AtomicType:
        """An instance from Glue's JSON shape."""
        return cls(json_value.get("properties", {}))


class BinaryType(AtomicType):
    name = "binary"


class BooleanType(AtomicType):
    name = "boolean"


class ByteType(AtomicType):
    name = "byte"


class DateType(AtomicType):
    name = "date"


class DoubleType(AtomicType):
    name = "double"


class FloatType(AtomicType):
    name = "float"


class IntegerType(AtomicType):
    name = "int"


class LongType(AtomicType):
    name = "long"


class NullType(AtomicType):
    name = "null"


class ShortType(AtomicType):
    name = "short"


class StringType(AtomicType):
    name = "string"


class TimestampType(AtomicType):
    name = "timestamp"


class UnknownType(AtomicType):
    name = "unknown"


class DecimalType(AtomicType):
    """A decimal number of ``precision`` digits, ``scale`` of them after the point."""

    name = "decimal"

    def __init__(
        self, precision: int = 10, scale: int = 2, properties: dict[str, Any] | None = None
    ) -> None:
        super().__init__(properties)
        self.precision = precision
        self.scale = scale

    def jsonValue(self) -> dict[str, Any]:
        return {**super().jsonValue(), "precision": self.precision, "scale": self.scale}


class EnumType(AtomicType):
    """An enumeration of allowed values."""

    name = "enum"

    def __init__(self, options: list[str], properties: dict[str, Any] | None = None) -> None:
        super().__init__(properties)
        self.options = list(options)


class ArrayType(DataType):
    """An array of ``elementType``."""

    name = "array"

    def __init__(
        self,
        elementType: DataType | None = None,
        properties: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(properties)
        self.elementType = elementType or UnknownType()

    def jsonValue(self) -> dict[str, Any]:
        return {**super().jsonValue(), "elementType": self.elementType.jsonValue()}


class MapType(DataType):
    """A map from string keys to ``valueType``."""

    name = "map"

    def __init__(
        self,
        valueType: DataType | None = None,
        properties: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(properties)
        self.valueType = valueType or UnknownType()

    def jsonValue(self) -> dict[str, Any]:
        return {**super().jsonValue(), "valueType": self.valueType.jsonValue()}


class Field:
    """A named, typed member of a struct."""

    def __init__(
        self, name: str, dataType: DataType, properties: dict[str, Any] | None = None
    ) -> None:
        self.name = name
        self.dataType = dataType
        self.properties = dict(properties or {})

    def jsonValue(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "container": self.dataType.jsonValue(),
            "properties": self.properties,
        }

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Field) and self.jsonValue() == other.jsonValue()

    def __hash__(self) -> int:
        return hash(self.name)

    def __repr__(self) -> str:
        return f"Field({self.name}, {self.dataType!r})"


class StructType(DataType):
    """A struct of ordered fields."""

    name = "struct"

    def __init__(
        self, fields: list[Field] | None = None, properties: dict[str, Any] | None = None
    ) -> None:
        super().__init__(properties)
        self.fields: list[Field] = []
        self.field_map: dict[str, Field] = {}
        for field in fields or []:
            self.add(field)

    def add(self, field: Field) -> None:
        """Add (or replace) a field."""
        if field.name in self.field_map:
            self.fields = [f for f in self.fields if f.name != field.name]
        self.fields.append(field)
        self.field_map[field.name] = field

    def hasField(self, field: str | Field) -> bool:
        """Whether a field of that name exists."""
        return (field.name if isinstance(field, Field) else field) in self.field_map

    def getField(self, field: str | Field) -> Field | None:
        """The field of that name, or None."""
        return self.field_map.get(field.name if isinstance(field, Field) else field)

    def jsonValue(self) -> dict[str, Any]:
        return {**super().jsonValue(), "fields": [f.jsonValue() for f in self.fields]}


class ChoiceType(DataType):
    """A field whose values come in more than one type, until ``resolveChoice``."""

    name = "choice"

    def __init__(
        self, choices: list[DataType] | None = None, properties: dict[str, Any] | None = None
    ) -> None:
        super().__init__(properties)
        self.choices: dict[str, DataType] = {}
        for choice in choices or []:
            self.add(choice)

    def add(self, new_choice: DataType) -> None:
        """Add one possible type."""
        self.choices[new_choice.typeName()] = new_choice

    def merge(self, new_choices: list[DataType]) -> None:
        """Add several possible types."""
        for choice in new_choices:
            self.add(choice)

    def jsonValue(self) -> dict[str, Any]:
        return {**super().jsonValue(), "choices": [c.jsonValue() for c in self.choices.values()]}


class EntityType(DataType):
    """Declared by Glue and not implemented there either."""

    name = "entity"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("EntityType is not implemented (nor is it in AWS Glue)")


_ATOMIC: dict[type[T.DataType], type[AtomicType]] = {
    T.BinaryType: BinaryType,
    T.BooleanType: BooleanType,
    T.ByteType: ByteType,
    T.DateType: DateType,
    T.DoubleType: DoubleType,
    T.FloatType: FloatType,
    T.IntegerType: IntegerType,
    T.LongType: LongType,
    T.NullType: NullType,
    T.ShortType: ShortType,
    T.StringType: StringType,
    T.CharType: StringType,
    T.VarcharType: StringType,
    T.TimestampType: TimestampType,
    T.TimestampNTZType: TimestampType,
}


def is_choice(field: T.StructField) -> bool:
    """Whether a Spark field holds a Glue choice (a struct with one field per type)."""
    return isinstance(field.dataType, T.StructType) and bool(field.metadata.get(CHOICE_KEY))


def from_spark_field(field: T.StructField) -> Field:
    """The Glue field for a Spark field, choices included."""
    if is_choice(field):
        assert isinstance(field.dataType, T.StructType)
        choices = [from_spark(f.dataType) for f in field.dataType.fields]
        return Field(field.name, ChoiceType(choices))
    return Field(field.name, from_spark(field.dataType))


def from_spark(data_type: T.DataType) -> DataType:
    """The Glue type for a Spark type."""
    if isinstance(data_type, T.StructType):
        return StructType([from_spark_field(f) for f in data_type.fields])
    if isinstance(data_type, T.ArrayType):
        return ArrayType(from_spark(data_type.elementType))
    if isinstance(data_type, T.MapType):
        return MapType(from_spark(data_type.valueType))
    if isinstance(data_type, T.DecimalType):
        return DecimalType(data_type.precision, data_type.scale)
    glue_type = _ATOMIC.get(type(data_type))
    return glue_type() if glue_type else UnknownType()


_NAMED: dict[str, T.DataType] = {
    "string": T.StringType(),
    "varchar": T.StringType(),
    "char": T.StringType(),
    "int": T.IntegerType(),
    "integer": T.IntegerType(),
    "long": T.LongType(),
    "bigint": T.LongType(),
    "short": T.ShortType(),
    "smallint": T.ShortType(),
    "byte": T.ByteType(),
    "tinyint": T.ByteType(),
    "double": T.DoubleType(),
    "float": T.FloatType(),
    "boolean": T.BooleanType(),
    "bool": T.BooleanType(),
    "date": T.DateType(),
    "timestamp": T.TimestampType(),
    "binary": T.BinaryType(),
    "decimal": T.DecimalType(10, 2),
    "null": T.NullType(),
}
_DECIMAL = re.compile(r"decimal\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)")


#: Type names of nested values: a mapping to one of them keeps the value as it is.
COMPLEX = frozenset({"array", "struct", "map", "choice", "object"})


def spark_type(name: str) -> T.DataType | None:
    """The Spark type a Glue type name means (``"Long"``, ``"decimal(12,2)"``), case-insensitive;
    None for a nested type name (``struct``, ``array``...), which converts nothing."""
    key = name.strip().lower()
    if key in COMPLEX or key.startswith(("array<", "struct<", "map<")):
        return None
    named = _NAMED.get(re.sub(r"\(.*\)$", "", key) if key.startswith(("varchar", "char")) else key)
    if named is not None:
        return named
    decimal = _DECIMAL.fullmatch(key)
    if decimal:
        return T.DecimalType(int(decimal.group(1)), int(decimal.group(2)))
    raise InvalidInput(f"unknown Glue type name {name!r}", field="type", value=name)


def is_type_name(name: object) -> bool:
    """Whether ``name`` reads as a Glue type name."""
    if not isinstance(name, str):
        return False
    try:
        spark_type(name)
    except InvalidInput:
        return False
    return True


def schema_lines(schema: StructType) -> list[str]:
    """Glue's ``printSchema`` text: ``root`` and one ``|-- name: type`` line per node."""
    lines = ["root"]
    for field in schema.fields:
        _node_lines(field.name, field.dataType, 0, lines)
    return lines


def _node_lines(name: str, data_type: DataType, depth: int, lines: list[str]) -> None:
    lines.append(f"{'|    ' * depth}|-- {name}: {data_type.typeName()}")
    _children_lines(data_type, depth + 1, lines)


def _children_lines(data_type: DataType, depth: int, lines: list[str]) -> None:
    if isinstance(data_type, StructType):
        for field in data_type.fields:
            _node_lines(field.name, field.dataType, depth, lines)
    elif isinstance(data_type, ChoiceType):
        for choice in data_type.choices.values():
            lines.append(f"{'|    ' * depth}|-- {choice.typeName()}")
            _children_lines(choice, depth + 1, lines)
    elif isinstance(data_type, ArrayType):
        _node_lines("element", data_type.elementType, depth, lines)
    elif isinstance(data_type, MapType):
        _node_lines("keyType", StringType(), depth, lines)
        _node_lines("valueType", data_type.valueType, depth, lines)
