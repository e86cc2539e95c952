"""Example long-running job: small Spark jobs for about ten minutes, to watch and to stop.

Job arguments (defaults in examples/long_running.toml):
  --duration_seconds  how long to run (600)
  --pause_seconds     pause between rounds (5)

The pause is spent inside a Spark task (java.lang.Thread.sleep via SQL reflect), not in
time.sleep: `stoker runs stop` cancels the run's Spark jobs, which interrupts the task at
once, whereas a Python sleep on the driver cannot be cancelled.
"""

import sys
import time

from pyspark.sql import SparkSession
from pyspark.sql import functions as F  # noqa: N812 (the PySpark convention)

from stoker.job import get_resolved_options

spark = globals().get("spark") or SparkSession.builder.appName("long_running").getOrCreate()
args = get_resolved_options(sys.argv, ["duration_seconds", "pause_seconds"])
duration = float(args["duration_seconds"])
pause_ms = int(float(args["pause_seconds"]) * 1000)

started = time.monotonic()
round_no = 0
while (elapsed := time.monotonic() - started) < duration:
    round_no += 1
    total = (
        spark.range(0, 200_000)
        .select((F.col("id") % 97).alias("bucket"))
        .groupBy("bucket")
        .count()
        .agg(F.sum("count"))
        .first()[0]
    )
    print(
        f"long_running: round {round_no}, {total} rows counted, "
        f"{elapsed:.0f}/{duration:.0f} s elapsed",
        flush=True,
    )
    spark.range(1).selectExpr(
        f"reflect('java.lang.Thread', 'sleep', CAST({pause_ms} AS BIGINT))"
    ).collect()

print(f"long_running: done after {round_no} rounds", flush=True)
