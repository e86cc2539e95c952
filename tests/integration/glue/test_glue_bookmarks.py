"""A bookmarked Glue script (Job.init / transformation_ctx / job.commit) on the warm pool:
growing input is processed once per file, a failed attempt's retry reprocesses, and
without job.commit() nothing advances. The script ends with sc.stop(): the warm driver
survives it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.integration.bookmarks.conftest import Files, run
from tests.support.daemon import DaemonProcess

pytestmark = pytest.mark.spark

SCRIPT = (Path(__file__).parent / "jobs" / "bookmarked.py").read_text()


def job(daemon: DaemonProcess, tmp: Path, name: str, **args: str) -> tuple[Files, Path]:
    files = Files(tmp / "in")
    out = tmp / "out"
    out.mkdir()
    defaults = {"--input": str(files.root), "--out": str(out), "--fail": "no",
                "--commit": "yes", "--job-bookmark-option": "job-bookmark-enable"}  # fmt: skip
    daemon.create_job(name, SCRIPT, default_arguments=defaults,
                      max_retries=int(args.pop("retries", "0")))  # fmt: skip
    return files, out


def taken(out: Path, run_id: str) -> dict[str, Any]:
    return dict(json.loads((out / f"{run_id}.json").read_text()))


def test_growing_input_is_processed_once_per_file(daemon: DaemonProcess, tmp_path: Path) -> None:
    files, out = job(daemon, tmp_path, "glue-bookmark-grow")
    pids = []
    for _ in range(3):
        added = files.add(2)
        ended = run(daemon, "glue-bookmark-grow")
        assert ended["state"] == "SUCCEEDED", daemon.logs(ended["id"], "stderr")[-2000:]
        assert taken(out, ended["id"])["files"] == added
        pids.append(taken(out, ended["id"])["pid"])
    assert len(set(pids)) == 1, "the script's sc.stop() cost the warm driver"
    assert "SparkContext.stop() ignored" in daemon.logs(ended["id"], "stderr")
    nothing_new = run(daemon, "glue-bookmark-grow")
    assert taken(out, nothing_new["id"])["files"] == []


def test_a_failed_attempts_retry_reprocesses(daemon: DaemonProcess, tmp_path: Path) -> None:
    files, out = job(daemon, tmp_path, "glue-bookmark-retry", retries="1")
    files.add(2)
    assert run(daemon, "glue-bookmark-retry")["state"] == "SUCCEEDED"
    added = files.add(1)
    ended = run(daemon, "glue-bookmark-retry", fail="once")
    failed = daemon.run(ended["previous_run_id"])
    assert (failed["state"], ended["state"]) == ("FAILED", "SUCCEEDED")
    assert taken(out, failed["id"])["files"] == added == taken(out, ended["id"])["files"]


def test_without_commit_nothing_advances(daemon: DaemonProcess, tmp_path: Path) -> None:
    files, out = job(daemon, tmp_path, "glue-bookmark-nocommit")
    added = files.add(3)
    for _ in range(2):
        ended = run(daemon, "glue-bookmark-nocommit", commit="no")
        assert ended["state"] == "SUCCEEDED"
        assert taken(out, ended["id"])["files"] == added
    committed = run(daemon, "glue-bookmark-nocommit")
    assert taken(out, committed["id"])["files"] == added
    assert taken(out, run(daemon, "glue-bookmark-nocommit")["id"])["files"] == []
