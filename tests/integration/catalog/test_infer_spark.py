"""Parquet and ORC schemas are read by a short-lived Spark in a child process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from stoker.datacatalog.infer import infer_schema

WRITE = """\
import sys
from pyspark.sql import SparkSession
spark = SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false").getOrCreate()
frame = spark.createDataFrame([(1, "a", 1.5, [1], "2024")], "id long, item string, "
                              "price double, tags array<int>, year string")
for fmt in ("parquet", "orc"):
    frame.write.partitionBy("year").format(fmt).save(f"{sys.argv[1]}/{fmt}")
spark.stop()
"""


@pytest.mark.spark
def test_parquet_and_orc_schemas(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-c", WRITE, str(tmp_path)], check=True, timeout=300,
                   capture_output=True)  # fmt: skip
    for fmt in ("parquet", "orc"):
        found = infer_schema(str(tmp_path / fmt), None, {})
        assert found.format == fmt
        assert [(c.name, c.type) for c in found.columns] == [
            ("id", "bigint"), ("item", "string"), ("price", "double"), ("tags", "array<int>")]
        assert [(c.name, c.type) for c in found.partition_keys] == [("year", "string")]
