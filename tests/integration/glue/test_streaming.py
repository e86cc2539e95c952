"""Glue streaming against the suite's Kafka broker: a kafka source read with
create_data_frame.from_options, each window handed to a script's batch function by
glueContext.forEachBatch; the services Glue streams from that stoker lacks fail clearly."""

from __future__ import annotations

import json
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from stoker.glue.runcontext import CONTEXT_ENV
from stoker.glue.testing import write_context

pytestmark = pytest.mark.spark


@pytest.fixture
def glue(glue_spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A GlueContext whose bucket 'lake' is ``tmp_path/lake``."""
    from awsglue.context import GlueContext

    context = write_context(tmp_path / "ctx.json", s3={"lake": str(tmp_path / "lake")})
    monkeypatch.setenv(CONTEXT_ENV, str(context))
    return GlueContext(glue_spark.sparkContext)


def produce(bootstrap: str, topic: str, records: list[dict[str, Any]]) -> None:
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=bootstrap)
    for record in records:
        producer.send(topic, json.dumps(record).encode())
    producer.flush()
    producer.close()


def test_for_each_batch_over_a_kafka_stream(
    glue: Any, glue_spark: Any, kafka_bootstrap: str, tmp_path: Path
) -> None:
    topic = f"glue-stream-{uuid.uuid4().hex[:8]}"
    produce(kafka_bootstrap, topic, [{"id": i, "name": f"n{i}"} for i in range(5)])
    # As Glue Studio's streaming scripts write it.
    frame = glue.create_data_frame.from_options(
        connection_type="kafka",
        connection_options={"bootstrap.servers": kafka_bootstrap, "topicName": topic,
                            "startingOffsets": "earliest", "classification": "json",
                            "inferSchema": "true", "typeOfData": "kafka"},
        transformation_ctx="dataframe_node1",
    )  # fmt: skip
    assert frame.isStreaming and frame.columns == ["id", "name"]
    seen: list[tuple[Any, ...]] = []
    failed: list[BaseException] = []

    def process_batch(data_frame: Any, batch_id: int) -> None:
        seen.extend(tuple(r) for r in data_frame.collect())

    def stream() -> None:
        try:
            options = {"windowSize": "1 seconds", "checkpointLocation": "s3://lake/checkpoint/"}
            glue.forEachBatch(frame=frame, batch_function=process_batch, options=options)
        except BaseException as exc:  # the assertion below reports it
            failed.append(exc)

    worker = threading.Thread(target=stream)
    worker.start()
    deadline = time.monotonic() + 120
    while len(seen) < 5 and time.monotonic() < deadline and worker.is_alive():
        time.sleep(0.5)
    for query in glue_spark.streams.active:  # a streaming job ends when it is stopped
        query.stop()
    worker.join(60)
    assert not worker.is_alive() and not failed, failed
    assert sorted(seen) == [(i, f"n{i}") for i in range(5)]
    assert (tmp_path / "lake" / "checkpoint" / "offsets").is_dir()
    assert glue_spark.streams.active == []


@pytest.mark.parametrize(("call", "message"), [
    (lambda g: g.create_data_frame.from_options("kinesis", {"streamName": "s"}),
     "connection_type 'kinesis' is not supported"),
    (lambda g: g.create_dynamic_frame.from_options("dynamodb", {"dynamodb.input.tableName": "t"}),
     "connection_type 'dynamodb' is not supported"),
    (lambda g: g.create_dynamic_frame.from_options("kafka", {"topicName": "t"}),
     "use create_data_frame.from_options"),
    (lambda g: g.create_data_frame.from_options("kafka", {"connectionName": "msk"}),
     "a named Kafka connection (connectionName) is not supported"),
    (lambda g: g.create_data_frame.from_options(
        "kafka", {"bootstrap.servers": "h:1", "topicName": "t", "classification": "avro"}),
     "Kafka classification 'avro' is not supported"),
    (lambda g: g.create_data_frame.from_options("kafka", {"bootstrap.servers": "h:1"}),
     "needs one of topicName, subscribePattern or assign"),
    (lambda g: g.forEachBatch(frame=g.spark_session.range(1), batch_function=print,
                              options={"checkpointLocation": "/tmp/x"}),
     "frame must be a streaming DataFrame"),
    (lambda g: g.forEachBatch(frame=None, batch_function=print, options={"windowSize": "1s"}),
     "options need checkpointLocation"),
], ids=["kinesis", "dynamodb", "kafka-dynamic-frame", "kafka-connection-name", "classification",
        "no-topic", "not-a-stream", "no-checkpoint"])  # fmt: skip
def test_unsupported_streaming_is_a_clear_error(glue: Any, call: Any, message: str) -> None:
    with pytest.raises(Exception) as raised:
        call(glue)
    assert message in str(raised.value)


STREAM_JOB = """\
import os
import sys
from awsglue.context import GlueContext
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext

args = getResolvedOptions(sys.argv, ["JOB_NAME", "bootstrap", "topic", "checkpoint"])
glueContext = GlueContext(SparkContext.getOrCreate())
print("driver", os.getpid(), flush=True)
frame = glueContext.create_data_frame.from_options(
    connection_type="kafka",
    connection_options={"bootstrap.servers": args["bootstrap"], "topicName": args["topic"],
                        "startingOffsets": "earliest", "classification": "json",
                        "schema": "`id` INT"})

def process_batch(data_frame, batch_id):
    print("batch", sorted(r.id for r in data_frame.collect()), flush=True)

options = {"windowSize": "1 seconds", "checkpointLocation": args["checkpoint"]}
glueContext.forEachBatch(frame=frame, batch_function=process_batch, options=options)
"""

NEXT_JOB = "import os\nprint('driver', os.getpid(), flush=True)\n"


def test_a_streaming_run_on_the_warm_pool_stops_and_leaves_the_driver_warm(
    daemon: Any, kafka_bootstrap: str, lake_root: Path
) -> None:
    topic = f"glue-stream-run-{uuid.uuid4().hex[:8]}"
    produce(kafka_bootstrap, topic, [{"id": i} for i in range(3)])
    daemon.create_job("glue-stream", STREAM_JOB, default_arguments={
        "--bootstrap": kafka_bootstrap, "--topic": topic,
        "--checkpoint": "s3://lake/stream-checkpoint/"})  # fmt: skip
    run_id = daemon.start_run("glue-stream")["id"]
    deadline = time.monotonic() + 180
    while "batch [0, 1, 2]" not in daemon.logs(run_id):
        state = daemon.run(run_id)["state"]
        assert state in ("STARTING", "RUNNING", "WAITING"), daemon.logs(run_id, "stderr")[-3000:]
        assert time.monotonic() < deadline, daemon.logs(run_id, "stderr")[-3000:]
        time.sleep(0.5)
    assert daemon.http.post(f"/runs/{run_id}/stop").status_code == 200
    assert daemon.wait_state(run_id, timeout=60)["state"] == "STOPPED"
    driver = daemon.logs(run_id).split()[1]
    daemon.create_job("glue-after-stream", NEXT_JOB)
    after = daemon.wait_state(daemon.start_run("glue-after-stream")["id"], timeout=60)
    assert after["state"] == "SUCCEEDED"
    # The same warm driver took the next run, and the stream is not writing into it.
    assert daemon.logs(after["id"]).split() == ["driver", driver]
