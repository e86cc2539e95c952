"""Secrets stay with their owner: while a warm pool run, an isolated run and a pythonshell
run with secret-looking arguments and Spark conf are live, another local user (``nobody``)
reads none of the secrets from /proc/*/cmdline, /proc/*/environ, the data directory or the
logs; and everything the daemon creates is its user's alone (0700 / 0600), even when it
was started with umask 000."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.acceptance.conftest import PYSHELL
from tests.support.daemon import DaemonProcess
from tests.support.waiting import eventually

pytestmark = pytest.mark.spark

READY = "import time\nprint('ready', flush=True)\nwhile True:\n    time.sleep(0.2)\n"

#: Run as nobody with the secrets on stdin (never on its own command line): every line of
#: /proc/*/cmdline and /proc/*/environ it can read, every file below the roots it can read.
SCAN = r"""
import json, os, sys
secrets = json.load(sys.stdin)["secrets"]
roots = sys.argv[1:]
report = {"found": [], "cmdlines": [], "environ_read": 0, "environ_denied": 0,
          "files_read": [], "denied": []}
def look(where, data):
    for secret in secrets:
        if secret.encode() in data:
            report["found"].append(f"{secret[:6]}... in {where}")
for pid in filter(str.isdigit, os.listdir("/proc")):
    if pid == str(os.getpid()):
        continue
    try:
        data = open(f"/proc/{pid}/cmdline", "rb").read()
        look(f"/proc/{pid}/cmdline", data)
        report["cmdlines"].append(data.replace(b"\0", b" ").decode(errors="replace"))
    except OSError:
        pass
    try:
        look(f"/proc/{pid}/environ", open(f"/proc/{pid}/environ", "rb").read())
        report["environ_read"] += 1
    except OSError:
        report["environ_denied"] += 1
def denied(error):
    report["denied"].append(error.filename)
for root in roots:
    for directory, dirs, files in os.walk(root, onerror=denied):
        for name in files:
            path = os.path.join(directory, name)
            try:
                look(path, open(path, "rb").read())
                report["files_read"].append(path)
            except OSError:
                report["denied"].append(path)
print(json.dumps(report))
"""


@pytest.fixture
def world_readable_dir() -> Iterator[Path]:
    """A directory other users may enter (pytest's tmp_path is private to root)."""
    path = Path(tempfile.mkdtemp(prefix="stoker-secrets-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def secret(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex}"


def test_another_user_reads_no_secret(world_readable_dir: Path) -> None:
    runuser = shutil.which("runuser")
    if runuser is None or os.geteuid() != 0:
        pytest.skip("needs root and runuser to act as another user")
    secrets = {
        "spark_conf": secret("SparkConfSecret"),
        "pool_argument": secret("PoolArgSecret"),
        "isolated_conf": secret("IsolatedConfSecret"),
        "isolated_argument": secret("IsolatedArgSecret"),
        "shell_argument": secret("ShellArgSecret"),
        "api_token": secret("ApiToken"),
    }
    conf = {"spark.hadoop.fs.s3a.secret.key": secrets["spark_conf"]}
    daemon = DaemonProcess(
        world_readable_dir / "d", pool_size=1, token=secrets["api_token"],
        env={"STOKER_SPARK__CONF": json.dumps(conf),
             "STOKER_API__TOKENS": json.dumps([secrets["api_token"]])},
    )  # fmt: skip
    previous = os.umask(0)  # the daemon must not rely on the operator's umask
    try:
        daemon.start()
    finally:
        os.umask(previous)
    try:
        runs = start_secret_runs(daemon, secrets)
        for run_id in runs:
            daemon.wait_state(run_id, {"RUNNING"}, timeout=180)
            eventually(lambda run_id=run_id: "ready" in daemon.logs(run_id), "the run is live",
                       timeout=180)  # fmt: skip
        report = scan_as_nobody(runuser, daemon, list(secrets.values()))
        assert report["found"] == [], report["found"]
        # The scan did see the live processes: the pool driver, its JVM, both entries.
        seen = " ".join(report["cmdlines"])
        assert "stoker.executors.pool.driver" in seen and "SparkSubmit" in seen, seen
        assert seen.count("stoker.executors.entry") + seen.count("entry.py") >= 2, seen
        assert report["environ_read"] == 0 or report["environ_denied"] > 0
        # Everything below the data directory is closed to it (the directory itself is);
        # what it could read outside (the test's own capture of the daemon's stderr) has
        # no secret either.
        data = str(daemon.workdir / "data")
        assert not [f for f in report["files_read"] if f.startswith(data)], report
        assert data in report["denied"], report["denied"]
        assert_private(daemon.workdir / "data")
        for value in secrets.values():
            assert value not in daemon.log_path.read_text(errors="replace")
    finally:
        daemon.stop()


def start_secret_runs(daemon: DaemonProcess, secrets: dict[str, str]) -> list[str]:
    daemon.create_job("warm", READY, default_arguments={"--password": secrets["pool_argument"]})
    daemon.create_job(
        "cold", READY, executor="isolated",
        spark_conf={"spark.hadoop.fs.s3a.access.key": secrets["isolated_conf"]},
        default_arguments={"--db_password": secrets["isolated_argument"]},
    )  # fmt: skip
    daemon.create_job(
        "shell", READY, command=PYSHELL,
        default_arguments={"--api_token": secrets["shell_argument"]},
    )  # fmt: skip
    return [daemon.start_run(job)["id"] for job in ("warm", "cold", "shell")]


def scan_as_nobody(runuser: str, daemon: DaemonProcess, secrets: list[str]) -> dict[str, list]:
    result = subprocess.run(
        [runuser, "-u", "nobody", "--", "/usr/bin/python3", "-c", SCAN,
         str(daemon.workdir), str(daemon.workdir / "data")],
        input=json.dumps({"secrets": secrets}), capture_output=True, text=True, timeout=120,
        check=False, cwd="/",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report: dict[str, list] = json.loads(result.stdout)
    return report


def assert_private(root: Path) -> None:
    """Directories 0700, files 0600 at most: nothing for the group or others."""
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    checked = 0
    for directory, dirs, files in os.walk(root):
        for name in dirs + files:
            mode = stat.S_IMODE(Path(directory, name).lstat().st_mode)
            assert mode & 0o077 == 0, f"{Path(directory, name)} has mode {oct(mode)}"
            checked += 1
    names = {p.name for p in root.rglob("*")}
    expected = {"stoker.db", "stoker.db-wal", "stoker.db-shm", "scripts", "logs", "drivers",
                "driver-1.log", "stdout.log", "stderr.log"}  # fmt: skip
    assert expected <= names, names
    assert checked > 10
