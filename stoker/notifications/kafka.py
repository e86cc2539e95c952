"""Kafka client configuration: the only place producer, consumer and admin settings are built."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from stoker.config.events import KafkaSettings
from stoker.domain.events import OutboxEvent

#: How long a send may block waiting for metadata: short, so an outage is noticed quickly
#: and the relay's own backoff (not kafka-python's) paces the retries.
MAX_BLOCK_MS = 5_000
#: Per-batch delivery deadline including kafka-python's internal retries.
DELIVERY_TIMEOUT_MS = 10_000
REQUEST_TIMEOUT_MS = 5_000


def common_config(kafka: KafkaSettings) -> dict[str, Any]:
    """Connection and security settings every client shares (secrets included: never log)."""
    if not kafka.bootstrap_servers:
        raise ValueError("kafka.bootstrap_servers is not set")
    config: dict[str, Any] = {
        "bootstrap_servers": [s.strip() for s in kafka.bootstrap_servers.split(",") if s.strip()],
        "client_id": kafka.client_id,
        "security_protocol": kafka.security_protocol,
    }
    if kafka.sasl_mechanism is not None:
        config["sasl_mechanism"] = kafka.sasl_mechanism
    if kafka.sasl_username is not None:
        config["sasl_plain_username"] = kafka.sasl_username
    if kafka.sasl_password is not None:
        config["sasl_plain_password"] = kafka.sasl_password.get_secret_value()
    for key in ("ssl_cafile", "ssl_certfile", "ssl_keyfile"):
        value = getattr(kafka, key)
        if value is not None:
            config[key] = str(value)
    return config


def producer_config(kafka: KafkaSettings) -> dict[str, Any]:
    """acks=all and one request in flight: a retried batch can never overtake the next one,
    so one job's events (one key, one partition) stay in order."""
    return {
        **common_config(kafka),
        "acks": "all",
        "max_in_flight_requests_per_connection": 1,
        "retries": 5,
        "retry_backoff_ms": 200,
        "linger_ms": 2,
        "max_block_ms": MAX_BLOCK_MS,
        "bootstrap_timeout_ms": MAX_BLOCK_MS,
        "request_timeout_ms": REQUEST_TIMEOUT_MS,
        "delivery_timeout_ms": DELIVERY_TIMEOUT_MS,
        "reconnect_backoff_max_ms": 2_000,
    }


def consumer_config(kafka: KafkaSettings, group_id: str | None) -> dict[str, Any]:
    return {
        **common_config(kafka),
        "group_id": group_id,
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
    }


def admin_config(kafka: KafkaSettings) -> dict[str, Any]:
    return {**common_config(kafka), "request_timeout_ms": REQUEST_TIMEOUT_MS}


def redacted(config: dict[str, Any]) -> dict[str, Any]:
    """A config fit for a log line or an error message."""
    return {k: ("****" if "password" in k else v) for k, v in config.items()}


def make_producer(kafka: KafkaSettings) -> Any:
    """A connected KafkaProducer; raises a KafkaError (NoBrokersAvailable) when none answers."""
    from kafka import KafkaProducer

    return KafkaProducer(**producer_config(kafka))


def make_consumer(kafka: KafkaSettings, *topics: str, group_id: str | None = None) -> Any:
    from kafka import KafkaConsumer

    return KafkaConsumer(*topics, **consumer_config(kafka, group_id))


def make_admin(kafka: KafkaSettings) -> Any:
    from kafka import KafkaAdminClient

    return KafkaAdminClient(**admin_config(kafka))


class KafkaPublisher:
    """Publishes outbox events to one topic; blocking, so the relay calls it from a thread."""

    def __init__(self, kafka: KafkaSettings, factory: Any = make_producer) -> None:
        # kafka-python logs every failed reconnect at ERROR: during an outage that is a line
        # every two seconds. The relay logs the outage once, with the error, instead.
        logging.getLogger("kafka").setLevel(logging.CRITICAL)
        self._kafka = kafka
        self._factory = factory
        self._producer: Any = None

    def publish(self, events: Sequence[OutboxEvent]) -> tuple[list[int], Exception | None]:
        """Send all, wait for every acknowledgement; return the acknowledged prefix's seqs.

        Only a prefix counts: an event acknowledged after one that failed is sent again
        with the rest (a duplicate with the same id) rather than reported out of order.
        """
        if self._producer is None:
            try:
                self._producer = self._factory(self._kafka)
            except Exception as exc:  # NoBrokersAvailable, bad TLS/SASL: the relay backs off
                return [], exc
        futures: list[Any] = []
        error: Exception | None = None
        try:
            for event in events:
                futures.append(
                    self._producer.send(
                        self._kafka.topic,
                        value=json.dumps(event.payload, separators=(",", ":")).encode(),
                        key=event.job_name.encode(),
                    )
                )
            self._producer.flush(timeout=DELIVERY_TIMEOUT_MS / 1000 + 5)
        except Exception as exc:  # KafkaTimeoutError and friends: the outcome is per future
            error = exc
        acked: list[int] = []
        for event, future in zip(events, futures, strict=False):
            if not (future.is_done and future.succeeded()):
                error = error or (future.exception if future.is_done else None)
                break
            acked.append(event.seq)
        if len(acked) < len(events) and error is None:
            error = TimeoutError("not acknowledged in time")
        return acked, error

    def close(self) -> None:
        if self._producer is not None:
            producer, self._producer = self._producer, None
            producer.close(timeout=2)
