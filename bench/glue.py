"""Glue compatibility overhead: one transformation as a Glue script and as plain PySpark.

Starts its own daemon (SQLite, one warm driver on local[2]) in a temporary directory,
writes 1,000,000 CSV rows (and, through a run, the same rows as typed Parquet), and runs
both scripts on the warm pool, alternating, N times each per format: the wall time of each
run (started -> completed) and the Glue script's overhead. CSV is where Glue's semantics
cost a pass: its reader types every value (choice types) before the frame has a schema;
Parquet carries its types, so there the overhead is the compatibility layer's alone.
Then the warm-pool start latency of a Glue script: API call -> its first line, and -> the
line after GlueContext and Job.init. It asserts nothing.
Usage: .venv/bin/python bench/glue.py [--rows 1000000] [--repeats 3] [--latency-runs 30]"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support.daemon import DaemonProcess

GLUE = """\
import sys
from awsglue import DynamicFrame
from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext
from pyspark.sql import functions as F

args = getResolvedOptions(sys.argv, ["JOB_NAME", "source", "target", "format"])
glueContext = GlueContext(SparkContext.getOrCreate())
job = Job(glueContext)
job.init(args["JOB_NAME"], args)
src = glueContext.create_dynamic_frame.from_options(
    connection_type="s3", connection_options={"paths": [args["source"]]},
    format=args["format"], transformation_ctx="src",
    format_options={"withHeader": True} if args["format"] == "csv" else {})
out = (src.toDF().withColumn("amount", F.col("amount").cast("double"))
       .where(F.col("amount") > 10).groupBy("region").agg(F.sum("amount").alias("total")))
glueContext.write_dynamic_frame.from_options(
    frame=DynamicFrame.fromDF(out, glueContext, "out"), connection_type="s3",
    connection_options={"path": args["target"]}, format="parquet")
job.commit()
"""

PLAIN = """\
import sys
from pyspark.sql import SparkSession, functions as F

a = dict(zip(sys.argv[1::2], sys.argv[2::2]))
spark = SparkSession.builder.getOrCreate()
src = spark.read.format(a["--format"]).option("header", "true").load(a["--source_dir"])
out = (src.withColumn("amount", F.col("amount").cast("double"))
       .where(F.col("amount") > 10).groupBy("region").agg(F.sum("amount").alias("total")))
out.write.mode("append").parquet(a["--target_dir"])
"""

TO_PARQUET = """\
import sys
from pyspark.sql import SparkSession, functions as F

a = dict(zip(sys.argv[1::2], sys.argv[2::2]))
spark = SparkSession.builder.getOrCreate()
src = spark.read.option("header", "true").csv(a["--source_dir"])
src.select(F.col("id").cast("long"), "region", F.col("amount").cast("double")).write.parquet(
    a["--target_dir"])
"""

FIRST_LINE = """\
import time
print(time.time_ns(), flush=True)
import sys
from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext

args = getResolvedOptions(sys.argv, ["JOB_NAME"])
glueContext = GlueContext(SparkContext())
job = Job(glueContext)
job.init(args["JOB_NAME"], args)
print(time.time_ns(), flush=True)
job.commit()
"""


def write_rows(root: Path, rows: int) -> None:
    rng = random.Random(14)
    root.mkdir(parents=True)
    per = rows // 4
    for part in range(4):
        with (root / f"part-{part}.csv").open("w") as out:
            out.write("id,region,amount\n")
            for i in range(per):
                out.write(f"{part * per + i},{rng.choice('abcdefgh')},{rng.random() * 100:.2f}\n")


def seconds(run: dict[str, str]) -> float:
    started = datetime.fromisoformat(run["started_on"])
    return (datetime.fromisoformat(run["completed_on"]) - started).total_seconds()


def timed(daemon: DaemonProcess, job: str, **args: str) -> float:
    body = {"arguments": {f"--{k}": v for k, v in args.items()}}
    run = daemon.wait_state(daemon.start_run(job, **body)["id"], timeout=900)
    assert run["state"] == "SUCCEEDED", daemon.logs(run["id"], "stderr")[-2000:]
    return seconds(run)


def overhead(daemon: DaemonProcess, tmp: Path, fmt: str, repeats: int) -> None:
    """Glue and plain runs of one format, alternating so drift hits both alike."""
    glue, plain = [], []
    for i in range(repeats + 1):  # the first pair warms the JIT and the file cache
        g = timed(daemon, "bench-glue", source=f"s3://bench/{fmt}/", format=fmt,
                  target=f"s3://bench/out-glue-{fmt}-{i}/")  # fmt: skip
        p = timed(daemon, "bench-plain", source_dir=str(tmp / fmt), format=fmt,
                  target_dir=str(tmp / f"out-plain-{fmt}-{i}"))  # fmt: skip
        if i:
            glue.append(g)
            plain.append(p)
    gm, pm = statistics.median(glue), statistics.median(plain)
    print(f"{fmt:<8} plain PySpark  median {pm:6.2f} s  runs {[round(x, 2) for x in plain]}")
    print(f"{fmt:<8} Glue script    median {gm:6.2f} s  runs {[round(x, 2) for x in glue]}")
    print(f"{fmt:<8} overhead       {100 * (gm - pm) / pm:+.1f} %  (target: within 10 %)")


def start_latency(daemon: DaemonProcess, runs: int) -> None:
    daemon.create_job("bench-first-line", FIRST_LINE)
    firsts, readies = [], []
    for _ in range(runs):
        t0 = time.time_ns()
        run_id = daemon.start_run("bench-first-line")["id"]
        run = daemon.wait_state(run_id, timeout=120)
        assert run["state"] == "SUCCEEDED", run
        first, ready = (int(x) for x in daemon.logs(run_id).split()[:2])
        firsts.append((first - t0) / 1e6)
        readies.append((ready - t0) / 1e6)
    for name, values in (("first line", firsts), ("after GlueContext + Job.init", readies)):
        ordered = sorted(values)
        p90 = ordered[round(0.9 * (len(ordered) - 1))]
        print(f"warm pool, API call -> {name:<30} p50 {statistics.median(values):7.1f} ms  "
              f"p90 {p90:7.1f} ms  (n={len(values)})")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--latency-runs", type=int, default=30)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="stoker-bench-glue-") as name:
        tmp = Path(name)
        write_rows(tmp / "csv", options.rows)
        # Bucket "bench" is the temporary directory, as [glue] s3_buckets maps it.
        env = {"STOKER_GLUE__S3_BUCKETS": json.dumps({"bench": str(tmp)})}
        daemon = DaemonProcess(tmp / "daemon", pool_size=1, env=env).start()
        try:
            print(json.dumps({"rows": options.rows, "repeats": options.repeats}))
            daemon.create_job("bench-glue", GLUE)
            daemon.create_job("bench-plain", PLAIN)
            daemon.create_job("bench-to-parquet", TO_PARQUET)
            timed(daemon, "bench-to-parquet", source_dir=str(tmp / "csv"),
                  target_dir=str(tmp / "parquet"))  # fmt: skip
            for fmt in ("csv", "parquet"):
                overhead(daemon, tmp, fmt, options.repeats)
            start_latency(daemon, options.latency_runs)
        finally:
            daemon.stop()


if __name__ == "__main__":
    main()
