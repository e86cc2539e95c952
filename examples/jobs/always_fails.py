"""Example job that always fails: reads its input, then raises (exercises FAILED and retries).

Job argument: --input, a CSV file (examples/data/orders.csv by default).
"""

import sys

from pyspark.sql import SparkSession

from stoker.job import get_resolved_options

spark = globals().get("spark") or SparkSession.builder.appName("always_fails").getOrCreate()
args = get_resolved_options(sys.argv, ["input"])

rows = spark.read.csv(args["input"], header=True).count()
print(f"always_fails: read {rows} rows from {args['input']}", flush=True)
raise RuntimeError(
    f"always_fails: failing on purpose after reading {rows} rows "
    "(this example job exists to show a FAILED run and its retries)"
)
