"""Each awsglue transform, called as Glue scripts call it, against the same in plain PySpark."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from tests.integration.glue.conftest import rows, same

pytestmark = pytest.mark.spark

PEOPLE = (
    "id int, name string, age int, `contact.email` string,"
    " address struct<city:string, zip:string>, spare string"
)


@pytest.fixture(scope="module")
def people(spark: SparkSession) -> DataFrame:
    data = [
        (1, "ann", 34, "ann@x", ("Oslo", "0150"), None),
        (2, "bob", 17, "bob@x", ("Bergen", "5003"), None),
        (3, "cid", 52, None, None, None),
        (4, "dee", None, "dee@x", ("Oslo", "0151"), None),
    ]
    return spark.createDataFrame(data, PEOPLE)


@pytest.fixture(scope="module")
def frame(people: DataFrame, glue_ctx: Any) -> Any:
    from awsglue.dynamicframe import DynamicFrame

    return DynamicFrame.fromDF(people, glue_ctx, "people")


def test_apply_mapping_four_tuples_rename_retype_and_nest(frame: Any, people: DataFrame) -> None:
    from awsglue.transforms import ApplyMapping

    glue = ApplyMapping.apply(
        frame=frame,
        mappings=[
            ("id", "int", "person_id", "long"),
            ("`contact.email`", "string", "contact.mail", "string"),
            ("address.city", "string", "city", "string"),
            ("age", "int", "age", "string"),
        ],
        transformation_ctx="mapped",
    ).toDF()
    plain = people.select(
        F.col("id").cast("long").alias("person_id"),
        F.struct(F.col("`contact.email`").alias("mail")).alias("contact"),
        F.col("address.city").alias("city"),
        F.col("age").cast("string").alias("age"),
    )
    same(glue, plain)


def test_apply_mapping_two_and_three_tuples(frame: Any, people: DataFrame) -> None:
    from awsglue.transforms import ApplyMapping

    glue = ApplyMapping()(
        frame, [("name", "who"), ("id", "int", "key"), ("age", "years", "double")]
    )
    plain = people.select(
        F.col("name").alias("who"),
        F.col("id").alias("key"),
        F.col("age").cast("double").alias("years"),
    )
    same(glue.toDF(), plain)


def test_apply_mapping_turns_unconvertible_values_into_null(
    spark: SparkSession, glue_ctx: Any
) -> None:
    from awsglue.dynamicframe import DynamicFrame

    df = spark.createDataFrame([("1",), ("x",), ("3000000000",)], "v string")
    glue = DynamicFrame.fromDF(df, glue_ctx, "v").apply_mapping([("v", "string", "v", "int")])
    assert rows(glue.toDF()) == [(1,), (None,), (None,)]


def test_select_drop_rename(frame: Any, people: DataFrame) -> None:
    from awsglue.transforms import DropFields, RenameField, SelectFields

    same(
        SelectFields.apply(frame=frame, paths=["id", "address.zip"]).toDF(),
        people.select("id", F.struct(F.col("address.zip").alias("zip")).alias("address")),
    )
    same(
        DropFields.apply(frame=frame, paths=["spare", "address.zip", "missing"]).toDF(),
        people.drop("spare").withColumn("address", F.col("address").dropFields("zip")),
    )
    same(
        RenameField.apply(frame=frame, old_name="`contact.email`", new_name="email").toDF(),
        people.withColumnRenamed("contact.email", "email"),
    )
    renamed = frame.rename_field("address.city", "address.town").toDF()
    assert renamed.schema["address"].dataType.fieldNames() == ["zip", "town"]


def test_filter_and_map(frame: Any, people: DataFrame) -> None:
    from awsglue.transforms import Filter, Map

    adults = Filter.apply(frame=frame, f=lambda r: r["age"] is not None and r["age"] >= 18)
    same(adults.toDF(), people.where(F.col("age") >= 18))

    def shout(record: dict[str, Any]) -> dict[str, Any]:
        record["name"] = record["name"].upper()
        record["city"] = (record["address"] or {}).get("city")
        del record["spare"]
        return record

    glue = Map.apply(frame=frame, f=shout).toDF()
    plain = (
        people.drop("spare")
        .withColumn("name", F.upper("name"))
        .withColumn("city", F.col("address.city"))
    )
    same(glue, plain)


def test_join_keeps_both_keys_and_equal_keys_once(
    frame: Any, people: DataFrame, spark: SparkSession, glue_ctx: Any
) -> None:
    from awsglue.dynamicframe import DynamicFrame
    from awsglue.transforms import Join

    orders_df = spark.createDataFrame(
        [(10, 1, 5.0), (11, 1, 7.5), (12, 3, 1.0)], "order_id int, person int, total double"
    )
    orders = DynamicFrame.fromDF(orders_df, glue_ctx, "orders")
    glue = Join.apply(frame1=frame, frame2=orders, keys1=["id"], keys2=["person"]).toDF()
    same(glue, people.join(orders_df, people["id"] == orders_df["person"]))
    by_id = DynamicFrame.fromDF(orders_df.withColumnRenamed("person", "id"), glue_ctx, "o")
    same(
        frame.join(["id"], ["id"], by_id).toDF(),
        people.join(orders_df.withColumnRenamed("person", "id"), "id"),
    )


def test_split_fields_and_split_rows(frame: Any, people: DataFrame) -> None:
    from awsglue.transforms import SelectFromCollection, SplitFields, SplitRows

    parts = SplitFields.apply(frame=frame, paths=["id", "name"], name1="ids", name2="rest")
    assert sorted(parts.keys()) == ["ids", "rest"]
    same(SelectFromCollection.apply(dfc=parts, key="ids").toDF(), people.select("id", "name"))
    same(parts["rest"].toDF(), people.drop("id", "name"))
    split = SplitRows.apply(
        frame=frame, comparison_dict={"age": {">": 20, "<=": 52}}, name1="mid", name2="other"
    )
    condition = (F.col("age") > 20) & (F.col("age") <= 52)
    same(split.select("mid").toDF(), people.where(condition))
    same(split.select("other").toDF(), people.where(~F.coalesce(condition, F.lit(False))))


def test_drop_null_fields_prints_what_it_drops(
    frame: Any, people: DataFrame, capsys: pytest.CaptureFixture[str]
) -> None:
    from awsglue.transforms import DropNullFields

    glue = DropNullFields.apply(frame=frame, transformation_ctx="dropnull")
    assert "null_fields ['spare']" in capsys.readouterr().out
    same(glue.toDF(), people.drop("spare"))


def test_unnest_union_repartition(frame: Any, people: DataFrame) -> None:
    from awsglue.transforms import Union, UnnestFrame

    flat = UnnestFrame.apply(frame=frame).toDF()
    assert flat.columns == [
        "id",
        "name",
        "age",
        "contact.email",
        "address.city",
        "address.zip",
        "spare",
    ]
    both = Union.apply(frame1=frame, frame2=frame.drop_fields(["spare"])).toDF()
    same(both, people.unionByName(people.drop("spare"), allowMissingColumns=True))
    assert frame.repartition(3).getNumPartitions() == 3
    assert frame.repartition(3).coalesce(1).getNumPartitions() == 1
    assert frame.count() == 4


def test_unbox_json(spark: SparkSession, glue_ctx: Any) -> None:
    from awsglue.dynamicframe import DynamicFrame
    from awsglue.transforms import Unbox

    df = spark.createDataFrame(
        [(1, '{"a": 1, "b": "x"}'), (2, '{"a": 2}')], "id int, payload string"
    )
    glue = Unbox.apply(
        frame=DynamicFrame.fromDF(df, glue_ctx, "j"), path="payload", format="json"
    ).toDF()
    assert rows(glue.select("id", "payload.a", "payload.b")) == [(1, 1, "x"), (2, 2, None)]


def test_unsupported_calls_name_themselves(frame: Any) -> None:
    from stoker.glue.transforms.errors import GlueNotSupported

    with pytest.raises(GlueNotSupported, match="spigot option"):
        frame.spigot("s3://bucket/sample", {"topk": 10, "sampleSize": 3})
    with pytest.raises(GlueNotSupported, match="FindMatches"):
        from awsglue.transforms import FindMatches  # noqa: F401


def test_spigot_writes_a_sample_and_passes_the_frame(
    glue_context: Any, people: DataFrame, tmp_path: Path
) -> None:
    from awsglue.dynamicframe import DynamicFrame
    from awsglue.transforms import Spigot

    frame = DynamicFrame.fromDF(people, glue_context, "people")
    sample = tmp_path / "sample"
    assert Spigot.apply(frame=frame, path=str(sample), options={"topk": 2}) is frame
    written = glue_context.spark_session.read.json(str(sample))
    assert written.count() == 2
    assert set(written.columns) <= set(people.columns)


def test_apply_mapping_as_generated_scripts_write_it(frame: Any, people: DataFrame) -> None:
    from awsglue.transforms import ApplyMapping

    glue = ApplyMapping.apply(
        frame=frame,
        mappings=[("ID", "int", "id", "bigint"), ("address", "struct", "address", "struct")],
    )
    same(glue.toDF(), people.select(F.col("id").cast("long"), "address"))


def test_join_on_nested_keys(
    spark: SparkSession, glue_ctx: Any, frame: Any, people: DataFrame
) -> None:
    from awsglue.dynamicframe import DynamicFrame

    zips = spark.createDataFrame([("0150", "centre"), ("5003", "west")], "code string, area string")
    glue = frame.join(["address.zip"], ["code"], DynamicFrame.fromDF(zips, glue_ctx, "z")).toDF()
    same(glue, people.join(zips, people["address.zip"] == zips["code"]))


def test_show_prints_one_json_record_a_line(frame: Any, capsys: pytest.CaptureFixture[str]) -> None:
    frame.select_fields(["id", "name"]).show(2)
    assert capsys.readouterr().out.splitlines() == [
        '{"id":1,"name":"ann"}',
        '{"id":2,"name":"bob"}',
    ]
