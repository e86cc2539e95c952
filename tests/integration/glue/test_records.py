"""Map and Filter: a record whose function raises is an error record, as in Glue, not a failure."""

from __future__ import annotations

from typing import Any

import pytest
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from tests.integration.glue.conftest import rows, same

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def numbers(spark: SparkSession) -> DataFrame:
    return spark.createDataFrame([(i, f"n{i}") for i in range(10)], "n int, label string")


@pytest.fixture(scope="module")
def frame(numbers: DataFrame, glue_ctx: Any) -> Any:
    from awsglue.dynamicframe import DynamicFrame

    return DynamicFrame.fromDF(numbers, glue_ctx, "numbers")


def invert(record: dict[str, Any]) -> dict[str, Any]:
    record["inverse"] = 1 / record["n"]
    return record


def test_map_failures_are_error_records(frame: Any, numbers: DataFrame) -> None:
    from awsglue.transforms import Map

    mapped = Map.apply(frame=frame, f=invert, transformation_ctx="invert")
    plain = numbers.where("n != 0").withColumn("inverse", 1 / F.col("n"))
    same(mapped.toDF(), plain)
    assert (mapped.errorsCount(), mapped.stageErrorsCount()) == (1, 1)
    messages = mapped.errorsAsDynamicFrame().toDF().collect()
    assert [m.error for m in messages] == ["ZeroDivisionError: division by zero"]


def test_errors_travel_with_derived_frames(frame: Any) -> None:
    mapped = frame.map(invert)
    kept = mapped.filter(lambda r: r["label"][5] == "x")  # every label is too short: all fail
    assert kept.count() == 0
    assert (kept.errorsCount(), kept.stageErrorsCount()) == (10, 9)
    assert kept.select_fields(["n"]).errorsCount() == 10


def test_thresholds_turn_errors_into_a_failure(frame: Any) -> None:
    from stoker.glue.transforms.errors import ErrorThresholdExceeded

    assert frame.map(invert, stageThreshold=1).count() == 9
    with pytest.raises(ErrorThresholdExceeded, match="stageThreshold"):
        frame.map(lambda r: 1 / 0, stageThreshold=1)
    with pytest.raises(ErrorThresholdExceeded):
        frame.map(invert).assertErrorThreshold()


def test_a_map_function_returning_no_record_is_an_error(frame: Any) -> None:
    mapped = frame.map(lambda r: None if r["n"] % 2 else r)
    assert (mapped.count(), mapped.errorsCount()) == (5, 5)


def test_map_types_new_fields_from_their_values(frame: Any) -> None:
    mapped = frame.map(
        lambda r: {"n": r["n"], "half": r["n"] / 2, "tags": [r["label"]], "odd": r["n"] % 2 == 1}
    )
    assert (
        mapped.toDF().schema.simpleString()
        == "struct<n:int,half:double,tags:array<string>,odd:boolean>"
    )
    assert rows(mapped.toDF().where("n = 3")) == [(3, 1.5, ["n3"], True)]


def test_values_that_disagree_become_a_choice(frame: Any) -> None:
    mapped = frame.map(lambda r: {**r, "v": r["n"] if r["n"] < 5 else r["label"]})
    choice = mapped.schema().getField("v").dataType
    assert choice.typeName() == "choice"
    assert sorted(choice.choices) == ["long", "string"]
    resolved = mapped.resolveChoice(specs=[("v", "project:long")]).toDF()
    assert rows(resolved.select("v").where("v is not null")) == [(i,) for i in range(5)]
