"""Kafka events benchmark: state change → event consumed, event → run's first line, relay
throughput with a backlog. Starts its own broker (scripts/kafka.sh on a free port) and
daemons (SQLite); prints figures, asserts nothing.
Usage: .venv/bin/python bench/events.py [--runs 200] [--events 100] [--backlog 100000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic

from bench.start_latency import summary
from stoker.domain.events import EventIdentity, state_change_event
from stoker.domain.jobs import Job
from stoker.domain.runs import new_run
from stoker.domain.states import RunState
from stoker.store import outbox
from stoker.store.engine import Database, upgrade
from tests.support.daemon import REPO, DaemonProcess, free_port

FIRST_LINE = "import time\nprint(time.time_ns(), flush=True)\n"


class Broker:
    def __init__(self) -> None:
        self.port = free_port()
        self.env = {**os.environ, "KAFKA_PORT": str(self.port)}

    def __enter__(self) -> str:
        subprocess.run(["bash", str(REPO / "scripts/kafka.sh"), "up"], env=self.env,
                       check=True, capture_output=True, timeout=300)  # fmt: skip
        return f"127.0.0.1:{self.port}"

    def __exit__(self, *_: object) -> None:
        subprocess.run(["bash", str(REPO / "scripts/kafka.sh"), "down"], env=self.env,
                       check=False, capture_output=True, timeout=120)  # fmt: skip


def kafka_env(bootstrap: str, topic: str) -> dict[str, str]:
    return {"STOKER_KAFKA__BOOTSTRAP_SERVERS": bootstrap, "STOKER_KAFKA__TOPIC": topic,
            "STOKER_LOGS__LEVEL": "WARNING"}  # fmt: skip


def consume_times(bootstrap: str, topic: str, stop: threading.Event) -> dict[str, int]:
    """Event id → receive time (ns), from a consumer started before the runs."""
    seen: dict[str, int] = {}
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])
    admin.close()
    # Assigned, not subscribed: no group rebalance delays the first events.
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, fetch_max_wait_ms=5)
    consumer.assign([TopicPartition(topic, p) for p in range(3)])
    consumer.seek_to_beginning()

    def loop() -> None:
        while not stop.is_set():
            for records in consumer.poll(timeout_ms=50).values():
                now = time.time_ns()
                for record in records:
                    seen.setdefault(json.loads(record.value)["id"], now)
        consumer.close()

    threading.Thread(target=loop, daemon=True).start()
    return seen


def events_out(workdir: Path, bootstrap: str, runs: int) -> None:
    daemon = DaemonProcess(workdir, pool_size=0, env=kafka_env(bootstrap, "bench.out")).start()
    stop = threading.Event()
    try:
        seen = consume_times(bootstrap, "bench.out", stop)
        daemon.create_job("quick", "pass\n", command={"name": "pythonshell"},
                          max_concurrent_runs=100)  # fmt: skip
        for _ in range(10):  # warm-up: producer connection, metadata
            daemon.wait_state(daemon.start_run("quick")["id"])
        time.sleep(1)
        skip = {e["id"] for e in daemon.events()}
        for _ in range(runs):
            daemon.wait_state(daemon.start_run("quick")["id"])
        time.sleep(2)
        created = {e["id"]: e["created_on"] for e in daemon.events() if e["id"] not in skip}
        lags = [
            (seen[i] - datetime.fromisoformat(t).timestamp() * 1e9) / 1e6
            for i, t in created.items() if i in seen
        ]  # fmt: skip
        print(summary("state change → event consumed", lags))
    finally:
        stop.set()
        daemon.stop()


def events_in(workdir: Path, bootstrap: str, count: int) -> None:
    daemon = DaemonProcess(workdir, pool_size=1, env=kafka_env(bootstrap, "bench.status")).start()
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=0)
    try:
        daemon.create_job("react", FIRST_LINE, max_concurrent_runs=10)
        response = daemon.http.post("/triggers", json={
            "name": "on-order", "type": "EVENT", "start_on_creation": True,
            "actions": [{"job_name": "react"}],
            "event": {"topic": "bench.in", "pattern": {"kind": ["order"]}, "batch_size": 1},
        })  # fmt: skip
        assert response.status_code == 201, response.text
        lags = []
        for i in range(count + 5):
            t0 = time.time_ns()
            producer.send("bench.in", json.dumps({"kind": "order", "n": i}).encode()).get(10)
            deadline = time.monotonic() + 120
            while True:
                runs = daemon.runs(job="react")
                if len(runs) > i and runs[0]["state"] == "SUCCEEDED":
                    break
                assert time.monotonic() < deadline, "event trigger did not fire"
                time.sleep(0.02)
            if i >= 5:  # warm-up: consumer group join, driver warm-up
                lags.append((int(daemon.logs(runs[0]["id"]).split()[0]) - t0) / 1e6)
        print(summary("event published → line 1 (batch 1)", lags))
    finally:
        producer.close()
        daemon.stop()


def relay_backlog(workdir: Path, bootstrap: str, backlog: int) -> None:
    data = workdir / "data"
    db = Database(f"sqlite:///{data / 'stoker.db'}")
    upgrade(db)
    now = datetime.now(UTC)
    jobs = [Job(name=f"job{i}", script_location="/x.py") for i in range(50)]
    with db.write() as conn:
        for n in range(backlog):
            run = new_run(jobs[n % 50], now, arguments={})
            event = state_change_event(
                run.__class__(**{**run.__dict__, "state": RunState.STARTING}),
                None,
                now,
                EventIdentity(),
            )
            outbox.append(conn, event, run.id, now)
    db.dispose()
    start = time.monotonic()
    daemon = DaemonProcess(workdir, pool_size=0, env=kafka_env(bootstrap, "bench.backlog")).start()
    try:
        while daemon.http.get("/events", params={"pending": "true", "limit": 1}).json()["events"]:
            time.sleep(0.1)
        took = time.monotonic() - start
        print(f"{'relay throughput, backlog':<34} {backlog / took:8.0f} events/s "
              f"({backlog} in {took:.1f} s, daemon start included)")  # fmt: skip
    finally:
        daemon.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--events", type=int, default=100)
    parser.add_argument("--backlog", type=int, default=100_000)
    opts = parser.parse_args()
    with Broker() as bootstrap:
        for step in (lambda d: events_out(d, bootstrap, opts.runs),
                     lambda d: events_in(d, bootstrap, opts.events),
                     lambda d: relay_backlog(d, bootstrap, opts.backlog)):  # fmt: skip
            with tempfile.TemporaryDirectory() as tmp:
                step(Path(tmp))


if __name__ == "__main__":
    main()
