"""Glue's type classes: names as scripts compare them, Spark's types mapped, printSchema text."""

from __future__ import annotations

import pytest
from pyspark.sql import types as T

from stoker.errors import InvalidInput
from stoker.glue import gluetypes as G


def test_type_names_are_glues() -> None:
    names = [t.typeName() for t in (G.IntegerType(), G.LongType(), G.StringType(), G.DoubleType())]
    assert names == ["int", "long", "string", "double"]
    assert G.ChoiceType([G.IntegerType(), G.StringType()]).typeName() == "choice"
    assert G.IntegerType() == G.IntegerType() and G.IntegerType() != G.LongType()


def test_struct_and_choice_methods() -> None:
    struct = G.StructType([G.Field("a", G.IntegerType())])
    struct.add(G.Field("b", G.StringType()))
    assert struct.hasField("b") and struct.hasField(G.Field("a", G.NullType()))
    assert struct.getField("a") == G.Field("a", G.IntegerType())
    assert struct.getField("c") is None
    choice = G.ChoiceType([G.LongType()])
    choice.merge([G.StringType(), G.LongType()])
    assert list(choice.choices) == ["long", "string"]
    with pytest.raises(NotImplementedError):
        G.EntityType()


def test_spark_schema_with_a_choice_prints_as_glue_prints() -> None:
    schema = T.StructType(
        [
            T.StructField(
                "id",
                T.StructType(
                    [T.StructField("int", T.IntegerType()), T.StructField("string", T.StringType())]
                ),
                metadata={G.CHOICE_KEY: True},
            ),
            T.StructField("tags", T.ArrayType(T.StringType())),
            T.StructField("attrs", T.MapType(T.StringType(), T.LongType())),
            T.StructField("price", T.DecimalType(12, 2)),
            T.StructField("at", T.StructType([T.StructField("ts", T.TimestampType())])),
        ]
    )
    glue = G.from_spark(schema)
    assert isinstance(glue, G.StructType)
    assert G.schema_lines(glue) == [
        "root",
        "|-- id: choice",
        "|    |-- int",
        "|    |-- string",
        "|-- tags: array",
        "|    |-- element: string",
        "|-- attrs: map",
        "|    |-- keyType: string",
        "|    |-- valueType: long",
        "|-- price: decimal",
        "|-- at: struct",
        "|    |-- ts: timestamp",
    ]


@pytest.mark.parametrize(
    ("name", "spark"),
    [
        ("Long", T.LongType()),
        ("bigint", T.LongType()),
        ("INT", T.IntegerType()),
        ("varchar(20)", T.StringType()),
        ("decimal(12,2)", T.DecimalType(12, 2)),
        ("timestamp", T.TimestampType()),
        ("struct", None),
        ("array<string>", None),
    ],
)
def test_type_names_map_to_spark(name: str, spark: T.DataType | None) -> None:
    assert G.spark_type(name) == spark
    assert G.is_type_name(name)


def test_an_unknown_type_name_is_an_error() -> None:
    with pytest.raises(InvalidInput, match="unknown Glue type name 'money'"):
        G.spark_type("money")
    assert not G.is_type_name("money")
