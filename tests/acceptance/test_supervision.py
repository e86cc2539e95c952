"""A real `stoker daemon` whose dispatcher crashes (a fault injected by
tests.support.faulty_daemon): restarted, counted, shown in /health and /metrics, the
systemd watchdog withheld meanwhile, the queued runs started once it is back; and a
dispatcher that keeps failing stops the daemon with a non-zero exit."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.acceptance.conftest import PYSHELL, SLEEPER
from tests.support.daemon import REPO, DaemonProcess
from tests.support.notify import NotifyReceiver
from tests.support.waiting import eventually

FAULTY = [sys.executable, "-m", "tests.support.faulty_daemon", "daemon"]
WATCHDOG_SECONDS = 2.0


@pytest.fixture
def notify(tmp_path: Path) -> Iterator[NotifyReceiver]:
    receiver = NotifyReceiver(tmp_path / "notify.sock")
    yield receiver
    receiver.close()


def start_faulty(
    start_daemon: Callable[..., DaemonProcess], faults: str, env: dict[str, str]
) -> DaemonProcess:
    return start_daemon(
        "faulty", pool_size=0, command=FAULTY,
        env={"PYTHONPATH": str(REPO), "FAULTY_DAEMON": faults, **env},
    )  # fmt: skip


def health(daemon: DaemonProcess) -> tuple[int, dict[str, Any]]:
    response = httpx.get(f"{daemon.url}/health", timeout=10)
    return response.status_code, response.json()


def dispatcher_crashes(daemon: DaemonProcess) -> float:
    text = httpx.get(f"{daemon.url}/metrics", timeout=10).text
    for line in text.splitlines():
        if line.startswith('stoker_task_crashes_total{task="dispatcher"}'):
            return float(line.split()[-1])
    raise AssertionError("stoker_task_crashes_total{task=dispatcher} is not in /metrics")


def test_a_crashed_dispatcher_is_restarted_and_the_runs_queued_meanwhile_start(
    start_daemon: Callable[..., DaemonProcess], tmp_path: Path, notify: NotifyReceiver
) -> None:
    fault = tmp_path / "queue-unreadable"
    # A 2 s first backoff (then 4, 8...): the daemon stays up well past the steps below.
    daemon = start_faulty(
        start_daemon, f"dispatcher-while:{fault},backoff:2", notify.env(WATCHDOG_SECONDS)
    )
    eventually(lambda: notify.count("WATCHDOG=1") >= 2, "the watchdog is fed while healthy")
    started = eventually(lambda: health(daemon)[1]["tasks"].get("dispatcher"), "dispatching")
    assert started == {"state": "ok", "critical": True, "crashes": 0}
    assert dispatcher_crashes(daemon) == 0
    daemon.create_job("one-at-a-time", SLEEPER, command=PYSHELL, max_concurrent_runs=1,
                      default_arguments={"--seconds": "1"})  # fmt: skip
    first = daemon.start_run("one-at-a-time")["id"]
    fault.touch()
    queued = daemon.start_run("one-at-a-time")["id"]
    assert daemon.run(queued)["state"] == "WAITING"
    daemon.wait_state(first, {"SUCCEEDED"}, timeout=60)

    # Its end wakes the dispatcher, which now crashes on every attempt.
    down = eventually(
        lambda: (s := health(daemon))[0] == 503 and s[1]["tasks"]["dispatcher"]["state"]
        == "restarting" and s[1],
        "/health answers 503 while the dispatcher is restarting", interval=0.05,
    )  # fmt: skip
    assert down["status"] == "down"
    assert dispatcher_crashes(daemon) >= 1
    assert daemon.run(queued)["state"] == "WAITING"
    eventually(lambda: "systemd.watchdog_withheld" in daemon.log(), "the watchdog is withheld")

    fault.unlink()
    assert daemon.wait_state(queued, timeout=60)["state"] == "SUCCEEDED"
    recovered = time.monotonic()
    _, body = eventually(lambda: (s := health(daemon))[0] == 200 and s, "healthy again")
    assert body["status"] == "ok" and body["tasks"]["dispatcher"]["state"] == "ok"
    assert body["tasks"]["dispatcher"]["crashes"] >= 1
    eventually(lambda: notify.count("WATCHDOG=1", since=recovered) >= 1, "fed again")
    assert daemon.proc is not None and daemon.proc.poll() is None
    crash_logs = [line for line in daemon.log().splitlines() if "action=task.crashed" in line]
    assert crash_logs and all("task=dispatcher" in line for line in crash_logs)
    assert "injected fault: the queue cannot be read" in daemon.log()  # with its traceback


def test_a_dispatcher_that_keeps_failing_stops_the_daemon_with_a_non_zero_exit(
    start_daemon: Callable[..., DaemonProcess], tmp_path: Path, notify: NotifyReceiver
) -> None:
    fault = tmp_path / "queue-unreadable"
    daemon = start_faulty(start_daemon, f"dispatcher-while:{fault}", notify.env(WATCHDOG_SECONDS))
    eventually(lambda: notify.count("WATCHDOG=1") >= 1, "the watchdog is fed while healthy")
    fault.touch()  # from now on every attempt crashes: 5 crashes within the minute
    eventually(lambda: health(daemon)[0] == 503, "/health answers 503", interval=0.05)
    assert daemon.wait_exit(90) == 1, daemon.log()
    log = daemon.log()
    assert "action=task.failed" in log and "task=dispatcher" in log
    assert "action=daemon.stop_failed_task" in log
    assert "dispatcher task kept failing" in log  # TaskFailed, logged at exit
    assert "STOPPING=1" in notify.messages()
