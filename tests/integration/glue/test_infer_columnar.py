"""Parquet and ORC written by Spark (the suite's shared session) infer to Spark's own types."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from stoker.datacatalog.infer import infer_schema

SCHEMA = (
    "id long, item string, price double, tags array<int>, amount decimal(10,2), "
    "at timestamp, attrs map<string,int>, address struct<city:string>, year string"
)


@pytest.mark.spark
@pytest.mark.parametrize("fmt", ["parquet", "orc"])
def test_spark_written_files_infer_to_spark_types(
    spark: SparkSession, tmp_path: Path, fmt: str
) -> None:
    frame = spark.sql(
        "SELECT 1L id, 'a' item, 1.5D price, array(1) tags, CAST(2.5 AS DECIMAL(10,2)) amount, "
        "TIMESTAMP'2024-01-01 00:00:00' at, map('k', 1) attrs, named_struct('city', 'x') "
        "address, '2024' year"
    )
    assert frame.schema.simpleString() == spark.createDataFrame([], SCHEMA).schema.simpleString()
    frame.write.partitionBy("year").format(fmt).save(str(tmp_path / fmt))
    found = infer_schema(str(tmp_path / fmt), None, {})
    assert found.format == fmt
    written = [(f.name, f.dataType.simpleString()) for f in frame.schema.fields]
    assert [(c.name, c.type) for c in found.columns] == written[:-1]
    assert [(c.name, c.type) for c in found.partition_keys] == [("year", "string")]
