"""SIGTERM: intake stops, running runs drain for the grace period, the rest are STOPPED;
and the systemd notify protocol over a real datagram socket."""

from __future__ import annotations

import signal
import socket
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from stoker.domain.events import EventIdentity
from stoker.store.engine import Database
from stoker.store.runs import RunStore
from tests.acceptance.conftest import PYSHELL, SLEEPER
from tests.support.daemon import DaemonProcess
from tests.support.waiting import eventually


def test_sigterm_drains_then_stops_the_rest(
    start_daemon: Callable[..., DaemonProcess], tmp_path: Path
) -> None:
    daemon = start_daemon("drain", pool_size=0, env={"STOKER_DAEMON__SHUTDOWN_GRACE_SECONDS": "3"})
    daemon.create_job("short", SLEEPER, command=PYSHELL, default_arguments={"--seconds": "2"})
    daemon.create_job("long", SLEEPER, command=PYSHELL, max_retries=1)
    short = daemon.start_run("short")["id"]
    long = daemon.start_run("long")["id"]
    daemon.wait_state(short, {"RUNNING"}, timeout=60)
    daemon.wait_state(long, {"RUNNING"}, timeout=60)
    eventually(lambda: "sleeping" in daemon.logs(short), "the short run has started")

    daemon.signal(signal.SIGTERM)
    refused: list[dict[str, object]] = []
    assert daemon.proc is not None
    # While the daemon drains (the long run holds it for the 3 s grace), new runs are refused.
    deadline = time.monotonic() + 60
    while daemon.proc.poll() is None and time.monotonic() < deadline:
        try:
            response = httpx.post(f"{daemon.url}/jobs/short/runs", json={}, timeout=5)
        except httpx.HTTPError:
            break  # the API has closed: the daemon is past draining
        assert response.status_code in (201, 503), response.text
        if response.status_code == 503:
            refused.append(response.json())
            break
        time.sleep(0.05)  # 201: the signal is not handled yet
    assert refused, "no request was refused with 503 while the daemon drained"
    assert refused[0]["code"] == "ShuttingDown", refused
    assert daemon.wait_exit(90) == 0, daemon.log()

    db = Database(f"sqlite:///{daemon.workdir / 'data' / 'stoker.db'}")
    try:
        store = RunStore(db, EventIdentity(), pool_capacity=0)
        short_run, long_run = store.get(short), store.get(long)
        live = store.live()
    finally:
        db.dispose()
    assert short_run.state.value == "SUCCEEDED", short_run
    assert long_run.state.value == "STOPPED", long_run
    assert "daemon shut down" in (long_run.state_detail or ""), long_run
    assert not live, live  # no run left live, none queued (and no retry of a STOPPED run)


def test_sd_notify_ready_status_watchdog_stopping(
    start_daemon: Callable[..., DaemonProcess], tmp_path: Path
) -> None:
    path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(0.5)
    messages: list[str] = []

    def receive_until(done: Callable[[], bool], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not done():
            if time.monotonic() > deadline:
                raise AssertionError(f"not received in {timeout}s; got {messages}")
            try:
                data = sock.recv(4096)
            except TimeoutError:
                continue
            messages.extend(data.decode().splitlines())

    try:
        daemon = start_daemon(
            "notify",
            pool_size=0,
            env={"NOTIFY_SOCKET": str(path), "WATCHDOG_USEC": "2000000"},
        )
        receive_until(lambda: messages.count("WATCHDOG=1") >= 2, timeout=30)
        assert "READY=1" in messages
        assert messages.index("READY=1") < messages.index("WATCHDOG=1")
        status = [m for m in messages if m.startswith("STATUS=")]
        assert status and daemon.url.split("//")[1] in status[0], messages
        assert "STOPPING=1" not in messages

        daemon.signal(signal.SIGTERM)
        receive_until(lambda: "STOPPING=1" in messages, timeout=30)
        assert daemon.wait_exit(60) == 0, daemon.log()
    finally:
        sock.close()
