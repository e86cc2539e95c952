"""kill -9 of the daemon: its run processes die with it, and the next daemon settles every
run the dead one left live (ERROR, retried when attempts are left; WAITING ones dispatched)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.acceptance.conftest import PYSHELL, SLEEPER, descendants, survivors
from tests.support.daemon import DaemonProcess
from tests.support.waiting import eventually

pytestmark = pytest.mark.spark  # daemon A has a warm Spark driver, which must die too

STUBBORN = "import signal\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
LIVE = {"WAITING", "STARTING", "RUNNING", "STOPPING"}


def test_kill9_then_restart_settles_every_live_run(
    start_daemon: Callable[..., DaemonProcess],
) -> None:
    # A long stop grace keeps the stubborn run (it ignores SIGTERM) in STOPPING until the kill.
    a = start_daemon("crash", pool_size=1, env={"STOKER_SPARK__STOP_GRACE_SECONDS": "120"})
    a.create_job("retrying", SLEEPER, command=PYSHELL, max_retries=1)
    a.create_job("limited", SLEEPER, command=PYSHELL, max_concurrent_runs=1, max_retries=0)
    retrying = a.start_run("retrying")["id"]
    limited = a.start_run("limited")["id"]
    a.wait_state(retrying, {"RUNNING"}, timeout=60)
    a.wait_state(limited, {"RUNNING"}, timeout=60)
    waiting = a.start_run("limited", arguments={"--seconds": "1"})["id"]
    a.create_job("stubborn", STUBBORN + SLEEPER, command=PYSHELL, max_retries=1)
    stubborn = a.start_run("stubborn")["id"]
    a.wait_state(stubborn, {"RUNNING"}, timeout=60)
    eventually(lambda: "sleeping" in a.logs(stubborn), "the stubborn run ignores SIGTERM")
    assert a.http.post(f"/runs/{stubborn}/stop").json()["state"] == "STOPPING"
    assert a.run(waiting)["state"] == "WAITING"
    eventually(lambda: "sleeping" in a.logs(retrying), "the sleeper prints", timeout=30)

    assert a.proc is not None
    pid = a.proc.pid
    # Wait for the warm driver's JVM, so that the orphan check below covers it too.
    children = eventually(
        lambda: (found := descendants(pid)) and any("java" in c for c in found.values()) and found,
        "the Spark driver's JVM is up",
        timeout=120,
    )
    entries = [c for c in children.values() if "stoker.executors.entry" in c]
    assert len(entries) == 3, children  # the three running pythonshell runs
    assert any("stoker.executors.pool.driver" in c for c in children.values()), children
    a.kill9()
    # Nothing the daemon started outlives it: run processes and the Spark driver (and its
    # JVM) all go, within a generous deadline.
    eventually(lambda: not survivors(children), "no orphans of the killed daemon", timeout=30)

    b = start_daemon("crash", pool_size=0)

    def retry_of(run_id: str) -> list[dict[str, object]]:
        return [r for r in b.runs() if r["previous_run_id"] == run_id]

    for run_id in (retrying, limited):
        lost = b.run(run_id)
        assert lost["state"] == "ERROR", lost
        assert "lost when the daemon stopped" in lost["error_message"]
        assert lost["completed_on"]

    stopped = b.run(stubborn)
    assert stopped["state"] == "STOPPED", stopped
    assert "stopped while the run was stopping" in stopped["state_detail"], stopped
    assert not retry_of(stubborn)  # a stopped run is never retried

    # Only the run with attempts left is retried, as attempt 1 pointing at the lost one.
    retry = eventually(lambda: retry_of(retrying), "the lost run's retry exists")[0]
    assert (retry["job_name"], retry["attempt"]) == ("retrying", 1)
    b.wait_state(str(retry["id"]), {"RUNNING"}, timeout=60)
    eventually(lambda: "sleeping" in b.logs(str(retry["id"])), "the retry runs the script")
    assert not retry_of(limited)

    # The queued run of the limited job gets the freed slot and runs to the end.
    done = b.wait_state(waiting, timeout=60)
    assert done["state"] == "SUCCEEDED", done
    assert "slept 1.0" in b.logs(waiting)
    states = [e["event"]["detail"]["state"] for e in b.events(waiting)]
    assert states[0] == "WAITING" and states[-3:] == ["STARTING", "RUNNING", "SUCCEEDED"]
    assert [e["event"]["detail"]["state"] for e in b.events(retrying)][-1] == "ERROR"

    # Nothing is live except the retry, which really runs; once it is stopped, nothing is.
    live = [r["id"] for r in b.runs() if r["state"] in LIVE]
    assert live == [retry["id"]], b.runs()
    assert b.http.post(f"/runs/{retry['id']}/stop").status_code == 200
    assert b.wait_state(str(retry["id"]), timeout=60)["state"] == "STOPPED"
    assert not [r for r in b.runs() if r["state"] in LIVE]
    assert len(b.runs()) == 5
