"""Triggers across a kill -9 of the daemon (SQLite data dir kept): a chain loses no fire and
doubles none, a completion committed just before the crash is still evaluated, and
scheduled triggers count fires missed while down and catch up as their policy says."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.acceptance.conftest import PYSHELL
from tests.support.daemon import DaemonProcess
from tests.support.waiting import eventually

StartDaemon = Callable[..., DaemonProcess]


def wait_for_file(path: Path) -> str:
    """A pythonshell script that stays RUNNING until the test creates ``path``."""
    return (
        "import os, time\n"
        "print('waiting', flush=True)\n"
        f"while not os.path.exists({str(path)!r}):\n"
        "    time.sleep(0.1)\n"
        "print('released', flush=True)\n"
    )


def post(daemon: DaemonProcess, path: str, **body: Any) -> dict[str, Any]:
    response = daemon.http.post(path, json=body or None)
    assert response.status_code in (200, 201), response.text
    return response.json()  # type: ignore[no-any-return]


def on_success(name: str, watched: str, started: str) -> dict[str, Any]:
    return {
        "name": name,
        "type": "CONDITIONAL",
        "predicate": {"logical": "ANY", "conditions": [{"job_name": watched}]},
        "actions": [{"job_name": started}],
        "start_on_creation": True,
    }


def runs_of(daemon: DaemonProcess, job: str) -> list[dict[str, Any]]:
    return list(reversed(daemon.runs(job=job)))


def chain(daemon: DaemonProcess, b_script: str, *, b_retries: int) -> None:
    """kick (ON_DEMAND) → A; A SUCCEEDED → B; B SUCCEEDED → C."""
    daemon.create_job("A", "print('A done')\n", command=PYSHELL)
    daemon.create_job("B", b_script, command=PYSHELL, max_retries=b_retries)
    daemon.create_job("C", "print('C done')\n", command=PYSHELL)
    post(daemon, "/triggers", name="kick", type="ON_DEMAND", actions=[{"job_name": "A"}])
    post(daemon, "/triggers", **on_success("a-to-b", "A", "B"))
    post(daemon, "/triggers", **on_success("b-to-c", "B", "C"))


def test_restart_mid_chain_loses_no_fire_and_doubles_none(
    start_daemon: StartDaemon, tmp_path: Path
) -> None:
    release = tmp_path / "release-b"
    first = start_daemon("chain", pool_size=0)
    chain(first, wait_for_file(release), b_retries=1)
    (a_run,) = post(first, "/triggers/kick/start")["runs"]
    assert first.wait_state(a_run["id"])["state"] == "SUCCEEDED"
    (b_run,) = eventually(lambda: runs_of(first, "B"), "A's success starts B")
    first.wait_state(b_run["id"], {"RUNNING"}, timeout=60)
    eventually(lambda: "waiting" in first.logs(b_run["id"]), "B's script is running")
    first.kill9()

    second = start_daemon("chain", pool_size=0)
    lost = second.run(b_run["id"])
    assert lost["state"] == "ERROR", lost
    retry = eventually(
        lambda: [r for r in runs_of(second, "B") if r["previous_run_id"] == b_run["id"]],
        "B's lost attempt is retried",
    )
    assert len(retry) == 1 and retry[0]["attempt"] == 1
    retry_id = retry[0]["id"]
    second.wait_state(retry_id, {"RUNNING"}, timeout=60)
    release.touch()
    assert second.wait_state(retry_id)["state"] == "SUCCEEDED"

    (c_run,) = eventually(lambda: runs_of(second, "C"), "B's retry success starts C")
    assert c_run["triggered_by"] == "b-to-c"
    assert c_run["predecessor_runs"] == [{"job_name": "B", "run_id": retry_id}]
    assert second.wait_state(c_run["id"])["state"] == "SUCCEEDED"

    # Nothing doubled: one A, one first attempt of B (fired by A) and its retry, one C.
    assert [r["id"] for r in runs_of(second, "A")] == [a_run["id"]]
    b_runs = runs_of(second, "B")
    assert [r["id"] for r in b_runs] == [b_run["id"], retry_id]
    assert b_runs[0]["triggered_by"] == "a-to-b"
    assert b_runs[0]["predecessor_runs"] == [{"job_name": "A", "run_id": a_run["id"]}]
    assert [r["id"] for r in runs_of(second, "C")] == [c_run["id"]]


def test_completion_committed_just_before_a_crash_is_evaluated(
    start_daemon: StartDaemon, tmp_path: Path
) -> None:
    first = start_daemon("commit", pool_size=0)
    chain(first, wait_for_file(tmp_path / "never"), b_retries=0)
    (a_run,) = post(first, "/triggers/kick/start")["runs"]
    deadline = time.monotonic() + 60
    while first.run(a_run["id"])["state"] != "SUCCEEDED":  # poll fast: kill at once
        assert time.monotonic() < deadline, first.run(a_run["id"])
    first.kill9()

    second = start_daemon("commit", pool_size=0)
    assert second.run(a_run["id"])["state"] == "SUCCEEDED"
    b_runs = runs_of(second, "B")
    assert len(b_runs) == 1, b_runs
    assert b_runs[0]["triggered_by"] == "a-to-b"
    assert b_runs[0]["predecessor_runs"] == [{"job_name": "A", "run_id": a_run["id"]}]
    # Settled by the new daemon (lost, or still running there): never fired a second time.
    second.wait_state(b_runs[0]["id"], {"RUNNING", "ERROR"}, timeout=60)
    assert len(runs_of(second, "B")) == 1


def fire_keys(db: Path, trigger: str) -> list[tuple[str, list[str]]]:
    """(fire key, run ids) of a trigger's fires, oldest first, read from the data dir."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT fire_key, run_ids FROM trigger_fires WHERE trigger_name = ? ORDER BY seq",
            (trigger,),
        ).fetchall()
    return [(key, json.loads(ids) if isinstance(ids, str) else ids) for key, ids in rows]


def test_scheduled_catch_up_after_downtime(start_daemon: StartDaemon, tmp_path: Path) -> None:
    first = start_daemon("catchup", pool_size=0)
    for job in ("once-job", "none-job"):
        first.create_job(job, "print('tick')\n", command=PYSHELL, max_concurrent_runs=10)
    for name, policy, job in (("catch-once", "ONCE", "once-job"),
                              ("catch-none", "NONE", "none-job")):  # fmt: skip
        post(first, "/triggers", name=name, type="SCHEDULED", schedule="rate(2 seconds)",
             catch_up=policy, actions=[{"job_name": job}], start_on_creation=True)  # fmt: skip
    for job in ("once-job", "none-job"):
        eventually(lambda job=job: runs_of(first, job), f"{job} fired before the crash")
    first.kill9()
    db = tmp_path / "catchup" / "data" / "stoker.db"
    before = {t: len(fire_keys(db, t)) for t in ("catch-once", "catch-none")}
    time.sleep(7)

    second = start_daemon("catchup", pool_size=0)
    shown = {
        t: eventually(
            lambda t=t: (g := second.http.get(f"/triggers/{t}").json())["missed_fires"] and g,
            f"{t} counts its missed fires",
            timeout=30,
        )
        for t in ("catch-once", "catch-none")
    }
    for trigger in shown.values():
        assert trigger["missed_fires"] >= 2, trigger
        assert trigger["state"] == "ACTIVATED"

    once = fire_keys(db, "catch-once")
    catch_ups = [(k, ids) for k, ids in once if k.startswith("catch-up:")]
    assert len(catch_ups) == 1, once
    # Started at once: the first fire after the restart is the catch-up.
    assert once[before["catch-once"]][0].startswith("catch-up:"), once
    (run_id,) = catch_ups[0][1]
    caught = second.run(run_id)
    assert caught["job_name"] == "once-job" and caught["triggered_by"] == "catch-once"
    assert second.wait_state(run_id)["state"] == "SUCCEEDED"

    none = fire_keys(db, "catch-none")
    assert not [k for k, _ in none if not k.startswith("at:")], none
    # Both go on firing on schedule after the restart.
    for trigger in ("catch-once", "catch-none"):
        eventually(
            lambda t=trigger: (
                len([k for k, _ in fire_keys(db, t) if k.startswith("at:")]) > before[t]
            ),
            f"{trigger} fires on schedule after the restart",
            timeout=30,
        )
