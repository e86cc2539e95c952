"""SIGTERM: intake stops, running runs drain for the grace period, the rest are STOPPED;
the systemd notify protocol over a real datagram socket; and a shutdown that always ends,
within its bound, whatever is stuck (drivers that cannot start, a wedged executor, a wedged
event loop: faults injected by tests.support.faulty_daemon, a test hook)."""

from __future__ import annotations

import signal
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from stoker.domain.events import EventIdentity
from stoker.domain.runs import JobRun
from stoker.store.engine import Database
from stoker.store.runs import RunStore
from tests.acceptance.conftest import PYSHELL, SLEEPER, descendants, survivors
from tests.support.daemon import REPO, DaemonProcess
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


# -- shutdown always ends, whatever is stuck ---------------------------------------------

FAULTY = [sys.executable, "-m", "tests.support.faulty_daemon", "daemon"]


def stored_run(daemon: DaemonProcess, run_id: str) -> JobRun:
    db = Database(f"sqlite:///{daemon.workdir / 'data' / 'stoker.db'}")
    try:
        return RunStore(db, EventIdentity(), pool_capacity=0).get(run_id)
    finally:
        db.dispose()


def path_without_java(tmp_path: Path) -> str:
    """A PATH with every command of this machine but Java (as on a fresh server)."""
    bin_dir = tmp_path / "bin-without-java"
    bin_dir.mkdir()
    for entry in Path("/usr/bin").iterdir():
        if not entry.name.startswith("java"):
            (bin_dir / entry.name).symlink_to(entry)
    return f"{Path(sys.executable).parent}:{bin_dir}"


def no_java_daemon(
    start_daemon: Callable[..., DaemonProcess], tmp_path: Path, grace: float, stop_grace: float
) -> DaemonProcess:
    """A daemon on a machine without Java: its warm drivers can never start."""
    daemon = start_daemon(
        "no-java", pool_size=1,
        env={"PATH": path_without_java(tmp_path), "JAVA_HOME": "",
             "STOKER_DAEMON__SHUTDOWN_GRACE_SECONDS": str(grace),
             "STOKER_SPARK__STOP_GRACE_SECONDS": str(stop_grace)},
    )  # fmt: skip
    eventually(
        lambda: "action=daemon.spark_runtime_missing" in daemon.log(), "the runtime is missing"
    )
    return daemon


def test_sigterm_ends_a_daemon_whose_drivers_cannot_start(
    start_daemon: Callable[..., DaemonProcess], tmp_path: Path
) -> None:
    daemon = no_java_daemon(start_daemon, tmp_path, grace=2, stop_grace=2)
    daemon.create_job("etl", "print('never runs')")
    run_id = daemon.start_run("etl")["id"]
    # No driver will ever come: the run ends ERROR with the reason instead of waiting.
    done = daemon.wait_state(run_id, timeout=60)
    assert done["state"] == "ERROR" and "Java" in (done["error_message"] or ""), done
    assert daemon.proc is not None
    children = descendants(daemon.proc.pid)

    daemon.signal(signal.SIGTERM)
    # Bounded by grace + stop grace + the teardown allowance (30 s); it used to never end.
    assert daemon.wait_exit(2 + 2 + 30) == 0, daemon.log()
    eventually(lambda: not survivors(children), "no driver outlives the daemon", timeout=30)


def test_a_second_sigterm_ends_it_within_seconds(
    start_daemon: Callable[..., DaemonProcess], tmp_path: Path
) -> None:
    # Graces of ten minutes and a run that sleeps through them: only the second signal can
    # end this shutdown early, on a daemon whose drivers cannot start besides.
    daemon = no_java_daemon(start_daemon, tmp_path, grace=600, stop_grace=600)
    daemon.create_job("stuck", SLEEPER, command=PYSHELL)
    run_id = daemon.start_run("stuck")["id"]
    eventually(lambda: daemon.run(run_id)["state"] == "RUNNING", "the run is running")
    daemon.signal(signal.SIGTERM)
    eventually(lambda: "action=daemon.draining" in daemon.log(), "the drain has begun")
    daemon.signal(signal.SIGTERM)
    assert daemon.wait_exit(30) == 0, daemon.log()
    assert "action=daemon.force" in daemon.log()
    assert stored_run(daemon, run_id).state.value == "STOPPED"


def test_a_wedged_executor_is_abandoned_within_the_stop_grace(
    start_daemon: Callable[..., DaemonProcess], tmp_path: Path
) -> None:
    daemon = start_daemon(
        "hung", pool_size=0, command=FAULTY,
        env={"PYTHONPATH": str(REPO), "FAULTY_DAEMON": "hang-executor",
             "STOKER_DAEMON__SHUTDOWN_GRACE_SECONDS": "1",
             "STOKER_SPARK__STOP_GRACE_SECONDS": "1"},
    )  # fmt: skip
    daemon.create_job("stuck", SLEEPER, command=PYSHELL)
    run_id = daemon.start_run("stuck")["id"]  # its executor never returns, deaf to cancels
    daemon.signal(signal.SIGTERM)
    assert daemon.wait_exit(1 + 1 + 30) == 0, daemon.log()
    run = stored_run(daemon, run_id)
    assert run.state.value == "STOPPED" and "did not end in time" in (run.state_detail or "")


@pytest.mark.parametrize("signals", [1, 2])
def test_a_wedged_event_loop_still_ends_within_the_bound(
    start_daemon: Callable[..., DaemonProcess], tmp_path: Path, signals: int
) -> None:
    # One signal: the bound is grace + stop grace + teardown (1 + 1 + 3 s here); two: 5 s
    # after the second, with graces of ten minutes.
    graces = "1" if signals == 1 else "600"
    daemon = start_daemon(
        "wedged", pool_size=0, command=FAULTY,
        env={"PYTHONPATH": str(REPO), "FAULTY_DAEMON": "wedge-loop,teardown:3",
             "STOKER_DAEMON__SHUTDOWN_GRACE_SECONDS": graces,
             "STOKER_SPARK__STOP_GRACE_SECONDS": graces},
    )  # fmt: skip
    daemon.create_job("wedge", SLEEPER, command=PYSHELL)
    daemon.start_run("wedge")  # answered; then its start blocks the event loop
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"{daemon.url}/health", timeout=3)
    for _ in range(signals):
        daemon.signal(signal.SIGTERM)
        time.sleep(0.5)
    assert daemon.wait_exit(30) == 1, daemon.log()
    assert "action=daemon.shutdown_overrun" in daemon.log()
