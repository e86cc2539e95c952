"""GET /runs/stream from a real daemon: a Spark run's states pushed as they happen."""

from __future__ import annotations

import json
import threading
from typing import Any

import httpx
import pytest

from tests.support.daemon import TERMINAL, DaemonProcess
from tests.support.waiting import unique

pytestmark = pytest.mark.spark

SCRIPT = "print(spark.range(10).count())\n"


def test_stream_shows_starting_running_succeeded(daemon: DaemonProcess) -> None:
    job = unique("streamed")
    daemon.create_job(job, SCRIPT)
    events: list[dict[str, Any]] = []
    opened, finished = threading.Event(), threading.Event()

    def read() -> None:
        with (
            httpx.Client(base_url=daemon.url, timeout=60) as client,
            client.stream("GET", "/runs/stream", params={"job": job}) as resp,
        ):
            assert resp.status_code == 200
            opened.set()
            for line in resp.iter_lines():
                if line.startswith("data: "):
                    events.append(json.loads(line.removeprefix("data: ")))
                    if events[-1]["state"] in TERMINAL:
                        finished.set()
                        return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    assert opened.wait(30)
    run = daemon.start_run(job)
    assert finished.wait(120), f"events so far: {[e['state'] for e in events]}"
    reader.join(10)
    assert {e["id"] for e in events} == {run["id"]}
    states = [e["state"] for e in events]
    assert states == ["STARTING", "RUNNING", "SUCCEEDED"], states
    assert events[-1] == daemon.run(run["id"])  # the shape of GET /runs/{run_id}
