"""Glue streaming: a Kafka source as a Spark structured-streaming DataFrame, and
``GlueContext.forEachBatch`` running a script's batch function over it.

Kafka is Spark's ``spark-sql-kafka-0-10`` module (its jars fetched from Maven Central by
``scripts/jdbc-drivers.sh``). Glue's connection options map onto Spark's Kafka options;
``classification: json`` parses each record's value into columns, with the schema given
(``schema``, Spark DDL) or inferred (``inferSchema``) from the records the topic holds when
the stream starts. Named connections and the other classifications are refused by name.
"""
# ruff: noqa: N812 - pyspark's own F convention

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from stoker.glue.errors import InvalidInputException, NotSupported
from stoker.glue.formats import require_source

#: Glue's Kafka options that are Spark's under another name.
_RENAMED = {
    "bootstrap.servers": "kafka.bootstrap.servers",
    "security.protocol": "kafka.security.protocol",
    "topicName": "subscribe",
    "pollTimeoutMs": "kafkaConsumer.pollTimeoutMs",
    "numRetries": "fetchOffset.numRetries",
    "retryIntervalMs": "fetchOffset.retryIntervalMs",
}
#: Spark's own names, passed as they are.
_SPARK = frozenset({"subscribePattern", "assign", "startingOffsets", "maxOffsetsPerTrigger",
                    "failOnDataLoss", "minPartitions", "includeHeaders"})  # fmt: skip
#: Read here, not passed to Spark; ``typeOfData`` only says the stream is Kafka.
_OURS = frozenset({"classification", "inferSchema", "schema", "typeOfData"})
_TOPICS = ("topicName", "subscribePattern", "assign")
#: How often forEachBatch checks that its stream is still running.
_WAIT_SECONDS = 0.2


def kafka_frame(glue: Any, call: str, options: Mapping[str, Any]) -> DataFrame:
    """The streaming DataFrame of a Kafka source (``create_data_frame.from_options``)."""
    require_source(call, glue.spark_session, "kafka")
    spark_options = _spark_options(call, options)
    reader = glue.spark_session.readStream.format("kafka").options(**spark_options)
    stream: DataFrame = reader.load()
    classification = str(options.get("classification", "")).lower()
    if not classification:
        return stream
    if classification != "json":
        raise NotSupported(call, f"Kafka classification {classification!r}", "use json")
    return _json_columns(glue, call, stream, spark_options, options)


def _spark_options(call: str, options: Mapping[str, Any]) -> dict[str, str]:
    if "connectionName" in options:
        raise NotSupported(call, "a named Kafka connection (connectionName)",
                           "give bootstrap.servers in connection_options")  # fmt: skip
    unknown = sorted(set(options) - set(_RENAMED) - _SPARK - _OURS)
    if unknown:
        raise NotSupported(call, "Kafka connection option(s) " + ", ".join(map(repr, unknown)))
    if "bootstrap.servers" not in options:
        raise InvalidInputException(f"{call}: a kafka source needs bootstrap.servers")
    if sum(key in options for key in _TOPICS) != 1:
        raise InvalidInputException(
            f"{call}: a kafka source needs one of topicName, subscribePattern or assign"
        )
    out = {_RENAMED.get(k, k): _text(v) for k, v in options.items() if k not in _OURS}
    out.setdefault("startingOffsets", "latest")  # Glue's default
    return out


def _json_columns(
    glue: Any, call: str, stream: DataFrame, spark_options: Mapping[str, str],
    options: Mapping[str, Any],
) -> DataFrame:  # fmt: skip
    """The stream with each value parsed as JSON into the schema's columns."""
    values = stream.select(F.col("value").cast("string").alias("value"))
    if options.get("schema"):
        schema = str(options["schema"])
        return values.select(F.from_json("value", schema).alias("v")).select("v.*")
    if _text(options.get("inferSchema", "false")) != "true":
        raise InvalidInputException(f"{call}: classification json needs schema or inferSchema")
    # What the topic holds now decides the schema, as Glue's inference samples the stream.
    batch = {k: v for k, v in spark_options.items() if k not in ("maxOffsetsPerTrigger",)}
    batch["startingOffsets"], batch["endingOffsets"] = "earliest", "latest"
    sample = glue.spark_session.read.format("kafka").options(**batch).load()
    texts = sample.select(F.col("value").cast("string").alias("value"))
    schema = glue.spark_session.read.json(texts.rdd.map(lambda row: row[0])).schema
    if not schema.fields:
        raise InvalidInputException(
            f"{call}: inferSchema found no records in the topic; give schema instead"
        )
    return values.select(F.from_json("value", schema).alias("v")).select("v.*")


def for_each_batch(
    glue: Any, frame: Any, batch_function: Callable[[DataFrame, int], None],
    options: Mapping[str, Any],
) -> None:  # fmt: skip
    """Run ``batch_function(data_frame, batch_id)`` on every window of ``frame`` until the
    stream stops (Glue's call blocks the same way); a failing batch is retried up to
    ``batchMaxRetries`` times (Glue's default 3), then the stream fails."""
    call = "GlueContext.forEachBatch"
    unknown = sorted(set(options) - {"windowSize", "checkpointLocation", "batchMaxRetries"})
    if unknown:
        raise NotSupported(call, "option(s) " + ", ".join(map(repr, unknown)))
    if not options.get("checkpointLocation"):
        raise InvalidInputException(f"{call}: options need checkpointLocation")
    df = frame.toDF() if hasattr(frame, "toDF") and not isinstance(frame, DataFrame) else frame
    if not isinstance(df, DataFrame) or not df.isStreaming:
        raise InvalidInputException(f"{call}: frame must be a streaming DataFrame (a kafka source)")
    retries = int(options.get("batchMaxRetries", 3))

    def run_batch(data: DataFrame, batch_id: int) -> None:
        for attempt in range(retries + 1):
            try:
                batch_function(data, batch_id)
                return
            except Exception:
                if attempt == retries:
                    raise

    location = glue.run_context.path(str(options["checkpointLocation"]))
    query = (df.writeStream.foreachBatch(run_batch)
             .trigger(processingTime=str(options.get("windowSize", "100 seconds")))
             .option("checkpointLocation", location).start())  # fmt: skip
    try:
        # Waiting in time.sleep, not in py4j's awaitTermination, leaves the run's script
        # thread where a warm driver's stop may interrupt it (never mid-py4j-call).
        while query.isActive:
            time.sleep(_WAIT_SECONDS)
        query.awaitTermination()  # returns at once, raising the stream's failure if any
    finally:
        # A run that ends or is stopped leaves no stream behind in a warm driver.
        query.stop()


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)
