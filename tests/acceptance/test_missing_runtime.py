"""A missing runtime is a clear error, not a crash loop: the daemon run with a PATH and
JAVA_HOME that have no Java says what is missing and how to get it, reports the pool
unhealthy in /health and /metrics, ends Spark runs ERROR with that reason (retried as
attempts allow) and still runs pythonshell jobs."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from tests.acceptance.conftest import PYSHELL
from tests.support.daemon import DaemonProcess
from tests.support.processes import tagged

NO_JAVA = "no Java found (looked in PATH (JAVA_HOME is unset)): Spark needs Java 17+"
HOW = "apt-get install openjdk-17-jre-headless"


def path_without_java(tmp_path: Path) -> str:
    """A directory with every program of the system's PATH but java."""
    directory = tmp_path / "bin"
    directory.mkdir()
    for entry in os.environ["PATH"].split(os.pathsep):
        if not os.path.isdir(entry):
            continue
        for name in os.listdir(entry):
            link = directory / name
            if name != "java" and not link.exists() and not link.is_symlink():
                link.symlink_to(os.path.join(entry, name))
    return str(directory)


def test_no_java_is_one_clear_error_and_spark_runs_end_in_error(
    start_daemon: Callable[..., DaemonProcess], tmp_path: Path
) -> None:
    env = {"PATH": path_without_java(tmp_path), "JAVA_HOME": ""}
    daemon = start_daemon("nojava", pool_size=2, env=env)

    assert f"Spark cannot run on this machine: {NO_JAVA}" in daemon.log()
    assert HOW in daemon.log()
    pool = daemon.http.get("/health").json()["pool"]
    assert (pool["state"], pool["healthy"], pool["idle"]) == ("failing", False, 0)
    assert pool["last_failure"].startswith(NO_JAVA) and HOW in pool["last_failure"]
    metrics = daemon.http.get("/metrics").text
    assert "\nstoker_pool_healthy 0.0\n" in metrics
    # No driver was started: there is nothing to replace every few seconds.
    assert not tagged(tmp_path / "nojava" / "data")

    daemon.create_job("warm", "print('never')\n", max_retries=1)
    first = daemon.wait_state(daemon.start_run("warm")["id"], timeout=60)
    assert first["state"] == "ERROR"
    assert first["error_message"].startswith(
        f"executor failed: the warm pool cannot start drivers: {NO_JAVA}"
    )
    retries = [r for r in daemon.runs(job_name="warm") if r["previous_run_id"] == first["id"]]
    assert len(retries) == 1
    assert daemon.wait_state(retries[0]["id"], timeout=60)["state"] == "ERROR"

    daemon.create_job("cold", "print('never')\n", executor="isolated")
    cold = daemon.wait_state(daemon.start_run("cold")["id"], timeout=60)
    assert cold["state"] == "ERROR"
    expected = f"executor failed: isolated runs cannot start: {NO_JAVA}"
    assert cold["error_message"].startswith(expected)

    daemon.create_job("shell", "print('no Java needed')\n", command=PYSHELL)
    shell = daemon.wait_state(daemon.start_run("shell")["id"], timeout=60)
    assert shell["state"] == "SUCCEEDED"
    assert "no Java needed" in daemon.logs(shell["id"])
