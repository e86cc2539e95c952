"""Nothing stored can stop the daemon (issue 10): a schedule whose next fire time cannot be
computed is refused when defined and when activated (changing nothing), and definitions
left unreadable in the database (by an older stoker, a bug or a hand edit) are logged,
counted, shown with their ``load_error`` and skipped, while the daemon starts and serves."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from tests.acceptance.conftest import PYSHELL, ok, ok_json, stoker
from tests.support.daemon import DaemonProcess

StartDaemon = Callable[..., DaemonProcess]
OVERFLOWING = "rate(5000000 days)"


def scheduled(name: str, schedule: str) -> dict[str, Any]:
    return {
        "name": name, "type": "SCHEDULED", "description": "", "schedule": schedule,
        "timezone": "UTC", "catch_up": "NONE", "allow_cycles": False,
        "actions": [{"job_name": "etl", "arguments": {}, "timeout": None,
                     "notify_delay_after": None}],
        "predicate": None, "event": None,
    }  # fmt: skip


def store_row(daemon: DaemonProcess, table: str, name: str, definition: str,
              **columns: Any) -> None:  # fmt: skip
    """Write a row the API would refuse, as an older stoker or a hand edit left it."""
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
    values = {"name": name, "definition": definition, "created_on": now,
              "last_modified_on": now, **columns}  # fmt: skip
    names = ", ".join(values)
    marks = ", ".join(f":{k}" for k in values)
    with sqlite3.connect(daemon.workdir / "data" / "stoker.db") as conn:
        conn.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", values)


def trigger_state(daemon: DaemonProcess, name: str) -> str:
    with sqlite3.connect(daemon.workdir / "data" / "stoker.db") as conn:
        (state,) = conn.execute("SELECT state FROM triggers WHERE name = ?", (name,)).fetchone()
    return str(state)


def deep(depth: int) -> dict[str, Any]:
    pattern: dict[str, Any] = {"leaf": ["x"]}
    for _ in range(depth - 1):
        pattern = {"a": pattern}
    return pattern


def test_a_schedule_that_overflows_is_refused_and_activating_one_changes_nothing(
    start_daemon: StartDaemon,
) -> None:
    daemon = start_daemon("overflow", pool_size=0)
    daemon.create_job("etl", "print('etl')\n", command=PYSHELL)
    created = daemon.http.post("/triggers", json={**scheduled("big", OVERFLOWING)})
    assert created.status_code == 400, created.text
    assert created.json()["code"] == "InvalidInput" and created.json()["field"] == "schedule"
    assert "3650 days" in created.json()["message"]
    # Stored by a stoker that still accepted it, not activated.
    daemon.stop()
    store_row(daemon, "triggers", "big", json.dumps(scheduled("big", OVERFLOWING)),
              type="SCHEDULED", state="CREATED", missed_fires=0)  # fmt: skip
    daemon = start_daemon("overflow", pool_size=0)
    activated = daemon.http.post("/triggers/big/activate", json={})
    assert activated.status_code == 400, activated.text
    assert activated.json()["code"] == "InvalidInput"
    assert trigger_state(daemon, "big") == "CREATED"
    shown = ok_json(stoker("triggers", "get", "big", "-o", "json", daemon=daemon))
    assert shown["state"] == "CREATED" and "3650 days" in shown["load_error"]


def test_unreadable_definitions_are_skipped_and_the_daemon_starts(
    start_daemon: StartDaemon,
) -> None:
    daemon = start_daemon("broken", pool_size=0)
    daemon.create_job("etl", "print('etl ran')\n", command=PYSHELL)
    daemon.stop()
    store_row(daemon, "triggers", "big", json.dumps(scheduled("big", OVERFLOWING)),
              type="SCHEDULED", state="ACTIVATED", missed_fires=0)  # fmt: skip
    event = {**scheduled("deep", ""), "type": "EVENT", "schedule": None,
             "event": {"topic": "t", "pattern": deep(255), "batch_size": 1,
                       "batch_window": 60}}  # fmt: skip
    store_row(daemon, "triggers", "deep", json.dumps(event), type="EVENT",
              state="ACTIVATED", missed_fires=0)  # fmt: skip
    store_row(daemon, "triggers", "torn", '{"name": "torn", "typ', type="ON_DEMAND",
              state="CREATED", missed_fires=0)  # fmt: skip
    store_row(daemon, "jobs", "torn-job", "[1, 2", max_concurrent_runs=1)

    daemon = start_daemon("broken", pool_size=0)  # before the fix: exit 1, OverflowError
    listed = daemon.http.get("/triggers")
    assert listed.status_code == 200, listed.text
    errors = {t["name"]: t.get("load_error") for t in listed.json()["triggers"]}
    assert set(errors) == {"big", "deep", "torn"} and all(errors.values()), errors
    assert "3650 days" in errors["big"] and "nest" in errors["deep"]
    jobs = {j["name"]: j for j in daemon.http.get("/jobs").json()["jobs"]}
    assert jobs["etl"].get("load_error") is None
    assert "not valid JSON" in jobs["torn-job"]["load_error"]
    assert daemon.http.get("/export").status_code == 200

    table = ok(stoker("triggers", "get", "big", daemon=daemon))
    assert "LOAD ERROR" in table and "3650 days" in table
    assert "LOAD ERROR" in ok(stoker("triggers", "list", daemon=daemon))
    exported = stoker("export", "-o", "json", daemon=daemon)
    document = json.loads(ok(exported))
    assert [j["name"] for j in document["jobs"]] == ["etl"] and document["triggers"] == []
    assert "torn-job" in exported.stderr and "left out" in exported.stderr
    refused = daemon.http.post("/jobs/torn-job/runs", json={})
    assert refused.status_code == 400 and "cannot be run" in refused.json()["message"]
    # The good job still runs, and the skipped definitions were logged and counted.
    run = daemon.wait_state(daemon.start_run("etl")["id"])
    assert run["state"] == "SUCCEEDED", run
    metrics = daemon.http.get("/metrics").text
    assert 'stoker_definitions_unloadable_total{kind="trigger"} 3.0' in metrics
    assert 'stoker_definitions_unloadable_total{kind="job"} 1.0' in metrics
    assert "definition.unloadable" in daemon.log() or "cannot be loaded" in daemon.log()

    # Replacing a broken definition repairs it.
    fixed = daemon.http.put("/triggers/big", json={**scheduled("big", "rate(1 day)")})
    assert fixed.status_code == 200, fixed.text
    assert fixed.json().get("load_error") is None and fixed.json()["next_fire_time"]
