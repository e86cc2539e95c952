"""Kafka for the event tests: dedicated brokers a test may stop, a reader of a whole topic,
and checks that what Kafka holds is exactly the outbox, in order per job, schema-valid."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from stoker.config.events import KafkaSettings
from stoker.notifications.kafka import make_consumer
from tests.support.daemon import REPO, DaemonProcess
from tests.unit.notifications.events_schema import assert_valid

KAFKA_SH = REPO / "scripts" / "kafka.sh"
PYSHELL = {"name": "pythonshell"}


def free_port_pair() -> int:
    """A port whose successor is free too (the broker's controller listens on port + 1)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        if port < 65535:
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", port + 1))
                except OSError:
                    continue
            return port
    raise RuntimeError("no two consecutive free ports")


@dataclass
class Broker:
    """A broker of our own (scripts/kafka.sh on its own port): stopping it touches no other test."""

    port: int

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _sh(self, verb: str) -> None:
        result = subprocess.run(
            ["bash", str(KAFKA_SH), verb], env=self._env(), capture_output=True, text=True,
            timeout=180, check=False,
        )  # fmt: skip
        assert result.returncode == 0, f"kafka.sh {verb}: {result.stderr}"

    def _env(self) -> dict[str, str]:
        return {**os.environ, "KAFKA_PORT": str(self.port)}

    def up(self) -> Broker:
        self._sh("up")
        return self

    def down(self) -> None:
        self._sh("down")

    def forget(self) -> None:
        """Its KRaft data and config: a random port is not reused, so nothing should pile up."""
        cache = REPO / ".cache" / "kafka"
        shutil.rmtree(cache / f"data-{self.port}", ignore_errors=True)
        for name in (
            f"server-{self.port}.properties",
            f"broker-{self.port}.log",
            f"broker-{self.port}.lock",
        ):
            (cache / name).unlink(missing_ok=True)


@pytest.fixture
def own_broker() -> Iterator[Callable[[], Broker]]:
    """Factory of dedicated brokers (not started); each is stopped and forgotten afterwards."""
    if not KAFKA_SH.exists():
        pytest.skip("scripts/kafka.sh is missing")
    made: list[Broker] = []

    def make() -> Broker:
        broker = Broker(free_port_pair())
        made.append(broker)
        return broker

    yield make
    for broker in made:
        broker.down()
        broker.forget()


def unique_topic() -> str:
    return f"stoker.test.{uuid.uuid4().hex[:12]}"


def kafka_env(bootstrap: str, topic: str) -> dict[str, str]:
    return {"STOKER_KAFKA__BOOTSTRAP_SERVERS": bootstrap, "STOKER_KAFKA__TOPIC": topic}


def read_topic(bootstrap: str, topic: str, at_least: int, timeout: float = 30) -> list[Any]:
    """Every message of ``topic`` from the beginning; waits for ``at_least``, then one quiet
    second more so that a duplicate arriving late is seen too."""
    consumer = make_consumer(KafkaSettings(bootstrap_servers=bootstrap), topic)
    messages: list[Any] = []
    deadline = time.monotonic() + timeout
    quiet_until: float | None = None
    try:
        while time.monotonic() < deadline:
            batch = consumer.poll(timeout_ms=300)
            got = [m for records in batch.values() for m in records]
            messages.extend(got)
            if len(messages) >= at_least:
                if got or quiet_until is None:
                    quiet_until = time.monotonic() + 1.0
                elif time.monotonic() > quiet_until:
                    break
    finally:
        consumer.close()
    # One job's events share a key, so a partition: its offsets are their arrival order.
    return sorted(messages, key=lambda m: (m.partition, m.offset))


def outbox(daemon: DaemonProcess, pending: bool | None = None) -> list[dict[str, Any]]:
    params: dict[str, Any] = {"limit": 1000}
    if pending is not None:
        params["pending"] = str(pending).lower()
    events: list[dict[str, Any]] = []
    while True:
        response = daemon.http.get("/events", params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        events += page["events"]
        if not page.get("next_token"):
            return events
        params["next_token"] = page["next_token"]


def wait_delivered(daemon: DaemonProcess, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while outbox(daemon, pending=True):
        assert time.monotonic() < deadline, f"still pending: {len(outbox(daemon, pending=True))}"
        time.sleep(0.2)


def check_delivery(messages: list[Any], stored: list[dict[str, Any]]) -> int:
    """Kafka holds every stored event, schema-valid, keyed by job, in seq order per job.

    Returns how many duplicates (same id, same payload) arrived; anything else fails.
    """
    by_id = {e["id"]: e for e in stored}
    seen: dict[str, dict[str, Any]] = {}
    duplicates = 0
    order: dict[str, list[int]] = {}
    for message in messages:
        event = json.loads(message.value)
        assert_valid(event)
        assert message.key == event["detail"]["jobName"].encode()
        assert event["id"] in by_id, f"not in the outbox: {event}"
        assert event == by_id[event["id"]]["event"]
        if event["id"] in seen:
            duplicates += 1
            continue
        seen[event["id"]] = event
        order.setdefault(event["detail"]["jobName"], []).append(by_id[event["id"]]["seq"])
    missing = set(by_id) - set(seen)
    assert not missing, f"{len(missing)} events never reached Kafka"
    for job, seqs in order.items():
        assert seqs == sorted(seqs), f"{job}: events out of order {seqs}"
    return duplicates


def check_transitions(stored: list[dict[str, Any]]) -> None:
    """Each run's events chain: the first has no previous state, each follows the last."""
    runs: dict[str, list[dict[str, Any]]] = {}
    for e in sorted(stored, key=lambda e: e["seq"]):
        if e["detail_type"] == "Job State Change":
            runs.setdefault(e["run_id"], []).append(e["event"]["detail"])
    for run_id, details in runs.items():
        assert details[0]["previousState"] is None, run_id
        for before, after in itertools.pairwise(details):
            assert after["previousState"] == before["state"], (run_id, details)
        assert details[-1]["state"] in TERMINAL, (run_id, details)


def wait_runs_done(daemon: DaemonProcess, count: int, timeout: float = 90) -> list[dict[str, Any]]:
    """Wait until ``count`` runs exist and all are terminal (retries included)."""
    deadline = time.monotonic() + timeout
    while True:
        runs = daemon.runs()
        if len(runs) >= count and all(r["state"] in TERMINAL for r in runs):
            return runs
        assert time.monotonic() < deadline, [r["state"] for r in runs]
        time.sleep(0.2)


TERMINAL = {"SUCCEEDED", "FAILED", "STOPPED", "TIMEOUT", "ERROR"}


def write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data))
