"""A job's script_location is limited to the script store and daemon.script_roots (issue
10): the API can neither read nor run another file of the daemon's machine."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from tests.acceptance.conftest import PYSHELL
from tests.support.daemon import DaemonProcess

StartDaemon = Callable[..., DaemonProcess]


def test_scripts_outside_the_roots_are_neither_read_nor_run(
    start_daemon: StartDaemon, tmp_path: Path
) -> None:
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    (allowed / "ok.py").write_text("print('from a configured root')\n")
    secret = tmp_path / "private" / "notes.py"
    secret.parent.mkdir()
    secret.write_text("print('not for the API')\n")
    (allowed / "link.py").symlink_to(secret)
    env = {"STOKER_DAEMON__SCRIPT_ROOTS": json.dumps([str(allowed)])}
    daemon = start_daemon("roots", pool_size=0, env=env)

    for location in ("/etc/passwd", str(secret), str(allowed / "link.py"),
                     f"{allowed}/../private/notes.py", "/nonexistent/x.py"):  # fmt: skip
        body = {"name": "peek", "command": {**PYSHELL, "script_location": location}}
        refused = daemon.http.post("/jobs", json=body)
        assert refused.status_code == 400, (location, refused.text)
        error = refused.json()
        assert error["field"] == "command.script_location"
        assert "outside the directories" in error["message"], error
    assert daemon.http.get("/jobs").json()["jobs"] == []

    body = {"name": "fine", "command": {**PYSHELL, "script_location": str(allowed / "ok.py")}}
    assert daemon.http.post("/jobs", json=body).status_code == 201
    assert "configured root" in daemon.http.get("/jobs/fine/script").json()["script"]
    run = daemon.wait_state(daemon.start_run("fine")["id"])
    assert run["state"] == "SUCCEEDED", run
    daemon.create_job("uploaded", "print('uploaded')\n", command=PYSHELL)  # the store
    assert daemon.http.get("/jobs/uploaded/script").status_code == 200

    # A job stored before the roots existed: its script is neither served nor run.
    daemon.stop()
    definition = {
        "name": "legacy", "script_location": str(secret), "command": "pythonshell",
        "python_version": "3", "description": "", "default_arguments": {},
        "non_overridable_arguments": {}, "max_concurrent_runs": 1, "max_retries": 0,
        "timeout": 10, "notify_delay_after": None, "resources": {}, "spark_conf": {},
        "tags": {}, "executor": "pool", "job_run_queuing_enabled": True,
    }  # fmt: skip
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
    with sqlite3.connect(daemon.workdir / "data" / "stoker.db") as conn:
        conn.execute(
            "INSERT INTO jobs (name, definition, max_concurrent_runs, created_on, "
            "last_modified_on) VALUES (?, ?, 1, ?, ?)",
            ("legacy", json.dumps(definition), now, now),
        )
    daemon = start_daemon("roots", pool_size=0, env=env)
    served = daemon.http.get("/jobs/legacy/script")
    assert served.status_code == 400 and "not for the API" not in served.text
    run = daemon.wait_state(daemon.start_run("legacy")["id"])
    assert run["state"] == "ERROR" and "outside daemon.script_roots" in run["error_message"]
    assert "not for the API" not in daemon.logs(run["id"])
