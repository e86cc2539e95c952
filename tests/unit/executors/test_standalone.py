"""Cluster deploy mode without a cluster: the settings, the submit command, copying a
driver's log from the worker (header, result line, chunks split anywhere)."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from stoker.config.settings import SparkSettings, load_settings
from stoker.domain.jobs import ExecutorKind
from stoker.domain.runs import Exit, Outcome
from stoker.errors import ConfigError, ExecutorError
from stoker.executors import standalone
from stoker.executors.base import RunSpec
from stoker.executors.isolated import IsolatedExecutor
from stoker.executors.launch import LAUNCH_ENV, RESULT_MARKER, SAMPLE_MARKER, Launch
from stoker.executors.lineage import Lineage
from stoker.executors.runner import ScriptResult
from stoker.executors.standalone import (
    PYTHON_RUNNER,
    ClusterRunHandle,
    DriverLog,
    DriverStatus,
    StandaloneMaster,
    cluster_launch,
    driver_status,
    log_chunk,
    split_secret_conf,
)

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


WORKER = {"id": "worker-1", "webuiaddress": "http://10.0.0.6:8081", "state": "ALIVE"}


def master_json(active: list[dict[str, Any]], completed: list[dict[str, Any]]) -> dict[str, Any]:
    return {"url": MASTER, "workers": [WORKER], "activedrivers": active,
            "completeddrivers": completed}  # fmt: skip


def test_the_drivers_state_and_worker_come_from_the_masters_status() -> None:
    queued = {"id": "driver-1", "state": "SUBMITTED", "worker": None}
    running = {"id": "driver-2", "state": "RUNNING", "worker": "worker-1"}
    killed = {"id": "driver-3", "state": "KILLED", "worker": "worker-1"}
    found = master_json([queued, running], [killed])
    assert driver_status(found, "driver-1") == DriverStatus("SUBMITTED", None)
    assert driver_status(found, "driver-2") == DriverStatus("RUNNING", "http://10.0.0.6:8081")
    assert driver_status(found, "driver-3") == DriverStatus("KILLED", "http://10.0.0.6:8081")
    assert driver_status(found, "driver-4") is None
    # A master without drivers leaves the lists out.
    assert driver_status({"workers": []}, "driver-1") is None


@pytest.mark.parametrize(
    "answer",
    [[], "ok", {"status": "UP"}, master_json([{"id": "driver-1", "state": None}], [])],
)
def test_an_answer_that_is_not_a_masters_status_is_a_value_error(answer: Any) -> None:
    with pytest.raises(ValueError, match="master's status"):
        driver_status(answer, "driver-1")


def test_a_worker_log_chunk_is_its_header_range_and_data() -> None:
    answer = b"==== Bytes 100-105 of 300 of /work/driver-1/stdout ====\nhello"
    assert log_chunk(answer, 100) == (b"hello", 105, 300)
    # No file yet: the worker answers with an error text, and nothing is read.
    assert log_chunk(b"Error: invalid log directory /work/driver-1", 0) == (b"", 0, 0)
    assert log_chunk(b"==== Bytes 0-0 of 0 of /w/stderr ====\n", 0) == (b"", 0, 0)


def test_sample_lines_leave_the_stderr_log_for_the_sink(tmp_path: Path) -> None:
    taken: list[bytes] = []
    log = DriverLog(tmp_path / "err", "stderr", taken.append)
    text = (
        b"=" * 40 + b"\n\n" + b"half" + b"\n" + SAMPLE_MARKER.encode() + b'{"n":1}\n'
        b"way\n\n" + SAMPLE_MARKER.encode() + b'{"n":2}\nend\n'
    )
    for i in range(0, len(text), 5):
        log.feed(text[i : i + 5])
    log.flush()
    assert taken == [b'{"n":1}', b'{"n":2}']
    assert (tmp_path / "err").read_bytes() == b"half\nway\nend\n"


@pytest.mark.parametrize(
    ("variable", "value", "field", "says"),
    [
        ("STOKER_SPARK__DEPLOY_MODE", "both", "spark.deploy_mode", "'client' or 'cluster'"),
        ("STOKER_SPARK__DEPLOY_MODE", "cluster", "spark", "needs a standalone master"),
        ("STOKER_SPARK__MASTER_WEB_URL", "ui:8080", "spark.master_web_url", "http:// or https://"),
    ],
)
def test_bad_cluster_settings_name_the_setting_and_what_is_allowed(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, field: str, says: str
) -> None:
    for name in list(os.environ):
        if name.startswith("STOKER_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("STOKER_SPARK__MASTER", "local[2]")
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    setting = variable.removeprefix("STOKER_SPARK__").lower()
    assert caught.value.field == field
    assert says in caught.value.message and setting in caught.value.message, caught.value.message


def test_secret_spark_conf_is_not_submitted_but_goes_with_the_launch() -> None:
    url = "jdbc:postgresql://db/x?user=u&password=pw"
    conf = {"spark.executor.memory": "1g", "spark.hadoop.fs.s3a.secret.key": "k3y",
            "spark.authenticate": "true", "spark.x.url": url}  # fmt: skip
    submitted, secret = split_secret_conf(conf)
    assert submitted == {"spark.executor.memory": "1g", "spark.authenticate": "true"}
    assert secret == {"spark.hadoop.fs.s3a.secret.key": "k3y", "spark.x.url": url}


class UnreachableMaster(StandaloneMaster):
    """A master whose status never answers; kill requests are recorded, not sent."""

    def __init__(self) -> None:
        super().__init__(MASTER, "http://10.0.0.5:8080", Path("/nonexistent/spark-class"))
        self.killed: list[str] = []

    async def driver(self, driver_id: str) -> DriverStatus | None:
        raise httpx.ConnectError("connection refused")

    async def kill(self, driver_id: str, python: str, lineage: Lineage | None) -> None:
        self.killed.append(driver_id)


def follow_unreachable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stop: bool) -> Exit:
    monkeypatch.setattr(standalone, "POLL_SECONDS", 0.01)
    run = spec(tmp_path)
    run.stderr_path.write_text("Driver successfully submitted as driver-20261203123231-0000\n")

    async def main() -> Exit:
        master = UnreachableMaster()
        submit = await asyncio.create_subprocess_exec("true")
        handle = ClusterRunHandle(run, submit, master, grace=60, python="python", lineage=None)
        if stop:
            await handle.stop()
        exit_ = await asyncio.wait_for(handle.wait(), 10)
        await master.aclose()
        assert master.killed == ["driver-20261203123231-0000"]
        return exit_

    return asyncio.run(main())


def test_a_status_never_reached_ends_the_run_lost_naming_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    exit_ = follow_unreachable(tmp_path, monkeypatch, stop=False)
    assert exit_.outcome is Outcome.LOST and exit_.error_message is not None
    assert "http://10.0.0.5:8080/json/ has not answered" in exit_.error_message
    assert "master_web_url" in exit_.error_message and "connection refused" in exit_.error_message


def test_a_stop_the_master_cannot_confirm_still_ends_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert follow_unreachable(tmp_path, monkeypatch, stop=True) == Exit(Outcome.STOPPED)


class RunningMaster(UnreachableMaster):
    async def driver(self, driver_id: str) -> DriverStatus | None:
        return DriverStatus("RUNNING", None)


def test_a_run_still_followed_when_the_executor_closes_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(standalone, "POLL_SECONDS", 0.01)
    run = spec(tmp_path)
    run.stderr_path.write_text("Driver successfully submitted as driver-20261203123231-0000\n")

    async def main() -> Exit:
        master = RunningMaster()
        submit = await asyncio.create_subprocess_exec("true")
        handle = ClusterRunHandle(run, submit, master, grace=60, python="python", lineage=None)
        await asyncio.sleep(0.2)
        assert not handle.done
        await master.aclose()
        return await asyncio.wait_for(handle.wait(), 10)

    exit_ = asyncio.run(main())
    assert exit_.outcome is Outcome.LOST and exit_.error_message is not None
    assert "ended unfollowed (stoker's executor closed)" in exit_.error_message
