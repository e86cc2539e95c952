"""``python -m stoker.datacatalog.sparkschema FORMAT PATH``: print the columns Spark reads.

The daemon runs this in a child process to infer Parquet and ORC schemas, so its own
process never starts a JVM. The last line of stdout is ``[{"name", "type"}, ...]``.
"""

from __future__ import annotations

import json
import sys


def main(argv: list[str]) -> int:
    fmt, path = argv
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[1]")
        .appName("stoker-infer")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .getOrCreate()
    )
    try:
        schema = spark.read.format(fmt).load(path).schema
        columns = [{"name": f.name, "type": f.dataType.simpleString()} for f in schema.fields]
    finally:
        spark.stop()
    sys.stdout.write(json.dumps(columns) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
