"""Events out on a real Kafka broker: each transition once and in order, an outage, a crash."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from tests.integration.events.conftest import (
    PYSHELL,
    Broker,
    check_delivery,
    check_transitions,
    kafka_env,
    outbox,
    read_topic,
    unique_topic,
    wait_delivered,
    wait_runs_done,
)
from tests.support.daemon import REPO, STOKER, DaemonProcess

OK = "print('ok')\n"
BAD = "raise ValueError('boom')\n"


def daemon_for(tmp: Path, bootstrap: str, topic: str) -> DaemonProcess:
    return DaemonProcess(tmp, pool_size=0, env=kafka_env(bootstrap, topic))


def broker_down_warnings(daemon: DaemonProcess) -> int:
    return daemon.log_path.read_text(errors="replace").count("action=relay.broker_down")


def test_every_transition_arrives_once_in_order_and_schema_valid(
    tmp_path: Path, kafka_bootstrap: str
) -> None:
    topic = unique_topic()
    daemon = daemon_for(tmp_path, kafka_bootstrap, topic).start()
    try:
        daemon.create_job("ok", OK, command=PYSHELL)
        daemon.create_job("bad", BAD, command=PYSHELL)
        daemon.create_job("flaky", BAD, command=PYSHELL, max_retries=1)
        for job in ("ok", "bad", "flaky"):
            daemon.start_run(job)
        runs = wait_runs_done(daemon, 4)  # flaky's retry is the fourth
        assert sorted(r["state"] for r in runs) == ["FAILED", "FAILED", "FAILED", "SUCCEEDED"]
        wait_delivered(daemon)
        stored = outbox(daemon)
        messages = read_topic(kafka_bootstrap, topic, at_least=len(stored))
        assert check_delivery(messages, stored) == 0  # exactly once
        check_transitions(stored)
        assert {e["run_id"] for e in stored} == {r["id"] for r in runs}
        pending = subprocess_json(daemon, "events", "list", "--pending", "-o", "json")
        assert pending == []
    finally:
        daemon.stop()


def subprocess_json(daemon: DaemonProcess, *args: str) -> object:
    """The CLI's JSON output, pointed at ``daemon``."""
    env = {"PATH": os.environ.get("PATH", ""), "STOKER_API_URL": daemon.url}
    result = subprocess.run(
        [STOKER, *args], env=env, cwd=REPO, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_broker_outage_holds_events_and_delivers_all_in_order(
    tmp_path: Path, own_broker: Callable[[], Broker]
) -> None:
    broker = own_broker().up()
    topic = unique_topic()
    daemon = daemon_for(tmp_path, broker.bootstrap, topic).start()
    try:
        jobs = [f"job{i}" for i in range(5)]
        for job in jobs:
            daemon.create_job(job, OK, command=PYSHELL, max_concurrent_runs=10)
        daemon.start_run(jobs[0])
        wait_runs_done(daemon, 1)
        wait_delivered(daemon)  # the relay is connected and the topic exists
        broker.down()
        for i in range(50):
            daemon.start_run(jobs[i % len(jobs)])
        wait_runs_done(daemon, 51, timeout=120)
        held = outbox(daemon, pending=True)
        assert len(held) >= 50 * 3  # every transition of the 50 runs waits
        deadline = time.monotonic() + 30
        while broker_down_warnings(daemon) == 0 and time.monotonic() < deadline:
            time.sleep(0.2)
        broker.up()
        wait_delivered(daemon, timeout=60)
        stored = outbox(daemon)
        messages = read_topic(broker.bootstrap, topic, at_least=len(stored))
        check_delivery(messages, stored)
        check_transitions(stored)
        log = daemon.log_path.read_text(errors="replace")
        assert log.count("action=relay.broker_down") == 1, log[-3000:]
        assert log.count("action=relay.broker_up") == 1, log[-3000:]
    finally:
        daemon.stop()


def test_events_committed_before_a_kill_9_are_delivered_after_restart(
    tmp_path: Path, own_broker: Callable[[], Broker]
) -> None:
    broker = own_broker()  # not started: nothing can be published before the crash
    topic = unique_topic()
    daemon = daemon_for(tmp_path, broker.bootstrap, topic).start()
    try:
        daemon.create_job("ok", OK, command=PYSHELL, max_concurrent_runs=5)
        for _ in range(3):
            daemon.start_run("ok")
        wait_runs_done(daemon, 3)
        committed = outbox(daemon, pending=True)
        assert len(committed) >= 9
        daemon.kill9()
    finally:
        daemon.stop()
    broker.up()
    again = daemon_for(tmp_path, broker.bootstrap, topic).start()
    try:
        wait_delivered(again)
        stored = outbox(again)
        assert {e["id"] for e in committed} <= {e["id"] for e in stored}
        messages = read_topic(broker.bootstrap, topic, at_least=len(stored))
        check_delivery(messages, stored)  # duplicates only ever with the same id and payload
    finally:
        again.stop()
