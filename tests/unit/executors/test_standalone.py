"""Cluster deploy mode without a cluster: the settings, the submit command, copying a
driver's log from the worker (header, result line, chunks split anywhere)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from stoker.config.settings import SparkSettings
from stoker.domain.jobs import ExecutorKind
from stoker.domain.runs import Outcome
from stoker.errors import ExecutorError
from stoker.executors.base import RunSpec
from stoker.executors.isolated import IsolatedExecutor
from stoker.executors.launch import LAUNCH_ENV, RESULT_MARKER, Launch
from stoker.executors.runner import ScriptResult
from stoker.executors.standalone import PYTHON_RUNNER, DriverLog, cluster_launch

MASTER = "spark://10.0.0.5:7077"


def spec(tmp_path: Path, conf: dict[str, str] | None = None) -> RunSpec:
    return RunSpec(
        run_id="jr_1", job_name="j", attempt=1, kind=ExecutorKind.ISOLATED,
        script_location=str(tmp_path / "s.py"), arguments={"--secret": "s3cr3t"},
        stdout_path=tmp_path / "stdout", stderr_path=tmp_path / "stderr",
        spark_conf=conf or {},
    )  # fmt: skip


def test_cluster_mode_needs_a_standalone_master() -> None:
    with pytest.raises(ValidationError, match="needs a standalone master"):
        SparkSettings(master="local[2]", deploy_mode="cluster")
    with pytest.raises(ValidationError, match="http:// or https://"):
        SparkSettings(master=MASTER, master_web_url="10.0.0.5:8080")


def test_the_web_ui_defaults_to_port_8080_of_the_first_master() -> None:
    assert SparkSettings(master="spark://a:7077,b:7077").web_url() == "http://a:8080"
    given = SparkSettings(master=MASTER, master_web_url="http://ui:8180/")
    assert given.web_url() == "http://ui:8180"


def test_a_jobs_deploy_mode_overrides_the_setting(tmp_path: Path) -> None:
    executor = IsolatedExecutor(SparkSettings(master=MASTER))
    assert executor.deploy_mode(spec(tmp_path)) == "client"
    cluster = spec(tmp_path, {"spark.submit.deployMode": "cluster"})
    assert executor.deploy_mode(cluster) == "cluster"
    with pytest.raises(ExecutorError, match="'both' is not a deploy mode"):
        executor.deploy_mode(spec(tmp_path, {"spark.submit.deployMode": "both"}))
    local = IsolatedExecutor(SparkSettings(master="local[2]"))
    with pytest.raises(ExecutorError, match="needs a standalone master"):
        local.deploy_mode(cluster)


def test_the_submit_command_runs_python_as_a_jvm_application(tmp_path: Path) -> None:
    executor = IsolatedExecutor(SparkSettings(master=MASTER, deploy_mode="cluster"))
    command = executor.cluster_command(spec(tmp_path))
    assert command[command.index("--deploy-mode") + 1] == "cluster"
    assert command[command.index("--class") + 1] == PYTHON_RUNNER
    jar, entry, _, last = command[-4:]
    assert Path(jar).name.startswith("spark-tags_") and entry.endswith("entry.py")
    assert last == "--launch-env"
    assert "s3cr3t" not in " ".join(command)


def test_the_launch_travels_in_a_spark_variable_of_bounded_size() -> None:
    launch = Launch("jr_1", "j", "/s.py", None, ["--k", "v"], spark=True, cluster=True)
    assert Launch(**json.loads(cluster_launch(launch)[LAUNCH_ENV])) == launch
    big = Launch("jr_1", "j", "/s.py", None, ["--k", "v" * 200_000], spark=True, cluster=True)
    with pytest.raises(ExecutorError, match="at most 100000"):
        cluster_launch(big)


def test_driver_stderr_loses_the_header_and_yields_the_result(tmp_path: Path) -> None:
    result = ScriptResult(Outcome.FAILED, "ValueError", "boom", "Traceback ...")
    text = (
        b'Launch Command: "java" "-Dspark.x=y"\n' + b"=" * 40 + b"\n\n"
        b"26/12/03 INFO SparkContext: Running\nTraceback: boom\n"
        b"\n" + RESULT_MARKER.encode() + result.to_json().encode() + b"\n"
        b"26/12/03 INFO ShutdownHookManager: bye"
    )
    log = DriverLog(tmp_path / "err", "stderr")
    for i in range(0, len(text), 7):  # chunks that split lines, the header and the marker
        log.feed(text[i : i + 7])
    log.flush()
    assert log.result == result
    assert (tmp_path / "err").read_bytes() == (
        b"26/12/03 INFO SparkContext: Running\nTraceback: boom\n"
        b"26/12/03 INFO ShutdownHookManager: bye"
    )


def test_driver_stdout_is_copied_as_is(tmp_path: Path) -> None:
    log = DriverLog(tmp_path / "out", "stdout")
    log.feed(b"a\nb")
    assert (tmp_path / "out").read_bytes() == b"a\n"
    log.feed(b"c\n")
    log.flush()
    assert (tmp_path / "out").read_bytes() == b"a\nbc\n" and log.result is None
