"""A crash never runs a script twice at once, on every executor.

For each executor: kill -9 of the daemon while a run of a ``max_concurrent_runs = 1`` job
executes, restart, and proof that no process of the old daemon survives (every process it
started carries its installation and incarnation tags: /proc is scanned for them) and that
the retry is the only copy running. The script proves the last part itself: it takes an
exclusive, non-blocking flock on a file and reports DUPLICATE if another copy holds it (a
lock is released only when every process holding it is gone).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.acceptance.conftest import PYSHELL
from tests.support.daemon import DaemonProcess
from tests.support.processes import incarnations, tagged
from tests.support.spark_cluster import Cluster
from tests.support.waiting import eventually

pytestmark = pytest.mark.spark

EXCLUSIVE = """\
import fcntl, subprocess, sys, time
lock = open(args["lock"], "a")
try:
    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
except BlockingIOError:
    print("DUPLICATE: another copy of this job holds its lock", flush=True)
    sys.exit(3)
print("exclusive", flush=True)
"""
#: A child of the script that holds the lock too and, not being the process the daemon
#: started, has no parent-death signal: only the next daemon's recovery can end it.
CHILD = """\
child = subprocess.Popen(
    [sys.executable, "-c", "import time; time.sleep(600)", args["JOB_RUN_ID"]],
    pass_fds=(lock.fileno(),),
)
print("child", child.pid, flush=True)
"""
SPARK_JOB = "spark.range(10).count()\n"
FOREVER = "while True:\n    time.sleep(0.2)\n"


def retry_of(daemon: DaemonProcess, run_id: str) -> dict[str, Any] | None:
    return next((r for r in daemon.runs() if r["previous_run_id"] == run_id), None)


def crash_then_retry(
    start: Callable[..., DaemonProcess],
    tmp_path: Path,
    script: str,
    job: dict[str, Any],
    **daemon: Any,
) -> tuple[DaemonProcess, str, str]:
    """Run ``script`` on daemon A, kill -9 A, start B: the old run's id, the retry's id."""
    data = tmp_path / "crash" / "data"
    a = start("crash", **daemon)
    a.create_job(
        "solo", script, max_retries=1, max_concurrent_runs=1,
        default_arguments={"--lock": str(tmp_path / "solo.lock")}, **job,
    )  # fmt: skip
    old = a.start_run("solo")["id"]
    a.wait_state(old, {"RUNNING"}, timeout=120)
    eventually(lambda: "exclusive" in a.logs(old), "the first copy holds the lock", timeout=120)
    (first,) = incarnations(data)  # every process of the run is tagged, all with A's tags
    a.kill9()

    b = start("crash", **daemon)
    # B's recovery ran before its API answered: nothing A started is alive any more.
    assert first not in incarnations(data), tagged(data)
    lost = b.run(old)
    assert lost["state"] == "ERROR" and "lost when the daemon stopped" in lost["error_message"]
    retry = eventually(lambda: retry_of(b, old), "the lost run's retry exists")["id"]
    b.wait_state(retry, {"RUNNING"}, timeout=120)
    eventually(lambda: "exclusive" in b.logs(retry), "the retry holds the lock", timeout=120)
    assert "DUPLICATE" not in b.logs(retry)
    assert all(p.incarnation != first for p in tagged(data))
    return b, old, retry


def stop(daemon: DaemonProcess, run_id: str) -> None:
    assert daemon.http.post(f"/runs/{run_id}/stop").status_code == 200
    assert daemon.wait_state(run_id, timeout=60)["state"] == "STOPPED"


def test_python_shell_run_and_the_child_it_left(
    start_daemon: Callable[..., DaemonProcess], tmp_path: Path
) -> None:
    b, old, retry = crash_then_retry(
        start_daemon, tmp_path, EXCLUSIVE + CHILD + FOREVER, {"command": PYSHELL}, pool_size=0
    )
    # The entry died with the daemon (its death signal); the script's child did not, and
    # the new daemon killed it before the retry started.
    assert "left by an earlier daemon" in b.log()
    assert not [p for p in tagged(tmp_path / "crash" / "data") if old in p.cmdline]
    assert [p for p in tagged(tmp_path / "crash" / "data") if retry in p.cmdline]
    stop(b, retry)


def test_isolated_run_in_local_mode(
    start_daemon: Callable[..., DaemonProcess], tmp_path: Path
) -> None:
    b, _, retry = crash_then_retry(
        start_daemon, tmp_path, EXCLUSIVE + SPARK_JOB + FOREVER, {"executor": "isolated"},
        pool_size=0,
    )  # fmt: skip
    stop(b, retry)


def test_warm_pool_run_with_its_driver_and_jvm(
    start_daemon: Callable[..., DaemonProcess], tmp_path: Path
) -> None:
    b, _, retry = crash_then_retry(
        start_daemon, tmp_path, EXCLUSIVE + SPARK_JOB + FOREVER, {}, pool_size=1
    )
    assert any("java" in p.cmdline for p in tagged(tmp_path / "crash" / "data"))  # B's JVM
    stop(b, retry)


def test_isolated_run_in_client_mode_on_a_standalone_cluster(
    start_daemon: Callable[..., DaemonProcess], tmp_path: Path, standalone_cluster: Cluster
) -> None:
    cluster = standalone_cluster
    env = {
        "STOKER_SPARK__MASTER": cluster.master_url,
        "STOKER_SPARK__CONF": '{"spark.cores.max": "1", "spark.executor.memory": "512m"}',
    }
    b, old, retry = crash_then_retry(
        start_daemon, tmp_path, EXCLUSIVE + SPARK_JOB + FOREVER, {"executor": "isolated"},
        pool_size=0, env=env,
    )  # fmt: skip

    def executors() -> list[str]:
        return [
            p.incarnation for p in tagged(tmp_path / "crash" / "data")
            if "CoarseGrainedExecutorBackend" in p.cmdline
        ]  # fmt: skip

    # The cluster runs the retry's application alone, on an executor of the new daemon's
    # (tagged through spark.executorEnv): the old application's executor is gone.
    (incarnation,) = eventually(executors, "the retry's executor on the worker")
    active = [a["name"] for a in (cluster.state() or {}).get("activeapps", [])]
    assert active == [f"stoker-solo-{retry}"], active
    assert old not in str(active) and incarnation in incarnations(tmp_path / "crash" / "data")
    stop(b, retry)
