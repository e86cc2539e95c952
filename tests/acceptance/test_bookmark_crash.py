"""A daemon killed (kill -9) around a run's bookmark commit leaves the old version or the
new one, never half of one: the commit and the run's SUCCEEDED are one transaction."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.integration.bookmarks.conftest import FILES_JOB, Files
from tests.support.daemon import DaemonProcess
from tests.support.waiting import eventually

pytestmark = pytest.mark.spark
ROUNDS = 2


def test_kill_9_around_the_commit_keeps_the_bookmark_whole(
    start_daemon: Callable[..., DaemonProcess], tmp_path: Path
) -> None:
    seed = random.randrange(2**32)
    print(f"seed {seed}")  # to replay a failure: random.Random(seed)
    rng = random.Random(seed)
    files, out = Files(tmp_path / "in"), tmp_path / "out"
    out.mkdir()
    daemon = start_daemon("d")
    daemon.create_job("crashy", FILES_JOB, default_arguments={
        "--input": str(files.root), "--out": str(out),
        "--job-bookmark-option": "job-bookmark-enable",
    })  # fmt: skip
    added: list[str] = []
    succeeded: list[str] = []
    for _ in range(ROUNDS):
        added += files.add(2)
        before = daemon.http.get("/jobs/crashy/bookmark").json()["version"]
        run_id = daemon.start_run("crashy")["id"]
        eventually(lambda: "commit: state" in daemon.logs(run_id), "the script committed",
                   timeout=120)  # fmt: skip
        time.sleep(rng.uniform(0, 0.05))  # just before, during or after the transaction
        daemon.kill9()
        daemon = start_daemon("d")
        run = daemon.wait_state(run_id, timeout=60)
        bookmark = daemon.http.get("/jobs/crashy/bookmark").json()
        if run["state"] == "SUCCEEDED":
            assert (bookmark["version"], bookmark["run_id"]) == (before + 1, run_id), bookmark
            succeeded.append(run_id)
        else:
            assert run["state"] == "ERROR", run  # lost with the daemon: nothing committed
            assert bookmark["version"] == before, bookmark
        assert all(isinstance(e, dict) for e in bookmark["elements"].values())
    final = daemon.start_run("crashy")["id"]
    assert daemon.wait_state(final, timeout=120)["state"] == "SUCCEEDED"
    taken: list[str] = []
    for run_id in [*succeeded, final]:
        taken += json.loads((out / f"{run_id}.json").read_text())
    assert sorted(taken) == sorted(added)  # each file exactly once among committed runs
