"""Glue's run lifecycle through a real daemon, real Spark, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from tests.support.daemon import DaemonProcess
from tests.support.waiting import unique

pytestmark = pytest.mark.spark

OK = """
print("first line", flush=True)
n = spark.range(100).count()
print(f"count={n} group={sc.getLocalProperty('spark.jobGroup.id')}")
"""
FAIL = "print('about to fail')\nraise ValueError('boom')\n"
SPARK_FOREVER = """
print("starting a long Spark job", flush=True)
spark.range(10**12).selectExpr("sum(id % 7)").collect()
"""
MARKER = """
import os, sys
from stoker.job import get_resolved_options
args = get_resolved_options(sys.argv, ["marker"])
if not os.path.exists(args["marker"]):
    open(args["marker"], "w").close()
    {first_attempt}
print("second attempt ok", args["JOB_RUN_ID"])
"""
SLEEP = """
import sys, time
from stoker.job import get_resolved_options
time.sleep(float(get_resolved_options(sys.argv, ["seconds"])["seconds"]))
"""


def transitions(daemon: DaemonProcess, run_id: str) -> list[str]:
    return [e["event"]["detail"]["state"] for e in daemon.events(run_id)]


def test_success_runs_on_spark_with_logs_and_events(daemon: DaemonProcess) -> None:
    job = unique("ok")
    daemon.create_job(job, OK)
    run = daemon.start_run(job)
    assert run["id"].startswith("jr_") and len(run["id"]) == 67
    done = daemon.wait_state(run["id"])
    assert done["state"] == "SUCCEEDED", done
    assert done["triggered_by"] == "manual"
    assert done["completed_on"] and done["started_on"]
    assert done["execution_time"] >= 0
    out = daemon.logs(run["id"])
    assert "first line" in out
    assert f"count=100 group={run['id']}" in out
    assert transitions(daemon, run["id"]) == ["STARTING", "RUNNING", "SUCCEEDED"]


def test_script_exception_fails_with_type_message_and_traceback(daemon: DaemonProcess) -> None:
    job = unique("fail")
    daemon.create_job(job, FAIL)
    done = daemon.wait_state(daemon.start_run(job)["id"])
    assert done["state"] == "FAILED"
    assert done["error_message"].startswith("ValueError: boom")
    err = daemon.logs(done["id"], "stderr")
    assert "Traceback" in err and "ValueError: boom" in err
    assert "about to fail" in daemon.logs(done["id"])
    last = daemon.events(done["id"])[-1]["event"]["detail"]
    assert last["severity"] == "ERROR" and "ValueError: boom" in last["message"]


def test_syntax_error_fails_clearly(daemon: DaemonProcess) -> None:
    job = unique("syntax")
    daemon.create_job(job, "def broken(:\n    pass\n")
    done = daemon.wait_state(daemon.start_run(job)["id"])
    assert done["state"] == "FAILED"
    assert "SyntaxError" in done["error_message"]


def test_stop_while_a_spark_job_runs(daemon: DaemonProcess) -> None:
    job = unique("stop")
    daemon.create_job(job, SPARK_FOREVER)
    run = daemon.start_run(job)
    daemon.wait_state(run["id"], {"RUNNING"})
    time.sleep(1)
    response = daemon.http.post(f"/runs/{run['id']}/stop")
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "STOPPING"
    done = daemon.wait_state(run["id"], timeout=60)
    assert done["state"] == "STOPPED"
    assert transitions(daemon, run["id"]) == ["STARTING", "RUNNING", "STOPPING", "STOPPED"]
    again = daemon.http.post(f"/runs/{run['id']}/stop")
    assert again.status_code == 409


def test_retry_succeeds_on_second_attempt(daemon: DaemonProcess, scratch: Path) -> None:
    job = unique("retry")
    daemon.create_job(
        job, MARKER.format(first_attempt="raise RuntimeError('first attempt fails')"),
        max_retries=1, default_arguments={"--marker": str(scratch / job)},
    )  # fmt: skip
    first = daemon.wait_state(daemon.start_run(job)["id"])
    assert first["state"] == "FAILED" and first["attempt"] == 0
    retry = next(r for r in daemon.runs(job=job) if r["previous_run_id"] == first["id"])
    done = daemon.wait_state(retry["id"])
    assert (done["state"], done["attempt"]) == ("SUCCEEDED", 1)
    assert "second attempt ok" in daemon.logs(done["id"])
    assert len(daemon.runs(job=job)) == 2


def test_driver_death_is_error_then_retried(daemon: DaemonProcess, scratch: Path) -> None:
    job = unique("die")
    daemon.create_job(
        job, MARKER.format(first_attempt="os.kill(os.getpid(), 9)"),
        max_retries=1, default_arguments={"--marker": str(scratch / job)},
    )  # fmt: skip
    first = daemon.wait_state(daemon.start_run(job)["id"])
    assert first["state"] == "ERROR", first
    assert "driver" in first["error_message"]
    retry = next(r for r in daemon.runs(job=job) if r["previous_run_id"] == first["id"])
    done = daemon.wait_state(retry["id"], timeout=180)
    assert done["state"] == "SUCCEEDED", done


def test_queue_never_exceeds_max_concurrent_and_is_fifo(daemon: DaemonProcess) -> None:
    job = unique("queue")
    daemon.create_job(job, SLEEP, max_concurrent_runs=2, default_arguments={"--seconds": "1"})
    ids = [daemon.start_run(job)["id"] for _ in range(5)]
    peak = 0
    stop = threading.Event()

    def watch() -> None:
        nonlocal peak
        while not stop.is_set():
            states = [r["state"] for r in daemon.runs(job=job)]
            peak = max(peak, sum(s in ("STARTING", "RUNNING", "STOPPING") for s in states))
            time.sleep(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        finals = [daemon.wait_state(run_id, timeout=180) for run_id in ids]
    finally:
        stop.set()
        watcher.join()
    assert [r["state"] for r in finals] == ["SUCCEEDED"] * 5
    assert 1 <= peak <= 2
    started = [e["run_id"] for e in daemon.events() if e["run_id"] in ids
               and e["event"]["detail"]["state"] == "RUNNING"]  # fmt: skip
    assert started == ids
    assert "WAITING" in transitions(daemon, ids[4])


def test_queuing_off_refuses_over_the_limit(daemon: DaemonProcess) -> None:
    job = unique("noqueue")
    daemon.create_job(job, SLEEP, default_arguments={"--seconds": "3"},
                      job_run_queuing_enabled=False)  # fmt: skip
    first = daemon.start_run(job)
    response = daemon.http.post(f"/jobs/{job}/runs", json={})
    assert response.status_code == 429
    assert response.json()["code"] == "ConcurrentRunsExceeded"
    assert len(daemon.runs(job=job)) == 1
    daemon.wait_state(first["id"])


def test_python_shell_runs_without_spark(daemon: DaemonProcess) -> None:
    job = unique("pyshell")
    script = "print('no spark here:', 'spark' in globals())\nraise SystemExit(0)\n"
    daemon.create_job(job, script, command={"name": "pythonshell"})
    done = daemon.wait_state(daemon.start_run(job)["id"], timeout=60)
    assert done["state"] == "SUCCEEDED"
    assert "no spark here: False" in daemon.logs(done["id"])


def test_timeout_ends_the_run_as_timeout(daemon: DaemonProcess) -> None:
    run_id = daemon.timeout_run_id  # type: ignore[attr-defined]
    done = daemon.wait_state(run_id, timeout=150)
    assert done["state"] == "TIMEOUT"
    assert "timed out" in done["error_message"]
    assert transitions(daemon, run_id)[-1] == "TIMEOUT"
    assert daemon.events(run_id)[-1]["event"]["detail"]["severity"] == "WARN"
    assert not [r for r in daemon.runs(job="sleeper") if r["previous_run_id"] == run_id]
