"""Acceptance tests: `stoker daemon` and the `stoker` CLI as subprocesses, as a user meets them.

Shared here: a factory that starts daemons (and always stops them), a runner for the CLI
pointed at a daemon, and helpers to wait for things without timed assertions.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.daemon import STOKER, DaemonProcess

#: A pythonshell script that prints a line, then sleeps in short steps for up to N seconds
#: (``--seconds``, default 60): a run that stays RUNNING until it is stopped or lost.
SLEEPER = """\
import sys, time
from stoker.job import get_resolved_options
seconds = 60.0
if "--seconds" in sys.argv:
    seconds = float(get_resolved_options(sys.argv, ["seconds"])["seconds"])
print("sleeping", seconds, flush=True)
deadline = time.monotonic() + seconds
while time.monotonic() < deadline:
    time.sleep(0.2)
print("slept", seconds, flush=True)
"""

PYSHELL = {"name": "pythonshell"}


def base_env() -> dict[str, str]:
    """The test process's environment without any STOKER_* setting it may carry."""
    return {k: v for k, v in os.environ.items() if not k.startswith("STOKER_")}


def stoker(
    *args: str,
    daemon: DaemonProcess | None = None,
    token: str | None = None,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 180,
) -> subprocess.CompletedProcess[str]:
    """Run the `stoker` CLI; with ``daemon`` it is pointed at it (and its token, if any)."""
    full = base_env()
    if daemon is not None:
        full["STOKER_API_URL"] = daemon.url
        if daemon.token:
            full["STOKER_API_TOKEN"] = daemon.token
    if token is not None:
        full["STOKER_API_TOKEN"] = token
    full.update(env or {})
    return subprocess.run(
        [STOKER, *args],
        check=False,
        env=full,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def ok(result: subprocess.CompletedProcess[str]) -> str:
    """stdout of a command that must have exited 0."""
    assert result.returncode == 0, (
        f"{result.args} exited {result.returncode}\nstdout: {result.stdout}\n"
        f"stderr: {result.stderr}"
    )
    return result.stdout


def ok_json(result: subprocess.CompletedProcess[str]) -> Any:
    return json.loads(ok(result))


@pytest.fixture
def start_daemon(tmp_path: Path) -> Iterator[Callable[..., DaemonProcess]]:
    """Start a daemon in tmp_path/<name> (same name = same data dir); all stop at teardown."""
    started: list[DaemonProcess] = []

    def start(name: str = "d", **kwargs: Any) -> DaemonProcess:
        daemon = DaemonProcess(tmp_path / name, **kwargs)
        started.append(daemon)
        return daemon.start()

    yield start
    for daemon in reversed(started):
        daemon.stop()


def _proc_info(pid: int) -> tuple[int, str, str] | None:
    """(parent pid, state, command line) of a live process, None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return int(fields[1]), fields[0], cmdline.replace(b"\0", b" ").decode(errors="replace")


def descendants(root: int) -> dict[int, str]:
    """Every live process below ``root``: pid → command line."""
    children: dict[int, list[int]] = {}
    lines: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (info := _proc_info(int(entry.name))):
            children.setdefault(info[0], []).append(int(entry.name))
            lines[int(entry.name)] = info[2]
    found: dict[int, str] = {}
    pending = list(children.get(root, []))
    while pending:
        pid = pending.pop()
        found[pid] = lines.get(pid, "")
        pending.extend(children.get(pid, []))
    return found


def survivors(processes: dict[int, str]) -> dict[int, str]:
    """Those of ``processes`` still alive (same command line, so not a reused pid)."""
    alive = {}
    for pid, cmdline in processes.items():
        info = _proc_info(pid)
        if info is not None and info[1] != "Z" and info[2] == cmdline:
            alive[pid] = cmdline
    return alive
