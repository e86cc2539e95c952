"""What a newcomer meets first: the daemon's ready lines on stderr, and the API's index.

The daemon runs as `make run` starts it (the example jobs registered), without warm drivers:
nothing here needs Spark. Its stderr is read apart from its stdout.
"""

from __future__ import annotations

import json
import shlex
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.acceptance.conftest import base_env, ok
from tests.support.daemon import REPO, STOKER, DaemonProcess
from tests.support.waiting import eventually

READY = "stoker is ready: "


class Started:
    def __init__(self, workdir: Path, **env: str) -> None:
        settings = DaemonProcess(workdir, pool_size=0, env=env)
        self.url = settings.url
        self.workdir = workdir
        self.stderr = workdir / "stderr.log"
        workdir.mkdir(parents=True, exist_ok=True)
        with self.stderr.open("wb") as err, (workdir / "stdout.log").open("wb") as out:
            self.proc = subprocess.Popen(
                [STOKER, "daemon"], env=settings.env, cwd=workdir, stdout=out, stderr=err
            )

    def lines(self) -> list[str]:
        assert self.proc.poll() is None, self.stderr.read_text()
        return self.stderr.read_text(errors="replace").splitlines()

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(60)


@pytest.fixture
def started(tmp_path: Path) -> Iterator[list[Started]]:
    daemons: list[Started] = []
    yield daemons
    for daemon in daemons:
        if daemon.proc.poll() is None:
            daemon.stop()


def test_ready_lines_name_the_url_the_docs_and_commands_that_work(
    tmp_path: Path, started: list[Started]
) -> None:
    daemon = Started(tmp_path / "text", STOKER_DAEMON__EXAMPLE_JOBS_DIR=str(REPO / "examples"))
    started.append(daemon)

    def ready_lines() -> list[str] | None:
        found = daemon.lines()
        return found if any(line.startswith(READY) for line in found) else None

    lines = eventually(ready_lines, "the ready lines on stderr")
    ready = lines.index(next(line for line in lines if line.startswith(READY)))
    assert "action=daemon.ready" in lines[ready - 1]  # the structured line, then the plain one
    assert f"api_url={daemon.url}" in lines[ready - 1]
    assert lines[ready] == f"{READY}API at {daemon.url}, interactive API docs at {daemon.url}/docs"
    assert lines[ready + 1] == f"the web console: open {daemon.url}/ in a browser"
    assert lines[ready + 2] == "next, in another terminal:"
    first, second = (line.strip() for line in lines[ready + 3 : ready + 5])
    assert first.endswith(f"--api-url {daemon.url} jobs list")
    assert second.endswith(f"--api-url {daemon.url} runs start orders_etl --wait")

    # The command it suggests works as printed, from another directory and environment.
    listed = ok(subprocess.run(shlex.split(first), env=base_env(), cwd=REPO, check=False,
                               capture_output=True, text=True, timeout=60))  # fmt: skip
    assert "orders_etl" in listed and "always_fails" in listed
    index = httpx.get(f"{daemon.url}/", timeout=10).json()
    assert index["links"]["docs"] == "/docs" and index["resources"]["jobs"] == "/jobs"
    assert httpx.get(f"{daemon.url}{index['links']['docs']}", timeout=10).status_code == 200
    assert daemon.stop() == 0


def test_a_json_log_stays_one_object_per_line(tmp_path: Path, started: list[Started]) -> None:
    daemon = Started(tmp_path / "json", STOKER_LOGS__FORMAT="json")
    started.append(daemon)

    def ready_record() -> dict[str, str] | None:
        records = [json.loads(line) for line in daemon.lines()]
        return next((r for r in records if r.get("action") == "daemon.ready"), None)

    record = eventually(ready_record, "the daemon.ready record")
    assert record["api_url"] == daemon.url and record["docs_url"] == f"{daemon.url}/docs"
    assert daemon.stop() == 0
    assert all(json.loads(line) for line in daemon.stderr.read_text().splitlines())
