"""Shared by the bad-input suites: one daemon for a module, and the stored state to compare
before and after each case (every table of the database, and the export)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest

from tests.acceptance.conftest import PYSHELL
from tests.support.daemon import DaemonProcess

OK_JOB: dict[str, Any] = {"name": "etl", "script": "print('etl')\n", "command": PYSHELL}
OK_TRIGGER: dict[str, Any] = {"name": "nightly", "type": "SCHEDULED", "schedule": "rate(1 day)",
                              "actions": [{"job_name": "etl"}]}  # fmt: skip


def deep(depth: int) -> dict[str, Any]:
    """A pattern nesting ``depth`` objects."""
    pattern: dict[str, Any] = {"leaf": ["x"]}
    for _ in range(depth - 1):
        pattern = {"a": pattern}
    return pattern


def snapshot(daemon: DaemonProcess) -> dict[str, Any]:
    """Every row of every table but the audit log (which records each refused request,
    as it should), and what export returns."""
    tables: dict[str, Any] = {}
    with sqlite3.connect(daemon.workdir / "data" / "stoker.db") as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for name in sorted(set(names) - {"audit_log"}):
            tables[name] = sorted(map(repr, conn.execute(f"SELECT * FROM {name}")))
    exported = daemon.http.get("/export")
    assert exported.status_code == 200, exported.text
    return {"tables": tables, "export": json.loads(exported.text)}


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DaemonProcess]:
    """A daemon with a job ``etl``, a SCHEDULED trigger ``nightly`` and an ON_DEMAND ``kick``."""
    process = DaemonProcess(tmp_path_factory.mktemp("bad-input"), pool_size=0).start()
    try:
        process.create_job("etl", "print('etl')\n", command=PYSHELL,
                           default_arguments={"--env": "prod"})  # fmt: skip
        kick = {"name": "kick", "type": "ON_DEMAND", "actions": [{"job_name": "etl"}]}
        for trigger in (OK_TRIGGER, kick):
            assert process.http.post("/triggers", json=trigger).status_code == 201
        yield process
    finally:
        process.stop()
