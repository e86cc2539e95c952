"""EVENT triggers through a real daemon and a real Kafka broker: a batch of 3 fires once,
the window fires a lone event, unreadable messages reach the dead-letter topic, and a
redelivered message (offsets rewound while the daemon was down) never fires twice."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kafka import TopicPartition
from kafka.admin import NewTopic
from kafka.structs import OffsetAndMetadata

from stoker.config.events import KafkaSettings
from stoker.notifications.kafka import make_admin, make_consumer, make_producer
from tests.support.daemon import DaemonProcess
from tests.support.waiting import eventually, unique

PYSHELL = {"name": "pythonshell"}
ECHO = "import sys\nprint('argv', sys.argv, flush=True)\n"
FAILED = {"detail": {"state": ["FAILED"]}}


@pytest.fixture(scope="module")
def kafka(kafka_bootstrap: str) -> KafkaSettings:
    return KafkaSettings(bootstrap_servers=kafka_bootstrap)


@pytest.fixture(scope="module")
def dead_letter_topic(kafka: KafkaSettings) -> str:
    return create_topic(kafka, unique("dead-letter"))


@pytest.fixture(scope="module")
def group() -> str:
    # A group of our own: other daemons on the same broker must not share our partitions.
    return unique("stoker-test")


def daemon_for(workdir: Path, kafka: KafkaSettings, group: str, dead_letter: str) -> DaemonProcess:
    return DaemonProcess(workdir, pool_size=0, env={
        "STOKER_KAFKA__BOOTSTRAP_SERVERS": kafka.bootstrap_servers or "",
        "STOKER_KAFKA__CONSUMER_GROUP": group,
        "STOKER_KAFKA__DEAD_LETTER_TOPIC": dead_letter,
        "STOKER_KAFKA__TOPIC": unique("status"),
    }).start()  # fmt: skip


@pytest.fixture(scope="module")
def daemon(
    tmp_path_factory: pytest.TempPathFactory, kafka: KafkaSettings, group: str,
    dead_letter_topic: str,
) -> Iterator[DaemonProcess]:  # fmt: skip
    proc = daemon_for(tmp_path_factory.mktemp("events-in"), kafka, group, dead_letter_topic)
    yield proc
    proc.stop()


def create_topic(kafka: KafkaSettings, name: str) -> str:
    """One partition, so offsets say the order the test produced in."""
    admin = make_admin(kafka)
    try:
        admin.create_topics([NewTopic(name, num_partitions=1, replication_factor=1)])
    finally:
        admin.close()
    return name


def produce(kafka: KafkaSettings, topic: str, *values: bytes) -> None:
    producer = make_producer(kafka)
    try:
        for value in values:
            producer.send(topic, value=value).get(timeout=30)
    finally:
        producer.close(timeout=5)


def event(event_id: str, state: str) -> bytes:
    return json.dumps({"id": event_id, "detail": {"state": state, "jobName": "x"}}).encode()


def event_trigger(
    daemon: DaemonProcess, kafka: KafkaSettings, size: int, window: int = 900
) -> tuple[str, str]:
    """A fresh job and an ACTIVATED EVENT trigger on a fresh topic; (job, topic)."""
    job, topic = unique("on-event"), create_topic(kafka, unique("events"))
    daemon.create_job(job, ECHO, command=PYSHELL)
    response = daemon.http.post("/triggers", json={
        "name": unique("trigger"), "type": "EVENT", "actions": [{"job_name": job}],
        "event": {"topic": topic, "pattern": FAILED, "batch_size": size, "batch_window": window},
        "start_on_creation": True,
    })  # fmt: skip
    assert response.status_code == 201, response.text
    return job, topic


def runs_of(daemon: DaemonProcess, job: str) -> list[dict[str, Any]]:
    return list(reversed(daemon.runs(job=job)))


def test_batch_size_fires_once_for_three_matching_events(
    daemon: DaemonProcess, kafka: KafkaSettings
) -> None:
    job, topic = event_trigger(daemon, kafka, size=3)
    produce(kafka, topic, event("e1", "FAILED"), event("e2", "SUCCEEDED"), event("e3", "FAILED"))
    time.sleep(2)
    assert runs_of(daemon, job) == [], "fired before the batch was full"
    produce(kafka, topic, event("e4", "RUNNING"), event("e5", "FAILED"))
    (run,) = eventually(lambda: runs_of(daemon, job), "a run from the full batch")
    assert run["triggered_by"].startswith("trigger-")
    args = run["arguments"]
    assert args["--stoker-event-ids"] == "e1,e3,e5"
    assert args["--stoker-batch-condition"] == "BatchSize"
    payloads = json.loads(Path(args["--stoker-events-file"]).read_text())
    assert [p["payload"]["id"] for p in payloads] == ["e1", "e3", "e5"]
    assert [p["offset"] for p in payloads] == [0, 2, 4]
    done = daemon.wait_state(run["id"])
    assert done["state"] == "SUCCEEDED", done
    assert "--stoker-event-ids" in daemon.logs(run["id"])
    time.sleep(1)
    assert len(runs_of(daemon, job)) == 1


def test_batch_window_fires_a_lone_event(daemon: DaemonProcess, kafka: KafkaSettings) -> None:
    job, topic = event_trigger(daemon, kafka, size=3, window=2)
    time.sleep(1.5)  # the consumer subscribes within a refresh (1 s)
    produced = time.monotonic()
    produce(kafka, topic, event("lone", "FAILED"))
    (run,) = eventually(lambda: runs_of(daemon, job), "a run when the window expires")
    waited = time.monotonic() - produced
    assert 1.5 <= waited <= 10, waited
    assert run["arguments"]["--stoker-event-ids"] == "lone"
    assert run["arguments"]["--stoker-batch-condition"] == "BatchWindow"


def dead_letters(kafka: KafkaSettings, topic: str) -> list[Any]:
    consumer = make_consumer(kafka, topic, group_id=None)
    try:
        found: list[Any] = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not found:
            for records in consumer.poll(timeout_ms=500).values():
                found.extend(records)
        return found
    finally:
        consumer.close()


def test_malformed_messages_go_to_the_dead_letter_topic(
    daemon: DaemonProcess, kafka: KafkaSettings, dead_letter_topic: str
) -> None:
    job, topic = event_trigger(daemon, kafka, size=1)
    produce(kafka, topic, b"not json {", event("fine", "FAILED"))
    # The message after the malformed one is still consumed: the consumer went on.
    eventually(lambda: runs_of(daemon, job), "the good message fires")
    records = eventually(lambda: [r for r in dead_letters(kafka, dead_letter_topic)
                                  if dict(r.headers)["stoker-source-topic"] == topic.encode()],
                         "a dead letter")  # fmt: skip
    (record,) = records
    headers = dict(record.headers)
    assert headers["stoker-reason"].startswith(b"not JSON")
    assert headers["stoker-source-offset"] == b"0"
    assert record.value == b"not json {"


def rewind(kafka: KafkaSettings, group: str, topic: str) -> None:
    """Commit offset 0 for the (idle) group: the next daemon reads the topic again."""
    consumer = make_consumer(kafka, group_id=group)
    try:
        partition = TopicPartition(topic, 0)
        consumer.assign([partition])
        consumer.commit({partition: OffsetAndMetadata(0, "", -1)})
        assert consumer.committed(partition) == 0
    finally:
        consumer.close()


def test_a_redelivered_message_does_not_fire_twice(
    tmp_path: Path, kafka: KafkaSettings, dead_letter_topic: str
) -> None:
    group = unique("stoker-redelivery")
    first = daemon_for(tmp_path, kafka, group, dead_letter_topic)
    try:
        job, topic = event_trigger(first, kafka, size=1)
        produce(kafka, topic, event("once-1", "FAILED"), event("once-2", "FAILED"))
        eventually(lambda: len(runs_of(first, job)) == 2, "two runs, one per event")
    finally:
        first.stop()
    rewind(kafka, group, topic)
    again = daemon_for(tmp_path, kafka, group, dead_letter_topic)
    try:
        produce(kafka, topic, event("once-3", "FAILED"))
        # once-3 is read after the redelivered once-1 and once-2 (one partition, in order).
        eventually(lambda: len(runs_of(again, job)) >= 3, "the new event fires")
        time.sleep(1)
        ids = [r["arguments"]["--stoker-event-ids"] for r in runs_of(again, job)]
        assert ids == ["once-1", "once-2", "once-3"]
    finally:
        again.stop()
    assert committed(kafka, group, topic) == 3, "the rewound messages were not read again"


def committed(kafka: KafkaSettings, group: str, topic: str) -> int | None:
    consumer = make_consumer(kafka, group_id=group)
    try:
        return consumer.committed(TopicPartition(topic, 0))  # type: ignore[no-any-return]
    finally:
        consumer.close()
