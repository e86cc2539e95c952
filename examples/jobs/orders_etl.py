"""Example Glue-style ETL: orders CSV -> revenue per country, written as Parquet.

Job arguments (defaults in examples/orders_etl.toml, overridable per run with --arg):
  --input   CSV with order_id, customer, country, amount, ordered_at
  --output  directory for the Parquet result (replaced on every run)

stoker injects `spark` into the script's globals; the fallback lets the same file run
on its own with spark-submit.
"""

import sys

from pyspark.sql import SparkSession
from pyspark.sql import functions as F  # noqa: N812 (the PySpark convention)

from stoker.job import get_resolved_options

spark = globals().get("spark") or SparkSession.builder.appName("orders_etl").getOrCreate()
args = get_resolved_options(sys.argv, ["input", "output"])
print(f"orders_etl: run {args.get('JOB_RUN_ID', '-')} reading {args['input']}", flush=True)

# An explicit schema and FAILFAST: a malformed row fails the run instead of becoming nulls.
orders = spark.read.csv(
    args["input"],
    header=True,
    mode="FAILFAST",
    schema="order_id BIGINT, customer STRING, country STRING, amount DECIMAL(12,2), "
    "ordered_at TIMESTAMP",
)
total = orders.count()

# Refunds are negative amounts; revenue counts sales only.
sales = orders.filter(F.col("amount") > 0)
print(f"orders_etl: {total} orders read, {sales.count()} sales kept", flush=True)

by_country = (
    sales.groupBy("country")
    .agg(
        F.count("*").alias("orders"),
        F.countDistinct("customer").alias("customers"),
        F.sum("amount").alias("revenue"),
        F.min("ordered_at").alias("first_order_at"),
        F.max("ordered_at").alias("last_order_at"),
    )
    .withColumn("avg_order_value", F.round(F.col("revenue") / F.col("orders"), 2))
    .orderBy(F.col("revenue").desc())
)

by_country.coalesce(1).write.mode("overwrite").parquet(args["output"])
countries = spark.read.parquet(args["output"]).count()
print(f"orders_etl: wrote {countries} countries to {args['output']}", flush=True)
