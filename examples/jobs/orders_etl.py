"""Example Glue-style ETL: new orders CSV -> revenue per country, appended as Parquet.

Job arguments (defaults in examples/stoker.toml, overridable per run with --arg):
  --input   a CSV file, or a directory of them, with order_id, customer, country, amount,
            ordered_at
  --output  directory of the Parquet result: each run appends the revenue of the orders
            it read, with its run id

The job has a file bookmark (--job-bookmark-option job-bookmark-enable, source
"orders"): each run reads only the files no earlier successful run processed, and its log
says how many files it took and how many it skipped. Reset it with
`stoker bookmarks reset orders_etl` to read everything again.

stoker injects `spark` into the script's globals; the fallback lets the same file run
on its own with spark-submit.
"""

import sys

from pyspark.sql import SparkSession
from pyspark.sql import functions as F  # noqa: N812 (the PySpark convention)

from stoker.job import get_resolved_options, init

spark = globals().get("spark") or SparkSession.builder.appName("orders_etl").getOrCreate()
args = get_resolved_options(sys.argv, ["input", "output"])
job = init(sys.argv, spark)
print(f"orders_etl: run {args.get('JOB_RUN_ID', '-')} reading {args['input']}", flush=True)

# An explicit schema and FAILFAST: a malformed row fails the run instead of becoming nulls.
orders = job.files(
    args["input"],
    "csv",
    transformation_ctx="orders",
    options={"header": "true", "mode": "FAILFAST"},
    schema="order_id BIGINT, customer STRING, country STRING, amount DECIMAL(12,2), "
    "ordered_at TIMESTAMP",
)
total = orders.count()
if total == 0:
    print("orders_etl: no new orders since the last run; nothing to write", flush=True)
    job.commit()
    sys.exit(0)

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
    .withColumn("run_id", F.lit(args.get("JOB_RUN_ID", "")))
    .orderBy(F.col("revenue").desc())
)

by_country.coalesce(1).write.mode("append").parquet(args["output"])
print(f"orders_etl: appended {by_country.count()} countries to {args['output']}", flush=True)
job.commit()
