"""Run log retention keeps live runs' logs and anything younger than the retention."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path

from stoker.daemon.retention import prune
from stoker.domain.events import EventIdentity
from stoker.domain.jobs import Job
from stoker.domain.states import RunState
from stoker.store.engine import Database, upgrade
from stoker.store.jobs import JobStore
from stoker.store.runs import RunStore
from tests.integration.store.test_runs import new_run


class Clock:
    def __call__(self) -> datetime:
        return datetime.now(UTC)


def test_prune_removes_only_old_logs_of_ended_runs(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 's.db'}")
    upgrade(db)
    runs = RunStore(db, EventIdentity(), pool_capacity=5)
    job = JobStore(db).create(Job(name="etl", script_location="/x.py", max_concurrent_runs=5),
                              Clock()())  # fmt: skip
    ended = runs.create(new_run(job, Clock()), job, Clock()())
    runs.transition(ended.id, RunState.STARTING, RunState.FAILED, Clock()())
    live = runs.create(new_run(job, Clock()), job, Clock()())
    logs = tmp_path / "runs"
    old = time.time() - 10 * 86400
    for name in (ended.id, live.id, "jr_" + "a" * 64, "jr_" + "b" * 64):
        (logs / name).mkdir(parents=True)
        (logs / name / "stdout.log").write_text("x")
    for name in (ended.id, live.id, "jr_" + "a" * 64):
        os.utime(logs / name, (old, old))
    assert prune(logs, runs, retention_days=7, now=time.time()) == 2
    assert sorted(p.name for p in logs.iterdir()) == sorted([live.id, "jr_" + "b" * 64])
    db.dispose()


def test_prune_files_removes_old_event_payload_files(tmp_path: Path) -> None:
    from stoker.daemon.retention import prune_files

    old, new = tmp_path / "t1" / "old.json", tmp_path / "t1" / "new.json"
    old.parent.mkdir()
    old.write_text("[]")
    new.write_text("[]")
    stale = time.time() - 10 * 86400
    os.utime(old, (stale, stale))
    assert prune_files(tmp_path, retention_days=7, now=time.time()) == 1
    assert not old.exists() and new.exists()
