"""The broker of `make test` (scripts/kafka.sh) really is a Kafka broker: a topic is created,
keyed messages are acknowledged by all in-sync replicas and read back in order."""

from __future__ import annotations

import time
import uuid

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic


def test_produce_and_consume_keyed_messages(kafka_bootstrap: str) -> None:
    topic = f"stoker.test.smoke.{uuid.uuid4().hex[:12]}"
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap, request_timeout_ms=30_000)
    try:
        admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])
    finally:
        admin.close()

    sent = [(b"job-a", b"first"), (b"job-a", b"second"), (b"job-b", b"third")]
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all", retries=5)
    try:
        metadata = [producer.send(topic, key=k, value=v).get(timeout=30) for k, v in sent]
    finally:
        producer.close()
    assert [m.offset for m in metadata] == [0, 1, 2]

    consumer = KafkaConsumer(bootstrap_servers=kafka_bootstrap, enable_auto_commit=False)
    partition = TopicPartition(topic, 0)
    consumer.assign([partition])
    consumer.seek_to_beginning(partition)
    received: list[tuple[bytes | None, bytes | None]] = []
    deadline = time.monotonic() + 30
    try:
        while len(received) < len(sent) and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                received.extend((r.key, r.value) for r in records)
    finally:
        consumer.close()
    assert received == sent
