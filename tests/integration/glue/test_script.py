"""A script in the shape Glue Studio generates, run unchanged on stoker's DynamicFrame, against
the same transformation in plain PySpark. The GlueContext's readers are not this module's:
the test hands the script its source frame as the readers would (typed from CSV text)."""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from tests.integration.glue.conftest import same

pytestmark = pytest.mark.spark

#: Kept as Glue Studio writes it (one long line per node), so not a module ruff checks.
SCRIPT = Path(__file__).with_name("scripts") / "studio_job.py.in"

CSV = "order_id,Customer,amount,note\n1,ann,12.5,\n2,bob,8,\n3,cid,n/a,\n4,dee,40,\n"


def test_generated_script_matches_plain_pyspark(
    spark: SparkSession, glue_ctx: Any, tmp_path: Path
) -> None:
    from stoker.glue.choice import typed_frame

    (tmp_path / "in.csv").write_text(CSV)
    (tmp_path / "job.py").write_text(SCRIPT.read_text())
    text = spark.read.option("header", "true").csv(str(tmp_path / "in.csv"))
    source = typed_frame(text, glue_ctx, "S3bucket_node1")
    output = str(tmp_path / "out")
    runpy.run_path(
        str(tmp_path / "job.py"),
        init_globals={"glueContext": glue_ctx, "S3bucket_node1": source, "OUTPUT": output},
    )
    plain = text.select(
        F.col("order_id").cast("long").alias("order_id"),
        F.col("Customer").alias("customer"),
        F.col("amount").try_cast("double").alias("amount"),
    ).where(F.col("amount") > 10)
    same(spark.read.parquet(output), plain)
