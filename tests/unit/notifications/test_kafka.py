"""Kafka client configuration from settings, and the publisher's acknowledged-prefix rule."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from stoker.config.events import KafkaSettings
from stoker.config.settings import Settings, masked_dump
from stoker.domain.events import OutboxEvent
from stoker.notifications.kafka import (
    KafkaPublisher,
    admin_config,
    consumer_config,
    producer_config,
    redacted,
)

SECURE = KafkaSettings(
    bootstrap_servers="k1:9093, k2:9093",
    security_protocol="SASL_SSL",
    sasl_mechanism="SCRAM-SHA-512",
    sasl_username="stoker",
    sasl_password=SecretStr("hunter2"),
    ssl_cafile=Path("/etc/ca.pem"),
    client_id="stoker-a",
)


def test_producer_is_acks_all_one_in_flight_with_security_passed_through() -> None:
    config = producer_config(SECURE)
    assert config["acks"] == "all"
    assert config["max_in_flight_requests_per_connection"] == 1
    assert config["retries"] > 0
    assert config["bootstrap_servers"] == ["k1:9093", "k2:9093"]
    assert config["security_protocol"] == "SASL_SSL"
    assert config["sasl_mechanism"] == "SCRAM-SHA-512"
    assert config["sasl_plain_username"] == "stoker"
    assert config["sasl_plain_password"] == "hunter2"
    assert config["ssl_cafile"] == "/etc/ca.pem"
    assert "ssl_certfile" not in config
    assert config["client_id"] == "stoker-a"
    for other in (consumer_config(SECURE, "g"), admin_config(SECURE)):
        assert other["sasl_plain_password"] == "hunter2"


def test_every_config_key_is_one_kafka_python_knows() -> None:
    from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer

    assert set(producer_config(SECURE)) <= set(KafkaProducer.DEFAULT_CONFIG)
    assert set(consumer_config(SECURE, "g")) <= set(KafkaConsumer.DEFAULT_CONFIG)
    assert set(admin_config(SECURE)) <= set(KafkaAdminClient.DEFAULT_CONFIG)


def test_secrets_are_masked_in_logs_and_config_show() -> None:
    assert "hunter2" not in repr(redacted(producer_config(SECURE)))
    assert "hunter2" not in repr(SECURE)
    dumped = masked_dump(Settings(kafka=SECURE))
    assert dumped["kafka"]["sasl_password"] == "****"
    assert "hunter2" not in json.dumps(dumped)


def test_plaintext_default_has_no_security_keys() -> None:
    config = producer_config(KafkaSettings(bootstrap_servers="127.0.0.1:9092"))
    assert config["security_protocol"] == "PLAINTEXT"
    assert not any(k.startswith(("sasl_", "ssl_")) for k in config)


def test_unknown_security_protocol_is_refused() -> None:
    with pytest.raises(ValueError, match="security_protocol"):
        KafkaSettings(security_protocol="TLS")  # type: ignore[arg-type]


class FakeFuture:
    def __init__(self, ok: bool) -> None:
        self.is_done = True
        self.ok = ok
        self.exception = None if ok else ConnectionError("nope")

    def succeeded(self) -> bool:
        return self.ok


class FakeProducer:
    def __init__(self, outcomes: list[bool]) -> None:
        self.outcomes = outcomes
        self.sent: list[tuple[str, bytes, bytes]] = []

    def send(self, topic: str, value: bytes, key: bytes) -> FakeFuture:
        self.sent.append((topic, key, value))
        return FakeFuture(self.outcomes[len(self.sent) - 1])

    def flush(self, timeout: float) -> None:
        pass

    def close(self, timeout: float) -> None:
        pass


def event(seq: int, job: str) -> OutboxEvent:
    payload: dict[str, Any] = {"id": str(seq), "detail": {"jobName": job}}
    t = datetime(2026, 1, 1, tzinfo=UTC)
    return OutboxEvent(seq, str(seq), None, job, "Job State Change", payload, t)


def test_publisher_sends_payload_keyed_by_job_and_returns_acked_prefix() -> None:
    producer = FakeProducer([True, True, False, True])
    publisher = KafkaPublisher(
        KafkaSettings(bootstrap_servers="x:1", topic="t"), lambda _k: producer
    )
    events = [event(1, "a"), event(2, "b"), event(3, "a"), event(4, "a")]
    acked, error = publisher.publish(events)
    assert acked == [1, 2]  # seq 4 was acked after 3 failed: resent later, not reported
    assert isinstance(error, ConnectionError)
    assert producer.sent[0] == ("t", b"a", b'{"id":"1","detail":{"jobName":"a"}}')


def test_publisher_reports_a_broker_it_cannot_reach() -> None:
    def factory(_k: KafkaSettings) -> Any:
        raise ConnectionError("NoBrokersAvailable")

    publisher = KafkaPublisher(KafkaSettings(bootstrap_servers="x:1"), factory)
    acked, error = publisher.publish([event(1, "a")])
    assert acked == [] and isinstance(error, ConnectionError)
