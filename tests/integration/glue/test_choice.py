"""Choice types from a real CSV file with a mixed column, and each resolveChoice mode."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from tests.integration.glue.conftest import rows, same

pytestmark = pytest.mark.spark

CSV = """\
id,name,price,active,big
1,apple,1.5,true,1
2,pear,2,false,3000000000
x7,plum,,TRUE,3
4,fig,3.25,false,
"""


@pytest.fixture(scope="module")
def raw(spark: SparkSession, tmp_path_factory: pytest.TempPathFactory) -> DataFrame:
    path = Path(tmp_path_factory.mktemp("choice")) / "fruit.csv"
    path.write_text(CSV)
    return spark.read.option("header", "true").csv(str(path))


@pytest.fixture(scope="module")
def frame(raw: DataFrame, glue_ctx: Any) -> Any:
    from stoker.glue.choice import typed_frame

    return typed_frame(raw, glue_ctx, "fruit")


def test_a_mixed_column_is_a_choice_until_resolved(
    frame: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    frame.printSchema()
    assert capsys.readouterr().out.splitlines() == [
        "root",
        "|-- id: choice",
        "|    |-- int",
        "|    |-- string",
        "|-- name: string",
        "|-- price: double",
        "|-- active: boolean",
        "|-- big: long",
    ]
    choice = frame.schema().getField("id").dataType
    assert choice.typeName() == "choice"
    assert sorted(choice.choices) == ["int", "string"]


def test_values_fill_the_field_of_their_own_type(frame: Any) -> None:
    assert rows(frame.toDF().select("id.int", "id.string")) == rows_of(
        [(1, None), (2, None), (4, None), (None, "x7")]
    )


def rows_of(values: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return sorted(values, key=repr)


def test_make_cols_splits_into_typed_columns(frame: Any, raw: DataFrame) -> None:
    glue = frame.resolveChoice(specs=[("id", "make_cols")]).toDF()
    assert glue.columns == ["id_int", "name", "price", "active", "big", "id_string"]
    plain = raw.select(
        F.col("id").try_cast("int").alias("id_int"),
        F.when(F.col("id").try_cast("int").isNull(), F.col("id")).alias("id_string"),
    )
    assert rows(glue.select("id_int", "id_string")) == rows(plain)


def test_make_struct_keeps_both_types(frame: Any, capsys: pytest.CaptureFixture[str]) -> None:
    frame.resolveChoice(choice="make_struct").select_fields(["id"]).printSchema()
    assert capsys.readouterr().out.splitlines() == [
        "root",
        "|-- id: struct",
        "|    |-- int: int",
        "|    |-- string: string",
    ]


def test_cast_converts_what_converts_and_nulls_the_rest(frame: Any, raw: DataFrame) -> None:
    glue = frame.resolveChoice(specs=[("id", "cast:long")]).toDF().select("id", "name")
    same(glue, raw.select(F.col("id").try_cast("long").alias("id"), "name"))


def test_project_keeps_one_type(frame: Any, raw: DataFrame) -> None:
    glue = frame.resolveChoice(specs=[("id", "project:string")]).toDF().select("id")
    plain = raw.select(F.when(F.col("id").try_cast("int").isNull(), F.col("id")).alias("id"))
    same(glue, plain)


def test_cast_applies_to_plain_columns_too(frame: Any, raw: DataFrame) -> None:
    glue = frame.resolveChoice(specs=[("price", "cast:string")]).toDF().select("price")
    same(glue, raw.select(F.col("price").try_cast("double").cast("string").alias("price")))


def test_resolve_choice_refuses_bad_requests(frame: Any) -> None:
    from stoker.errors import InvalidInput

    with pytest.raises(InvalidInput, match="not both"):
        frame.resolveChoice(specs=[("id", "make_cols")], choice="make_struct")
    assert frame.resolveChoice(specs=[("nope", "cast:int")]).toDF().columns == frame.toDF().columns
    with pytest.raises(InvalidInput, match="atomic type"):
        frame.resolveChoice(specs=[("nope", "cast:struct")])
    with pytest.raises(InvalidInput, match="unknown action"):
        frame.resolveChoice(specs=[("id", "explode")])
    with pytest.raises(InvalidInput, match="match_catalog"):
        frame.resolveChoice(choice="match_catalog")


def test_apply_mapping_casts_a_choice(frame: Any, raw: DataFrame) -> None:
    glue = frame.apply_mapping([("id", "choice", "id", "long")]).toDF()
    same(glue, raw.select(F.col("id").try_cast("long").alias("id")))


def test_match_catalog_casts_to_the_catalog_types(
    frame: Any, raw: DataFrame, spark: SparkSession
) -> None:
    from types import SimpleNamespace

    from awsglue.transforms import ResolveChoice
    from pyspark.sql import types as T

    catalog = T.StructType(
        [T.StructField("id", T.LongType()), T.StructField("price", T.StringType())]
    )
    ctx = SimpleNamespace(
        spark_session=spark,
        catalog_schema=lambda db, table, catalog_id: (
            catalog if (db, table) == ("shop", "fruit") else None
        ),
    )
    with_catalog = type(frame)(frame.toDF(), ctx, "fruit")
    glue = ResolveChoice.apply(
        frame=with_catalog, choice="MATCH_CATALOG", database="shop", table_name="fruit"
    )
    plain = raw.select(
        F.col("id").try_cast("long").alias("id"), "name",
        F.col("price").try_cast("double").cast("string").alias("price"),
    )  # fmt: skip
    same(glue.toDF().select("id", "name", "price"), plain)
    from stoker.glue.transforms.errors import GlueNotSupported

    with pytest.raises(GlueNotSupported, match=r"no catalog schema for shop\.other"):
        with_catalog.resolveChoice(choice="match_catalog", database="shop", table_name="other")


def test_show_prints_a_choice_as_its_value(frame: Any, capsys: pytest.CaptureFixture[str]) -> None:
    frame.select_fields(["id"]).show(4)
    assert sorted(capsys.readouterr().out.splitlines()) == sorted(
        ['{"id":"1"}', '{"id":"2"}', '{"id":"x7"}', '{"id":"4"}']
    )


def test_union_of_differing_types_is_a_choice(
    spark: SparkSession, glue_ctx: Any, frame: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from awsglue.dynamicframe import DynamicFrame
    from awsglue.transforms import Union

    ints = DynamicFrame.fromDF(spark.createDataFrame([(1, "a"), (2, "b")], "code int, tag string"),
                               glue_ctx, "ints")  # fmt: skip
    texts = DynamicFrame.fromDF(spark.createDataFrame([("x9", "c")], "code string, tag string"),
                                glue_ctx, "texts")  # fmt: skip
    both = Union.apply(frame1=ints, frame2=texts)
    both.select_fields(["code", "tag"]).printSchema()
    shown = ["root", "|-- code: choice", "|    |-- int", "|    |-- string", "|-- tag: string"]
    assert capsys.readouterr().out.splitlines() == shown
    assert rows(both.toDF().select("code.int", "code.string", "tag")) == rows_of(
        [(1, None, "a"), (2, None, "b"), (None, "x9", "c")]
    )
    resolved = both.resolveChoice(specs=[("code", "cast:string")]).toDF()
    assert rows(resolved.select("code")) == rows_of([("1",), ("2",), ("x9",)])
    # A choice meets a third type: its types and the new one, each value kept in its own.
    doubles = DynamicFrame.fromDF(spark.createDataFrame([(0.5,)], "id double"), glue_ctx, "d")
    mixed = frame.select_fields(["id"]).union(doubles)
    assert sorted(mixed.schema().getField("id").dataType.choices) == ["double", "int", "string"]
    assert rows(mixed.toDF().select("id.double", "id.int", "id.string")) == rows_of(
        [(None, 1, None), (None, 2, None), (None, 4, None), (None, None, "x7"), (0.5, None, None)]
    )
    # Same types stay plain: no choice where the frames agree.
    same(ints.union(ints).toDF(), ints.toDF().unionByName(ints.toDF()))
