"""Isolated runs on the suite's Spark standalone cluster, in client deploy mode (the driver
on this machine, its executors on the worker) and in cluster mode (the driver on the
worker: its state, logs, result, samples and stop all go through the cluster).

Each run's application gets one 512 MiB executor with 1 core; a cluster-mode driver takes
1 core and 512 MiB of the worker too (6 cores, 3 GiB). The executor's runs go one after
another, beside a daemon's two runs that time out (one per mode; a whole minute, as in
Glue's timeouts: they are started by the first test and checked last, so their minute
passes while the others run).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from stoker.config.settings import SparkSettings
from stoker.domain.jobs import ExecutorKind, SparkResources
from stoker.domain.runs import Exit, Outcome
from stoker.domain.sparkmetrics import SparkSample
from stoker.executors.base import RunSpec
from stoker.executors.isolated import IsolatedExecutor
from stoker.executors.standalone import ClusterRunHandle
from tests.support.daemon import DaemonProcess
from tests.support.spark_cluster import Cluster

from .conftest import LoopThread, Received, make_spec, wait_until
from .process_helpers import read_logs, run_to_end

pytestmark = pytest.mark.spark

CONF = {"spark.cores.max": "1", "spark.executor.cores": "1", "spark.executor.memory": "512m"}
SLEEP_FOREVER = "import time\nprint('sleeping', flush=True)\nwhile True:\n    time.sleep(0.2)\n"


MODES = ["client", "cluster"]


@pytest.fixture(scope="module")
def timing_out(
    standalone_cluster: Cluster, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[DaemonProcess, dict[str, str]]]:
    """A daemon whose isolated runs go to the cluster, and its runs (by deploy mode) of jobs
    with a one-minute timeout."""
    env = {
        "STOKER_SPARK__MASTER": standalone_cluster.master_url,
        "STOKER_SPARK__MASTER_WEB_URL": standalone_cluster.master_ui,
        "STOKER_SPARK__DEPLOY_MODE": "cluster",
        "STOKER_SPARK__STOP_GRACE_SECONDS": "30",
        "STOKER_SPARK__CONF": json.dumps({**CONF, "spark.driver.memory": "512m"}),
    }
    daemon = DaemonProcess(tmp_path_factory.mktemp("daemon"), pool_size=0, env=env)
    daemon.start()
    try:
        runs = {}
        for mode in MODES:
            job = f"sleeper-{mode}"
            daemon.create_job(job, SLEEP_FOREVER, executor="isolated", timeout=1,
                              spark_conf={"spark.submit.deployMode": mode})  # fmt: skip
            runs[mode] = daemon.start_run(job)["id"]
        yield daemon, runs
    finally:
        daemon.stop()


@pytest.fixture(scope="module")
def received() -> Received:
    return []


@pytest.fixture(scope="module", params=MODES)
def executor(
    request: pytest.FixtureRequest, loop_thread: LoopThread, standalone_cluster: Cluster,
    received: Received,
) -> Iterator[IsolatedExecutor]:  # fmt: skip
    settings = SparkSettings(
        master=standalone_cluster.master_url, master_web_url=standalone_cluster.master_ui,
        deploy_mode=request.param, stop_grace_seconds=30.0, conf=CONF,
    )  # fmt: skip
    ex = IsolatedExecutor(
        settings, metrics_interval_seconds=0.5, on_sample=lambda *item: received.append(item)
    )
    yield ex
    loop_thread.run(ex.aclose(), timeout=60)


def cluster_spec(tmp: Path, script: str, arguments: dict[str, str] | None = None) -> RunSpec:
    spec = make_spec(tmp, script, arguments, kind=ExecutorKind.ISOLATED)
    return replace(spec, resources=SparkResources(driver_memory="512m"))


def driver(cluster: Cluster, driver_id: str) -> dict[str, Any]:
    state = cluster.state() or {}
    found = [d for d in state.get("activedrivers", []) + state.get("completeddrivers", [])
             if d["id"] == driver_id]  # fmt: skip
    assert found, f"{driver_id} is not on the master: {state}"
    return found[0]


def application(cluster: Cluster, name: str) -> dict[str, Any] | None:
    """The master's application of that name (a run's is ``stoker-<job>-<run id>``)."""
    state = cluster.state() or {}
    found = [a for a in state.get("activeapps", []) + state.get("completedapps", [])
             if a["name"] == name]  # fmt: skip
    return found[0] if found else None


def ended(cluster: Cluster, name: str) -> bool:
    app = application(cluster, name)
    return app is not None and app["state"] != "RUNNING"


def samples_of(received: Received, run_id: str) -> list[SparkSample]:
    return [sample for rid, _, sample in received if rid == run_id]


def test_success_with_the_drivers_output_and_samples(
    loop_thread: LoopThread, executor: IsolatedExecutor, standalone_cluster: Cluster,
    received: Received, timing_out: tuple[DaemonProcess, str], tmp_path: Path,
) -> None:  # fmt: skip
    script = (
        "import glob, os, sys\n"
        "print('count', spark.range(7).count(), 'day', args['day'])\n"
        "spark.range(12).write.parquet(args['out'])\n"
        "print('key', sc._jsc.hadoopConfiguration().get('fs.s3a.secret.key'))\n"
        "def on_command_lines(word):\n"
        "    found = []\n"
        "    for path in glob.glob('/proc/[0-9]*/cmdline'):\n"
        "        try:\n"
        "            found += [path] if word.encode() in open(path, 'rb').read() else []\n"
        "        except OSError:\n"
        "            pass\n"
        "    return found\n"
        "found = on_command_lines('c0nf-' + 's3cr3t'), on_command_lines('arg-' + 's3cr3t')\n"
        "print('leaked', *found)\n"
        "print('mode', spark.conf.get('spark.submit.deployMode'), 'token', os.environ['TOKEN'])\n"
        "print('to stderr', file=sys.stderr)\n"
        "print('launch left', 'SPARK_STOKER_LAUNCH' in os.environ)\n"
    )
    arguments = {"--day": "d1", "--out": str(tmp_path / "out"), "--key": "arg-s3cr3t"}
    spec = replace(
        cluster_spec(tmp_path, script, arguments), env={"TOKEN": "t0k"},
        spark_conf={"spark.hadoop.fs.s3a.secret.key": "c0nf-s3cr3t"},
    )  # fmt: skip
    result = run_to_end(loop_thread, executor, spec, timeout=240)
    out, err = read_logs(spec)
    assert result == Exit(Outcome.SUCCEEDED), f"{result}\n{err}\n{standalone_cluster.tails()}"
    mode = executor.settings.deploy_mode
    assert "count 7 day d1" in out and f"mode {mode} token t0k" in out, out
    assert "launch left False" in out, out
    # Secret conf and arguments reach the script but no command line on the machine.
    assert "key c0nf-s3cr3t" in out and "leaked [] []" in out, out
    # The script's stderr apart from its stdout; the worker's launch header and the
    # entry's result line are not copied into the run's log.
    assert "to stderr" in err and "to stderr" not in out, (out, err)
    assert "Launch Command" not in err and "stoker-result" not in err, err
    if mode == "cluster":  # spark-submit's own output
        assert "Driver successfully submitted as driver-" in err, err
    # In cluster mode the samples came on the driver's stderr; the final one is read
    # before the end in both modes.
    samples = samples_of(received, spec.run_id)
    assert samples and samples[-1].final and samples[-1].records_written == 12, samples
    assert "stoker-sample" not in err


def test_failure_has_the_error_and_traceback(
    loop_thread: LoopThread, executor: IsolatedExecutor, tmp_path: Path
) -> None:
    spec = cluster_spec(tmp_path, "def f():\n    raise ValueError('boom')\nf()\n")
    result = run_to_end(loop_thread, executor, spec, timeout=240)
    _, err = read_logs(spec)
    assert result == Exit(Outcome.FAILED, "ValueError: boom"), err
    assert "Traceback" in err and "in f" in err and "ValueError: boom" in err, err


def test_stop_ends_the_driver_and_its_application_on_the_cluster(
    loop_thread: LoopThread, executor: IsolatedExecutor, standalone_cluster: Cluster,
    tmp_path: Path,
) -> None:  # fmt: skip
    spec = cluster_spec(tmp_path, "import time\nprint('looping', flush=True)\ntime.sleep(600)\n")
    name = f"stoker-{spec.job_name}-{spec.run_id}"
    handle = loop_thread.run(executor.start(spec))
    wait_until(lambda: "looping" in spec.stdout_path.read_text(errors="replace")
               if spec.stdout_path.exists() else False, deadline=180)  # fmt: skip
    assert (application(standalone_cluster, name) or {}).get("state") == "RUNNING"
    if executor.settings.deploy_mode == "cluster":
        assert isinstance(handle, ClusterRunHandle) and handle.driver_id is not None
        assert driver(standalone_cluster, handle.driver_id)["state"] == "RUNNING"
    began = time.monotonic()
    loop_thread.run(handle.stop())
    result = loop_thread.run(handle.wait(), timeout=120)
    assert result == Exit(Outcome.STOPPED)
    assert time.monotonic() - began < 30  # within the grace: the kill worked
    if isinstance(handle, ClusterRunHandle):
        assert handle.driver_id is not None
        assert driver(standalone_cluster, handle.driver_id)["state"] == "KILLED"
    wait_until(lambda: ended(standalone_cluster, name), deadline=30)


@pytest.mark.parametrize("mode", MODES)
def test_timeout_ends_the_driver_on_the_cluster(
    timing_out: tuple[DaemonProcess, dict[str, str]], standalone_cluster: Cluster, mode: str
) -> None:
    daemon, runs = timing_out
    run_id = runs[mode]
    done = daemon.wait_state(run_id, timeout=150)
    assert done["state"] == "TIMEOUT", (done, daemon.log())
    assert "timed out after 1 minute" in done["error_message"]
    assert "sleeping" in daemon.logs(run_id)
    if mode == "cluster":
        stderr = daemon.logs(run_id, "stderr")
        submitted = [w for w in stderr.split() if w.startswith("driver-")]
        assert submitted, stderr
        assert driver(standalone_cluster, submitted[0])["state"] == "KILLED"
    wait_until(lambda: ended(standalone_cluster, f"stoker-sleeper-{mode}-{run_id}"), deadline=30)
