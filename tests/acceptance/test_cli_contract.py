"""The CLI contract of README.md, against one real daemon with one warm Spark driver."""

from __future__ import annotations

import json
import queue
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.acceptance.conftest import SLEEPER, base_env, ok, ok_json, stoker
from tests.support.daemon import STOKER, DaemonProcess, free_port
from tests.support.waiting import eventually

pytestmark = pytest.mark.spark

SPARK_OK = """\
import sys
from stoker.job import get_resolved_options
args = get_resolved_options(sys.argv, ["input"])
print("input is", args["input"], flush=True)
if args["input"] == "fail":
    raise RuntimeError("asked to fail")
print("count", spark.range(10).count(), flush=True)
"""
FAIL = "print('about to fail', flush=True)\nraise ValueError('boom')\n"
#: Prints a line every 0.2 s for ~2 s, then waits for a gate file (so the test decides
#: when the run ends, not a clock), then prints its last line.
TICKER = """\
import os, sys, time
from stoker.job import get_resolved_options
gate = get_resolved_options(sys.argv, ["gate"])["gate"]
for i in range(10):
    print(f"tick {i}", flush=True)
    time.sleep(0.2)
deadline = time.monotonic() + 120
while not os.path.exists(gate) and time.monotonic() < deadline:
    time.sleep(0.1)
print("ticker done", flush=True)
"""
RUN_KEYS = {
    "id", "job_name", "state", "attempt", "previous_run_id", "error_message",
    "triggered_by", "started_on", "completed_on", "execution_time",
}  # fmt: skip


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DaemonProcess]:
    proc = DaemonProcess(tmp_path_factory.mktemp("cli-daemon"), pool_size=1).start()
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cli-files")
    (root / "ok.py").write_text(SPARK_OK)
    (root / "fail.py").write_text(FAIL)
    (root / "ticker.py").write_text(TICKER)
    (root / "sleeper.py").write_text(SLEEPER)
    return root


def cli(daemon: DaemonProcess, *args: str) -> subprocess.CompletedProcess[str]:
    return stoker(*args, daemon=daemon)


def test_jobs_create_with_flags_list_and_get(daemon: DaemonProcess, files: Path) -> None:
    ok(cli(daemon, "jobs", "create", "--name", "etl", "--script", str(files / "ok.py"),
           "--max-retries", "1", "--timeout", "5", "--arg", "input=x"))  # fmt: skip
    listed = ok_json(cli(daemon, "jobs", "list", "-o", "json"))
    assert [j["name"] for j in listed] == ["etl"]
    job = ok_json(cli(daemon, "jobs", "get", "etl", "-o", "json"))
    assert job["name"] == "etl"
    assert job["default_arguments"] == {"--input": "x"}
    assert (job["max_retries"], job["timeout"]) == (1, 5)
    table = ok(cli(daemon, "jobs", "list"))
    assert "etl" in table and "NAME" in table


def test_jobs_create_from_toml_and_yaml_files(daemon: DaemonProcess, files: Path) -> None:
    (files / "from_toml.toml").write_text(
        'name = "from_toml"\nscript_file = "ok.py"\nmax_concurrent_runs = 3\n'
        '[command]\nname = "pythonshell"\n[default_arguments]\n"--input" = "t"\n'
    )
    (files / "from_yaml.yaml").write_text(
        "name: from_yaml\nscript_file: fail.py\nmax_retries: 2\n"
        "default_arguments:\n  --input: 'y'\ntags:\n  team: data\n"
    )
    ok(cli(daemon, "jobs", "create", "-f", str(files / "from_toml.toml")))
    ok(cli(daemon, "jobs", "create", "-f", str(files / "from_yaml.yaml")))
    toml_job = ok_json(cli(daemon, "jobs", "get", "from_toml", "-o", "json"))
    assert toml_job["command"]["name"] == "pythonshell"
    assert toml_job["max_concurrent_runs"] == 3
    assert toml_job["default_arguments"] == {"--input": "t"}
    yaml_job = ok_json(cli(daemon, "jobs", "get", "from_yaml", "-o", "json"))
    assert yaml_job["max_retries"] == 2
    assert yaml_job["default_arguments"] == {"--input": "y"}
    assert yaml_job["tags"] == {"team": "data"}
    # script_file is read relative to the job file and uploaded
    assert ok(cli(daemon, "jobs", "script", "get", "from_yaml")).strip() == FAIL.strip()
    names = {j["name"] for j in ok_json(cli(daemon, "jobs", "list", "-o", "json"))}
    assert {"from_toml", "from_yaml"} <= names


def test_jobs_script_get_and_put(daemon: DaemonProcess, files: Path) -> None:
    ok(cli(daemon, "jobs", "create", "--name", "scripted", "--type", "pythonshell",
           "--script", str(files / "fail.py")))  # fmt: skip
    assert ok(cli(daemon, "jobs", "script", "get", "scripted")).strip() == FAIL.strip()
    new = files / "new.py"
    new.write_text("print('the new script', flush=True)\n")
    ok(cli(daemon, "jobs", "script", "put", "scripted", str(new)))
    assert ok(cli(daemon, "jobs", "script", "get", "scripted")).strip() == (
        "print('the new script', flush=True)"
    )
    result = cli(daemon, "runs", "start", "scripted", "--wait")
    run_id = ok(result).splitlines()[0].strip()
    assert "the new script" in ok(cli(daemon, "runs", "logs", run_id))


def test_spark_run_wait_get_logs_events_and_list_filters(daemon: DaemonProcess) -> None:
    result = cli(daemon, "runs", "start", "etl", "--wait")
    out = ok(result)
    run_id = out.splitlines()[0].strip()
    assert run_id.startswith("jr_"), out
    assert "SUCCEEDED" in out
    run = ok_json(cli(daemon, "runs", "get", run_id, "-o", "json"))
    assert run.keys() >= RUN_KEYS, sorted(run)
    assert (run["id"], run["job_name"], run["state"]) == (run_id, "etl", "SUCCEEDED")
    assert (run["attempt"], run["previous_run_id"], run["error_message"]) == (0, None, None)
    assert run["triggered_by"] == "manual"
    assert run["started_on"] and run["completed_on"] and run["execution_time"] >= 0
    logs = ok(cli(daemon, "runs", "logs", run_id))
    assert "input is x" in logs and "count 10" in logs

    events = ok_json(cli(daemon, "events", "list", "-o", "json", "--limit", "1000"))
    states = [e["event"]["detail"]["state"] for e in events if e["run_id"] == run_id]
    assert states == ["STARTING", "RUNNING", "SUCCEEDED"]

    # A failing run of the same job (retried once: max_retries 1), for the filters.
    failed = cli(daemon, "runs", "start", "etl", "--arg", "input=fail", "--wait")
    assert failed.returncode == 1, failed
    failed_id, retried_line, last_line = failed.stdout.splitlines()
    assert retried_line.startswith(f"{failed_id} FAILED: ") and "asked to fail" in retried_line
    assert "; retried as jr_" in retried_line and retried_line.endswith("(attempt 1)")
    # --wait followed the retry: its end is the last line, and the run's exit status.
    assert last_line.split()[1] == "FAILED:" and last_line.split()[0] != failed_id

    def retried() -> list[dict[str, object]]:
        runs = ok_json(cli(daemon, "runs", "list", "--job", "etl", "-o", "json"))
        return [r for r in runs if r["previous_run_id"] == failed_id
                and r["state"] in ("FAILED", "ERROR", "SUCCEEDED")]  # fmt: skip

    retry = eventually(retried, "the failed run's retry ends", timeout=120)[0]
    assert (retry["attempt"], retry["state"]) == (1, "FAILED")

    succeeded = ok_json(cli(daemon, "runs", "list", "--job", "etl", "--state", "SUCCEEDED",
                            "-o", "json"))  # fmt: skip
    assert [r["id"] for r in succeeded] == [run_id]
    failed_runs = ok_json(cli(daemon, "runs", "list", "--job", "etl", "--state", "failed",
                              "-o", "json"))  # fmt: skip
    assert {r["id"] for r in failed_runs} == {failed_id, retry["id"]}
    everything = ok_json(cli(daemon, "runs", "list", "--job", "etl", "-o", "json"))
    assert len(everything) == 3 and {r["job_name"] for r in everything} == {"etl"}


def test_failing_run_wait_exits_nonzero_and_stderr_has_traceback(
    daemon: DaemonProcess, files: Path
) -> None:
    ok(cli(daemon, "jobs", "create", "--name", "failjob", "--type", "pythonshell",
           "--script", str(files / "fail.py")))  # fmt: skip
    result = cli(daemon, "runs", "start", "failjob", "--wait")
    assert result.returncode == 1, result
    run_id = result.stdout.splitlines()[0].strip()
    assert run_id.startswith("jr_")
    run = ok_json(cli(daemon, "runs", "get", run_id, "-o", "json"))
    assert run["state"] == "FAILED"
    assert run["error_message"].startswith("ValueError: boom")
    assert "about to fail" in ok(cli(daemon, "runs", "logs", run_id))
    err = ok(cli(daemon, "runs", "logs", run_id, "--stderr"))
    assert "Traceback" in err and "ValueError: boom" in err


def _line_reader(stream: object) -> queue.Queue[str | None]:
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        for line in stream:  # type: ignore[attr-defined]
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def test_logs_follow_streams_until_the_run_ends(daemon: DaemonProcess, files: Path) -> None:
    gate = files / "ticker.gate"
    ok(cli(daemon, "jobs", "create", "--name", "ticker", "--type", "pythonshell",
           "--script", str(files / "ticker.py"), "--arg", f"gate={gate}"))  # fmt: skip
    run_id = ok(cli(daemon, "runs", "start", "ticker")).strip()
    env = {**base_env(), "STOKER_API_URL": daemon.url}
    follow = subprocess.Popen(
        [STOKER, "runs", "logs", run_id, "--follow"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        lines = _line_reader(follow.stdout)
        seen: list[str] = []
        while len(seen) < 3:
            line = lines.get(timeout=60)
            assert line is not None, f"follow ended early: {seen} {follow.stderr.read()}"  # type: ignore[union-attr]
            seen.append(line)
        # Lines arrive while the run is still going (it cannot end before the gate exists).
        assert daemon.run(run_id)["state"] == "RUNNING"
        assert follow.poll() is None
        assert seen[:3] == ["tick 0\n", "tick 1\n", "tick 2\n"]
        gate.touch()
        assert follow.wait(timeout=60) == 0
        while (line := lines.get(timeout=10)) is not None:
            seen.append(line)
    finally:
        if follow.poll() is None:
            follow.kill()
            follow.wait()
    assert seen == [f"tick {i}\n" for i in range(10)] + ["ticker done\n"]
    assert daemon.run(run_id)["state"] == "SUCCEEDED"


def test_runs_stop_a_long_pythonshell_run(daemon: DaemonProcess, files: Path) -> None:
    ok(cli(daemon, "jobs", "create", "--name", "sleeper", "--type", "pythonshell",
           "--script", str(files / "sleeper.py")))  # fmt: skip
    run_id = ok(cli(daemon, "runs", "start", "sleeper")).strip()
    daemon.wait_state(run_id, {"RUNNING"}, timeout=60)
    out = ok(cli(daemon, "runs", "stop", run_id))
    assert run_id in out and "STOPPING" in out
    done = daemon.wait_state(run_id, timeout=60)
    assert done["state"] == "STOPPED"
    assert ok_json(cli(daemon, "runs", "get", run_id, "-o", "json"))["state"] == "STOPPED"
    again = cli(daemon, "runs", "stop", run_id)
    assert again.returncode == 4, again


def test_deleted_job_keeps_its_runs_readable(daemon: DaemonProcess) -> None:
    run_id = ok(cli(daemon, "runs", "start", "scripted", "--wait")).splitlines()[0].strip()
    assert "deleted job scripted" in ok(cli(daemon, "jobs", "delete", "scripted"))
    gone = cli(daemon, "jobs", "get", "scripted")
    assert gone.returncode == 3, gone
    run = ok_json(cli(daemon, "runs", "get", run_id, "-o", "json"))
    assert (run["job_name"], run["state"]) == ("scripted", "SUCCEEDED")
    assert "the new script" in ok(cli(daemon, "runs", "logs", run_id))


def test_bad_input_exit_codes(daemon: DaemonProcess, tmp_path: Path) -> None:
    novalue = cli(daemon, "runs", "start", "etl", "--arg", "novalue")
    assert novalue.returncode == 2, novalue
    assert "novalue" in novalue.stderr and "KEY=VALUE" in novalue.stderr

    unknown = cli(daemon, "runs", "start", "no_such_job")
    assert unknown.returncode == 3, unknown
    assert "no_such_job" in unknown.stderr
    assert cli(daemon, "jobs", "get", "no_such_job").returncode == 3
    assert cli(daemon, "runs", "get", "jr_" + "0" * 64).returncode == 3

    missing = tmp_path / "missing_script.py"
    result = cli(daemon, "jobs", "create", "--name", "nofile", "--script", str(missing))
    assert result.returncode == 2, result
    assert str(missing) in result.stderr
    assert cli(daemon, "jobs", "get", "nofile").returncode == 3

    duplicate = cli(daemon, "jobs", "create", "--name", "etl", "--script", __file__)
    assert duplicate.returncode == 4, duplicate


def test_unreachable_daemon_exits_6(tmp_path: Path) -> None:
    result = stoker("jobs", "list", env={"STOKER_API_URL": f"http://127.0.0.1:{free_port()}"})
    assert result.returncode == 6, result
    assert "Traceback" not in result.stderr


def test_secret_arguments_are_masked_but_reach_the_script(
    daemon: DaemonProcess, files: Path
) -> None:
    script = files / "pw.py"
    script.write_text(
        "import sys\nfrom stoker.job import get_resolved_options\n"
        "print('pw is', get_resolved_options(sys.argv, ['db_password'])['db_password'])\n"
    )
    ok(cli(daemon, "jobs", "create", "--name", "pw", "--type", "pythonshell",
           "--script", str(script), "--arg", "db_password=hunter2"))  # fmt: skip
    shown = ok(cli(daemon, "jobs", "get", "pw", "-o", "json"))
    assert json.loads(shown)["default_arguments"] == {"--db_password": "****"}
    assert "hunter2" not in shown
    # `jobs update` writes the (masked) definition back: the secret must survive it.
    ok(cli(daemon, "jobs", "update", "pw", "--max-retries", "2"))
    run_id = ok(cli(daemon, "runs", "start", "pw", "--wait")).splitlines()[0].strip()
    assert "pw is hunter2" in ok(cli(daemon, "runs", "logs", run_id))
    assert "hunter2" not in ok(cli(daemon, "events", "list", "-o", "json", "--limit", "1000"))
